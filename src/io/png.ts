// Byte-level PNG encode/decode on top of pngjs. Input is interleaved HWC uint8 (the layout
// PNG stores), so the tensor-level saveImage only has to permute CHW -> HWC and scale.
import { PNG } from "pngjs";
import { inflateSync } from "node:zlib";
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

/**
 * Decodes a PNG (any colour type and bit depth, interlaced or not) into 8-bit RGBA. The file is
 * checked before pngjs decodes it, since pngjs gives a blank image for image data that is not
 * zlib, empty or too short, and accepts a width or height of 0: those are errors here.
 */
export function decodePng(buf: Uint8Array): DecodedPng {
  checkPng(buf);
  const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.length));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples per pixel of each colour type, and the bit depths the PNG spec allows for it. */
const COLOR_TYPES: Record<number, { samples: number; depths: number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};
/** The most inflated image data decodePng takes (zlib's and Buffer's own bound: 4 GiB). */
const MAX_RAW_BYTES = 2 ** 32 - 1;
/** 2^31 - 1: the PNG spec's bound on width and height. */
const MAX_DIM = 0x7fffffff;
// Adam7 passes: [x0, y0, dx, dy]
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** Bytes of filtered scanlines that a width × height image of this format has once inflated. */
function rawLength(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) n += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return n;
}

function checkPng(buf: Uint8Array): void {
  const bad = (why: string): never => {
    throw new Error(`decodePng: ${why}`);
  };
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) bad("not a PNG file (no PNG signature)");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let pos = 8;
  let ihdr: { width: number; height: number; depth: number; color: number; interlace: number } | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...buf.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > buf.length) bad(`chunk ${JSON.stringify(type)} of ${len} bytes goes beyond the end of the file (truncated?)`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      if (len !== 13) bad(`IHDR chunk has ${len} bytes, not 13`);
      const d = new DataView(data.buffer, data.byteOffset, 13);
      ihdr = { width: d.getUint32(0), height: d.getUint32(4), depth: data[8], color: data[9], interlace: data[12] };
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (ihdr === null) bad("no IHDR chunk");
  const h = ihdr!;
  if (h.width === 0 || h.height === 0 || h.width > MAX_DIM || h.height > MAX_DIM) {
    bad(`image size ${h.width}x${h.height}: width and height must be 1 to ${MAX_DIM}`);
  }
  const ct = COLOR_TYPES[h.color];
  if (ct === undefined) bad(`colour type ${h.color} is not one PNG defines (0, 2, 3, 4, 6)`);
  if (!ct.depths.includes(h.depth)) bad(`bit depth ${h.depth} is not allowed for colour type ${h.color} (${ct.depths.join(", ")})`);
  if (h.interlace > 1) bad(`interlace method ${h.interlace} is not one PNG defines (0 or 1)`);
  if (!ended) bad("no IEND chunk (truncated?)");
  if (idat.length === 0) bad("no IDAT chunk (no image data)");
  const expected = rawLength(h.width, h.height, ct.samples * h.depth, h.interlace === 1);
  if (expected > MAX_RAW_BYTES) bad(`a ${h.width}x${h.height} image needs ${expected} bytes of image data, more than the ${MAX_RAW_BYTES} decodePng takes`);
  let raw: Buffer;
  try {
    // bounded: a corrupt or hostile stream cannot inflate past what the header says
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") bad(`image data inflates to more than the ${expected} bytes a ${h.width}x${h.height} image has`);
    return bad(`image data is not a valid zlib stream (${(err as Error).message})`);
  }
  if (raw.length !== expected) {
    bad(`image data inflates to ${raw.length} bytes but a ${h.width}x${h.height} image needs ${expected} (truncated?)`);
  }
}
