// torch.nn.functional's spatial sampling: affine_grid and grid_sample (over aten::affine_grid_generator
// and aten::grid_sampler, with PyTorch's Python checks and mode names) and the deprecated upsample,
// upsample_nearest, upsample_bilinear (what PyTorch forwards to interpolate).
import { isFloatingDType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { shapeString } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { interpolate, type InterpolateArgs } from "./resample.js";

const aten = ops.aten;

/**
 * F.affine_grid(theta, size, alignCorners?): the sampling grid [N, H, W, 2] (or [N, D, H, W, 3]) of
 * the affine maps theta [N, 2, 3] (or [N, 3, 4]) for an output of `size` [N, C, H, W] (or 5-D).
 */
export function affineGrid(theta: Tensor, size: readonly number[], ...args: PyArgs<[alignCorners: boolean | null], { alignCorners?: boolean | null }>): Tensor {
  const align = pyArgs<{ alignCorners?: boolean | null }>("affineGrid", ["alignCorners"], args).alignCorners ?? false;
  if (!isFloatingDType(theta.dtype)) throw new Error(`tstorch: affineGrid: expected theta to have floating point type, but got ${theta.dtype}`);
  const [rows, cols] = size.length === 4 ? [2, 3] : size.length === 5 ? [3, 4] : [0, 0];
  if (rows === 0) {
    throw new Error(`tstorch: affineGrid only supports 4-D and 5-D sizes, for 2-D and 3-D affine transforms, respectively; got size ${shapeString(size)}`);
  }
  if (theta.ndim !== 3 || theta.shape[1] !== rows || theta.shape[2] !== cols) {
    throw new Error(`tstorch: affineGrid: expected a batch of ${rows}-D affine matrices of shape [N, ${rows}, ${cols}] for size ${shapeString(size)}, got ${shapeString(theta.shape)}`);
  }
  const spatial = size.slice(2);
  if (!(align && Math.min(...spatial) === 1) && Math.min(...size) <= 0) {
    throw new Error(`tstorch: affineGrid: expected non-zero, positive output size, got ${shapeString(size)}`);
  }
  return aten.affine_grid_generator(theta, [...size], align);
}

export type GridSampleMode = "bilinear" | "nearest" | "bicubic";
export type GridSamplePadding = "zeros" | "border" | "reflection";
export interface GridSampleOptions {
  mode?: GridSampleMode;
  paddingMode?: GridSamplePadding;
  alignCorners?: boolean | null;
}
const MODES: GridSampleMode[] = ["bilinear", "nearest", "bicubic"];
const PADDINGS: GridSamplePadding[] = ["zeros", "border", "reflection"];

/** F.grid_sample(input, grid, mode?, paddingMode?, alignCorners?): input sampled at the grid's (x, y[, z]) in [−1, 1]. */
export function gridSample(
  input: Tensor, grid: Tensor,
  ...args: PyArgs<[mode: GridSampleMode, paddingMode: GridSamplePadding, alignCorners: boolean | null], GridSampleOptions>
): Tensor {
  const o = pyArgs<GridSampleOptions>("gridSample", ["mode", "paddingMode", "alignCorners"], args);
  const mode = MODES.indexOf(o.mode ?? "bilinear");
  if (mode < 0) throw new Error(`tstorch: gridSample: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '${o.mode}'`);
  const padding = PADDINGS.indexOf(o.paddingMode ?? "zeros");
  if (padding < 0) throw new Error(`tstorch: gridSample: expected paddingMode to be 'zeros', 'border', or 'reflection', but got: '${o.paddingMode}'`);
  return aten.grid_sampler(input, grid, mode, padding, o.alignCorners ?? false);
}

/** F.upsample (deprecated in PyTorch for interpolate, which it calls): the same arguments. */
export function upsample(input: Tensor, ...args: InterpolateArgs): Tensor {
  return interpolate(input, ...args);
}

type SizeOrScale = PyArgs<[size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null], {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
}>;

/** F.upsample_nearest(input, size?, scaleFactor?) (deprecated in PyTorch): interpolate with mode "nearest". */
export function upsampleNearest(input: Tensor, ...args: SizeOrScale): Tensor {
  const o = pyArgs<{ size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }>("upsampleNearest", ["size", "scaleFactor"], args);
  return interpolate(input, { size: o.size, scaleFactor: o.scaleFactor, mode: "nearest" });
}

/** F.upsample_bilinear(input, size?, scaleFactor?) (deprecated in PyTorch): interpolate "bilinear" with alignCorners true. */
export function upsampleBilinear(input: Tensor, ...args: SizeOrScale): Tensor {
  const o = pyArgs<{ size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }>("upsampleBilinear", ["size", "scaleFactor"], args);
  return interpolate(input, { size: o.size, scaleFactor: o.scaleFactor, mode: "bilinear", alignCorners: true });
}
