// Byte-level PNG encode/decode on top of pngjs. Input is interleaved HWC uint8 (the layout
// PNG stores), so the tensor-level saveImage only has to permute CHW -> HWC and scale.
import { PNG } from "pngjs";
import { writeFileAtomic } from "./atomic.js";

export { gridLayout, type GridOptions, type GridImage } from "./image-grid.js";

export type PngChannels = 1 | 3 | 4;

// PNG colour types for grey, RGB and RGBA; input and output types are the same so pngjs
// takes its pass-through path (no per-pixel conversion, values stored unchanged).
const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/** Encodes `height` rows of `width` pixels with `channels` interleaved uint8 samples each. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: PngChannels): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  const colorType = COLOR_TYPE[channels];
  if (colorType === undefined) throw new Error(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new Error(`encodePng: ${width}x${height}x${channels} needs ${expected} bytes, got ${pixels.length}`);
  }
  // pngjs indexes `data` like a Buffer; a view over the same memory avoids a copy.
  const data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length);
  // PNG.sync.write reads only width/height/data; building a real PNG object would
  // allocate (and zero) an unused RGBA buffer.
  const image = { width, height, data } as unknown as PNG;
  return PNG.sync.write(image, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: channels === 4,
    bitDepth: 8,
  });
}

/** Writes an encoded PNG atomically (temp file in the same folder, then rename). */
export function writePngAtomic(file: string, png: Uint8Array): void {
  writeFileAtomic(file, png);
}

export interface DecodedPng {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, whatever the file's colour type or bit depth. */
  data: Uint8Array;
}

/** Decodes any PNG pngjs supports into 8-bit RGBA. */
export function decodePng(buf: Uint8Array): DecodedPng {
  const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.length));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}
