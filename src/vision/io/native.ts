// The addon's image codec functions (native/src/image.cc), typed.
import type { Handle } from "../../core/native.js";
import { nativePart } from "../../core/native-part.js";

/** An opaque handle to a batch decode running on libuv's thread pool. */
export type DecodeJobHandle = { readonly __tstorchDecodeJob: unique symbol };

/** What the decoders are told about the input: sniff the signature, or insist on one format. */
export const KIND = { auto: 0, jpeg: 1, png: 2 } as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

export interface ImageAddon {
  imageDecode(bytes: Uint8Array | ArrayBuffer, kind: Kind, mode: number): Handle;
  imageDecodeStart(inputs: readonly (Uint8Array | string)[], kind: Kind, mode: number, chunks: number): DecodeJobHandle;
  imageJobWait(job: DecodeJobHandle): Handle[];
  imageDecodeAsync(inputs: readonly (Uint8Array | string)[], kind: Kind, mode: number, chunks: number): Promise<Handle[]>;
  imageEncodeJpeg(image: Handle, quality: number): Buffer;
  imageEncodePng(image: Handle, compressionLevel: number): Buffer;
  imageLibraries(): { turbojpegApi: 2 | 3; libpng: string };
}

/** @internal */
export const imageNative: ImageAddon = nativePart<ImageAddon>("imageDecode", "image codecs (native/src/image.cc)");
