// torchvision.io's image functions: encoded bytes <-> uint8 [C, H, W] tensors, through TurboJPEG
// and libpng in the addon (native/src/image.cc). Each decoder takes the bytes as torchvision does
// (a uint8 1-D tensor) or as a Uint8Array/Buffer, so a file read by fs needs no tensor round trip.
//
// Batches: decodeImages decodes many images on libuv's thread pool in parallel (the JS thread
// waits), decodeImagesAsync does the same and returns a Promise, startDecodeImages starts the work
// and hands back a ticket whose wait() takes the result later (the JS thread runs meanwhile).
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { fromTypedArray } from "../../core/creation.js";
import { Tensor, wrap } from "../../core/tensor.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { imageNative, KIND, type DecodeJobHandle, type Kind } from "./native.js";

/** torchvision.io.ImageReadMode: how many channels the decoded image gets. */
export const ImageReadMode = { UNCHANGED: 0, GRAY: 1, GRAY_ALPHA: 2, RGB: 3, RGB_ALPHA: 4 } as const;
export type ImageReadModeName = keyof typeof ImageReadMode;
/** A mode by value (ImageReadMode.RGB) or by name ("RGB"). */
export type ImageReadModeLike = (typeof ImageReadMode)[ImageReadModeName] | ImageReadModeName;

export interface DecodeOptions {
  /** Channels of the result (default UNCHANGED: as stored; JPEG accepts UNCHANGED, GRAY, RGB). */
  mode?: ImageReadModeLike;
}

export interface BatchDecodeOptions extends DecodeOptions {
  /** Work items the batch is split into, run in parallel on libuv's pool (default: the core count). */
  threads?: number;
}

/** Encoded image bytes: a uint8 1-D tensor (torchvision's form) or a Uint8Array / Buffer / ArrayBuffer. */
export type EncodedImage = Tensor | Uint8Array | ArrayBuffer;

function modeCode(mode: ImageReadModeLike | undefined, fn: string): number {
  if (mode === undefined) return 0;
  if (typeof mode === "string") {
    if (!(mode in ImageReadMode)) throw new Error(`tstorch: ${fn}: unknown mode '${mode}' (UNCHANGED, GRAY, GRAY_ALPHA, RGB or RGB_ALPHA)`);
    return ImageReadMode[mode];
  }
  if (!Number.isInteger(mode) || mode < 0 || mode > 4) throw new Error(`tstorch: ${fn}: mode must be an ImageReadMode (0..4), got ${String(mode)}`);
  return mode;
}

function bytesOf(input: EncodedImage, fn: string): Uint8Array | ArrayBuffer {
  if (input instanceof Tensor) {
    if (input.dtype !== "uint8" || input.ndim !== 1) {
      throw new Error(`tstorch: ${fn}: expected a uint8 1-D tensor of encoded bytes, got a ${input.dtype} tensor of shape [${input.shape}]`);
    }
    if (input.numel() === 0) throw new Error(`tstorch: ${fn}: expected a non-empty 1-D tensor`);
    return input.cpu().toTypedArray() as Uint8Array;
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return input;
  throw new Error(`tstorch: ${fn}: expected the encoded image as a uint8 tensor, a Uint8Array or an ArrayBuffer`);
}

function decodeAs(kind: Kind, fn: string, input: EncodedImage, o: DecodeOptions): Tensor {
  return wrap(imageNative.imageDecode(bytesOf(input, fn), kind, modeCode(o.mode, fn)));
}

/** torchvision.io.decode_jpeg: a JPEG's pixels as uint8 [C, H, W] (C: 1 grey, 3 RGB, 4 CMYK when UNCHANGED). */
export function decodeJpeg(input: EncodedImage, o: DecodeOptions = {}): Tensor {
  return decodeAs(KIND.jpeg, "decodeJpeg", input, o);
}

/**
 * torchvision.io.decode_png: uint8 [C, H, W]; 16-bit PNGs give int32 values 0..65535 (what
 * torchvision 0.14 gives for them; libtorch 1.13 has no uint16). In UNCHANGED mode a palette
 * image gives its palette indices, as torchvision's does.
 */
export function decodePng(input: EncodedImage, o: DecodeOptions = {}): Tensor {
  return decodeAs(KIND.png, "decodePng", input, o);
}

/** torchvision.io.decode_image: JPEG or PNG, told apart by their signatures. */
export function decodeImage(input: EncodedImage, o: DecodeOptions = {}): Tensor {
  return decodeAs(KIND.auto, "decodeImage", input, o);
}

/** torchvision.io.read_file: the file's bytes as a uint8 1-D tensor. */
export function readFile(path: string): Tensor {
  const b = fs.readFileSync(path);
  if (b.length === 0) throw new Error(`tstorch: readFile: ${path} is empty`);
  return fromTypedArray(new Uint8Array(b.buffer, b.byteOffset, b.length), [b.length]);
}

/** torchvision.io.write_file: writes a uint8 1-D tensor's bytes (atomically). */
export function writeFile(path: string, data: Tensor): void {
  if (!(data instanceof Tensor) || data.dtype !== "uint8" || data.ndim !== 1) throw new Error("tstorch: writeFile: expected a uint8 1-D tensor");
  writeFileAtomic(path, data.cpu().toTypedArray() as Uint8Array);
}

/** torchvision.io.read_image: a JPEG or PNG file as uint8 [C, H, W]; errors name the file. */
export function readImage(path: string, o: DecodeOptions = {}): Tensor {
  const bytes = fs.readFileSync(path);
  try {
    return wrap(imageNative.imageDecode(bytes, KIND.auto, modeCode(o.mode, "readImage")));
  } catch (e) {
    throw new Error(`tstorch: readImage: ${path}: ${(e as Error).message.replace(/^tstorch: /, "")}`);
  }
}

function batchArgs(inputs: readonly (EncodedImage | string)[], o: BatchDecodeOptions, fn: string): [(Uint8Array | string)[], number, number] {
  if (!Array.isArray(inputs)) throw new Error(`tstorch: ${fn}: expected an array of encoded images or file paths`);
  const list = inputs.map((x) => (typeof x === "string" ? x : (() => {
    const b = bytesOf(x, fn);
    return b instanceof ArrayBuffer ? new Uint8Array(b) : b;
  })()));
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`tstorch: ${fn}: threads must be a positive integer, got ${o.threads}`);
  return [list, modeCode(o.mode, fn), threads];
}

