// torchvision.utils.make_grid and save_image, with their semantics: images tiled nrow per row with
// `padding` pixels of padValue (black by default) around and between them, 1-channel images
// repeated to 3 channels, optional min-max normalisation (over the batch, or each image with
// scaleEach) to [0, 1], and save_image's rounding (x * 255 + 0.5, clamped, truncated).
import * as path from "node:path";
import { cat, full, stack } from "../../core/creation.js";
import { noGrad } from "../../core/autograd.js";
import { scope } from "../../core/scope.js";
import { Tensor } from "../../core/tensor.js";
import { writeJpeg, writePng } from "../io/image.js";

export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between and around the images (default 2). */
  padding?: number;
  /** Shift each value range to [0, 1] (default false): by valueRange, else by the min and max. */
  normalize?: boolean;
  /** [low, high] that normalize maps to [0, 1] (values outside are clamped). */
  valueRange?: readonly [number, number];
  /** Normalise each image by its own min and max instead of the batch's (default false). */
  scaleEach?: boolean;
  /** Value of the padding (default 0: black). */
  padValue?: number;
}

/** Same as torchvision's norm_ip: clamp to [low, high], then (x - low) / max(high - low, 1e-5). */
function normRange(t: Tensor, range: readonly [number, number] | undefined): Tensor {
  const [low, high] = range ?? [t.min().item() as number, t.max().item() as number];
  return t.clamp(low, high).sub(low).div(Math.max(high - low, 1e-5));
}

/**
 * torchvision.utils.make_grid: a [B, C, H, W] tensor (or a list of [C, H, W], or one [C, H, W] or
 * [H, W] image) as one [C, H', W'] image grid. A single image comes back without padding, as
 * torchvision's does.
 */
export function makeGrid(input: Tensor | readonly Tensor[], o: MakeGridOptions = {}): Tensor {
  const nrow = o.nrow ?? 8;
  const padding = o.padding ?? 2;
  const padValue = o.padValue ?? 0;
  if (!Number.isInteger(nrow) || nrow < 1) throw new Error(`tstorch: makeGrid: nrow must be a positive integer, got ${o.nrow}`);
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`tstorch: makeGrid: padding must be a non-negative integer, got ${o.padding}`);
  if (o.valueRange !== undefined && (!Array.isArray(o.valueRange) || o.valueRange.length !== 2 || o.valueRange.some((v) => typeof v !== "number"))) {
    throw new Error("tstorch: makeGrid: valueRange has to be a pair [min, max] of numbers");
  }
  return noGrad(() =>
    scope(() => {
      let t: Tensor;
      if (Array.isArray(input)) {
        if (input.length === 0) throw new Error("tstorch: makeGrid: the list of images is empty");
        t = stack(input as Tensor[], 0);
      } else if (input instanceof Tensor) {
        t = input as Tensor;
      } else {
        throw new Error("tstorch: makeGrid: expected a Tensor or a list of Tensors");
      }
      if (t.ndim === 2) t = t.unsqueeze(0);
      if (t.ndim === 3) {
        if (t.shape[0] === 1) t = cat([t, t, t], 0);
        t = t.unsqueeze(0);
      }
      if (t.ndim !== 4) throw new Error(`tstorch: makeGrid: expected [B, C, H, W], [C, H, W] or [H, W], got shape [${t.shape}]`);
      if (t.shape[1] === 1) t = cat([t, t, t], 1);
      if (o.normalize) {
        if (o.scaleEach) t = stack(t.unbind(0).map((img) => normRange(img, o.valueRange)), 0);
        else t = normRange(t, o.valueRange);
      }
      if (t.shape[0] === 1) return t.squeeze(0).contiguous();
      const [n, c, h, w] = t.shape;
      const xmaps = Math.min(nrow, n);
      const ymaps = Math.ceil(n / xmaps);
      const cellH = h + padding;
      const cellW = w + padding;
      const grid = full([c, cellH * ymaps + padding, cellW * xmaps + padding], padValue, { dtype: t.dtype, device: t.device });
      for (let k = 0; k < n; k++) {
        const y = Math.floor(k / xmaps);
        const x = k % xmaps;
        grid.narrow(1, y * cellH + padding, h).narrow(2, x * cellW + padding, w).copy_(t.select(0, k));
      }
      return grid;
    }),
  );
}

export interface SaveImageOptions extends MakeGridOptions {
  /** "png" or "jpeg" (default: from the file's extension). */
  format?: "png" | "jpeg";
  /** JPEG quality (default 75, PIL's). */
  quality?: number;
}

/**
 * torchvision.utils.save_image: makeGrid, then values in [0, 1] to bytes (x * 255 + 0.5, clamped
 * to [0, 255], truncated) written as PNG or JPEG (atomically).
 */
export function saveImage(input: Tensor | readonly Tensor[], file: string, o: SaveImageOptions = {}): void {
  const ext = path.extname(file).toLowerCase();
  const format = o.format ?? (ext === ".png" ? "png" : ext === ".jpg" || ext === ".jpeg" ? "jpeg" : undefined);
  if (format === undefined) throw new Error(`tstorch: saveImage: unknown image format for ${file} (use .png, .jpg or .jpeg, or the format option)`);
  noGrad(() =>
    scope(() => {
      const grid = makeGrid(input, o);
      const bytes = grid.mul(255).add(0.5).clamp(0, 255).cpu().to("uint8");
      if (format === "png") writePng(bytes, file);
      else writeJpeg(bytes, file, { quality: o.quality ?? 75 });
    }),
  );
}
