// Tiles N same-sized HWC uint8 images into one image (like torchvision's make_grid), with
// optional integer nearest-neighbour upscaling so 32x32 CIFAR images are viewable.

export interface GridOptions {
  /** Height and width of each input image, in pixels. */
  height: number;
  width: number;
  /** Interleaved samples per pixel; default 3 (RGB). */
  channels?: 1 | 3 | 4;
  /** Images per row; default min(N, 8) as in torchvision, or ceil(N / rows) when rows is given. */
  cols?: number;
  /** Rows of images; default ceil(N / cols). */
  rows?: number;
  /** Pixels of padding around and between images (in output pixels); default 0. */
  padding?: number;
  /** Byte value of the padding; default 0 (black). */
  padValue?: number;
  /** Integer upscale factor, nearest neighbour; default 1. */
  scale?: number;
}

export interface GridImage {
  /** height × width × channels bytes, interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * `images` is either one buffer of N × height × width × channels bytes (e.g. a whole
 * [N,H,W,C] tensor's contents) or an array of N buffers of one image each.
 * Image i goes to row floor(i / cols), column i % cols; unused cells keep the pad value.
 */
export function gridLayout(images: Uint8Array | readonly Uint8Array[], options: GridOptions): GridImage {
  const { height: h, width: w } = options;
  const ch = options.channels ?? 3;
  const pad = options.padding ?? 0;
  const scale = options.scale ?? 1;
  const padValue = options.padValue ?? 0;
  for (const [k, v] of Object.entries({ height: h, width: w, scale })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`gridLayout: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`gridLayout: padding must be a non-negative integer, got ${pad}`);
  if (![1, 3, 4].includes(ch)) throw new Error(`gridLayout: channels must be 1, 3 or 4, got ${ch}`);
  if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) {
    throw new Error(`gridLayout: padValue must be an integer in 0..255, got ${padValue}`);
  }

  const imageBytes = h * w * ch;
  const list = splitImages(images, imageBytes);
  const n = list.length;
  if (n === 0) throw new Error("gridLayout: no images");
  const cols = options.cols ?? (options.rows !== undefined ? Math.ceil(n / options.rows) : Math.min(n, 8));
  const rows = options.rows ?? Math.ceil(n / cols);
  if (!Number.isInteger(cols) || cols < 1 || !Number.isInteger(rows) || rows < 1) {
    throw new Error(`gridLayout: rows and cols must be positive integers, got ${rows}x${cols}`);
  }
  if (rows * cols < n) throw new Error(`gridLayout: ${rows}x${cols} grid cannot hold ${n} images`);

  const cellH = h * scale;
  const cellW = w * scale;
  const outW = cols * (cellW + pad) + pad;
  const outH = rows * (cellH + pad) + pad;
  const out = new Uint8Array(outW * outH * ch).fill(padValue);
  const scaledRow = new Uint8Array(cellW * ch);

  list.forEach((img, i) => {
    const top = pad + Math.floor(i / cols) * (cellH + pad);
    const left = pad + (i % cols) * (cellW + pad);
    for (let y = 0; y < h; y++) {
      const src = img.subarray(y * w * ch, (y + 1) * w * ch);
      const row = scale === 1 ? src : upscaleRow(src, scaledRow, w, ch, scale);
      // Each source row becomes `scale` identical output rows.
      for (let dy = 0; dy < scale; dy++) out.set(row, ((top + y * scale + dy) * outW + left) * ch);
    }
  });
  return { data: out, width: outW, height: outH, channels: ch };
}

function splitImages(images: Uint8Array | readonly Uint8Array[], imageBytes: number): Uint8Array[] {
  if (images instanceof Uint8Array) {
    if (images.length % imageBytes !== 0) {
      throw new Error(`gridLayout: ${images.length} bytes is not a whole number of ${imageBytes}-byte images`);
    }
    const n = images.length / imageBytes;
    return Array.from({ length: n }, (_, i) => images.subarray(i * imageBytes, (i + 1) * imageBytes));
  }
  images.forEach((img, i) => {
    if (img.length !== imageBytes) throw new Error(`gridLayout: image ${i} has ${img.length} bytes, expected ${imageBytes}`);
  });
  return [...images];
}

function upscaleRow(src: Uint8Array, dst: Uint8Array, w: number, ch: number, scale: number): Uint8Array {
  let o = 0;
  for (let x = 0; x < w; x++) {
    for (let s = 0; s < scale; s++) {
      for (let c = 0; c < ch; c++) dst[o++] = src[x * ch + c];
    }
  }
  return dst;
}