/**
 * Decodes many JPEG/PNG images (bytes, or file paths the pool threads read) in parallel on libuv's
 * thread pool and returns them in order; the first failure is thrown naming its path or index.
 */
export function decodeImages(inputs: readonly (EncodedImage | string)[], o: BatchDecodeOptions = {}): Tensor[] {
  return startDecodeImages(inputs, o).wait();
}

/** decodeImages without blocking: resolves when the whole batch is decoded. */
export async function decodeImagesAsync(inputs: readonly (EncodedImage | string)[], o: BatchDecodeOptions = {}): Promise<Tensor[]> {
  const [list, mode, threads] = batchArgs(inputs, o, "decodeImagesAsync");
  return (await imageNative.imageDecodeAsync(list, KIND.auto, mode, threads)).map(wrap);
}

/** One image off the JS thread (readImage's asynchronous form). */
export async function readImageAsync(path: string, o: DecodeOptions = {}): Promise<Tensor> {
  return (await decodeImagesAsync([path], { ...o, threads: 1 }))[0];
}

/** decodeImage's asynchronous form: decoded on libuv's pool. */
export async function decodeImageAsync(input: EncodedImage, o: DecodeOptions = {}): Promise<Tensor> {
  return (await decodeImagesAsync([input], { ...o, threads: 1 }))[0];
}

/** A batch being decoded on the pool; wait() blocks until it is done and returns the images (once). */
export interface DecodeTicket {
  wait(): Tensor[];
}

/** Starts decoding a batch on libuv's pool and returns at once (the DataLoader's prefetch uses it). */
export function startDecodeImages(inputs: readonly (EncodedImage | string)[], o: BatchDecodeOptions = {}): DecodeTicket {
  const [list, mode, threads] = batchArgs(inputs, o, "decodeImages");
  const job: DecodeJobHandle = imageNative.imageDecodeStart(list, KIND.auto, mode, Math.min(threads, Math.max(1, list.length)));
  return { wait: () => imageNative.imageJobWait(job).map(wrap) };
}

function imageArg(image: Tensor, fn: string): Tensor {
  if (!(image instanceof Tensor)) throw new Error(`tstorch: ${fn}: expected a uint8 [C, H, W] tensor`);
  return image.device.type === "cpu" ? image : image.cpu();
}

function bytesTensor(b: Buffer): Tensor {
  return fromTypedArray(new Uint8Array(b.buffer, b.byteOffset, b.length), [b.length]);
}

export interface EncodeJpegOptions {
  /** 1..100 (default 75, torchvision's). */
  quality?: number;
}

/** torchvision.io.encode_jpeg: uint8 [C, H, W] (C = 1 or 3) -> the JPEG's bytes as a uint8 1-D tensor. */
export function encodeJpeg(image: Tensor, o: EncodeJpegOptions = {}): Tensor {
  return bytesTensor(imageNative.imageEncodeJpeg(imageArg(image, "encodeJpeg")._h, o.quality ?? 75));
}

export interface EncodePngOptions {
  /** zlib level 0..9 (default 6, torchvision's). */
  compressionLevel?: number;
}

/** torchvision.io.encode_png: uint8 [C, H, W] (C = 1..4) -> the PNG's bytes as a uint8 1-D tensor. */
export function encodePng(image: Tensor, o: EncodePngOptions = {}): Tensor {
  return bytesTensor(imageNative.imageEncodePng(imageArg(image, "encodePng")._h, o.compressionLevel ?? 6));
}

/** torchvision.io.write_jpeg (written atomically: no half-written file on failure). */
export function writeJpeg(image: Tensor, path: string, o: EncodeJpegOptions = {}): void {
  writeFileAtomic(path, imageNative.imageEncodeJpeg(imageArg(image, "writeJpeg")._h, o.quality ?? 75));
}

/** torchvision.io.write_png (written atomically). */
export function writePng(image: Tensor, path: string, o: EncodePngOptions = {}): void {
  writeFileAtomic(path, imageNative.imageEncodePng(imageArg(image, "writePng")._h, o.compressionLevel ?? 6));
}

/** Which TurboJPEG API (2 or 3) and libpng version the addon was built with. */
export function imageLibraries(): { turbojpegApi: 2 | 3; libpng: string } {
  return imageNative.imageLibraries();
}
