// nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle: resizing layers over libtorch's upsample_* and
// pixel_shuffle kernels (F.interpolate's choices: the mode picks the kernel, the input's rank its
// 1-, 2- or 3-d form).
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { torchAtLeast } from "../core/runtime.js";
import { Module } from "./module.js";

const aten = ops.aten;

export type UpsampleMode = "nearest" | "linear" | "bilinear" | "bicubic" | "trilinear";

export interface InterpolateOptions {
  /** Output spatial size (one int for every spatial dimension, or one per dimension). */
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: UpsampleMode;
  /** For linear, bilinear, bicubic and trilinear (default false). */
  alignCorners?: boolean | null;
}

const RANK: Record<UpsampleMode, number | null> = { nearest: null, linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };

/** What follows the input in F.interpolate and nn.Upsample: size, scale_factor, mode, align_corners. */
export type InterpolateArgs = PyArgs<
  [size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null, mode: UpsampleMode, alignCorners: boolean | null],
  InterpolateOptions
>;
const INTERPOLATE_NAMES = ["size", "scaleFactor", "mode", "alignCorners"];

/** F.interpolate(input, size?, scaleFactor?, mode?, alignCorners?) for the upsampling modes (what nn.Upsample computes). */
export function interpolate(x: Tensor, ...args: InterpolateArgs): Tensor {
  const o = pyArgs<InterpolateOptions>("interpolate", INTERPOLATE_NAMES, args);
  const mode = o.mode ?? "nearest";
  if (!(mode in RANK)) throw new Error(`tstorch: interpolate: unknown mode '${mode}' (expected nearest, linear, bilinear, bicubic or trilinear)`);
  const spatial = x.ndim - 2;
  if (spatial < 1 || spatial > 3) throw new Error(`tstorch: interpolate expects a 3-D, 4-D or 5-D input [N, C, ...], got ${x.ndim}-D`);
  const need = RANK[mode];
  if (need !== null && x.ndim !== need) throw new Error(`tstorch: interpolate mode '${mode}' expects a ${need}-D input, got ${x.ndim}-D`);
  const hasSize = o.size !== undefined && o.size !== null;
  const hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  if (hasSize === hasScale) throw new Error("tstorch: interpolate: give exactly one of size and scaleFactor");
  const expand = (v: number | readonly number[], what: string): number[] => {
    const a = typeof v === "number" ? new Array<number>(spatial).fill(v) : [...v];
    if (a.length !== spatial) throw new Error(`tstorch: interpolate: ${what} must have ${spatial} elements for a ${x.ndim}-D input, got ${a.length}`);
    return a;
  };
  const size = hasSize ? expand(o.size!, "size") : null;
  const scales = hasScale ? expand(o.scaleFactor!, "scaleFactor").map((s) => (s)) : null;
  if (mode === "nearest") {
    if (o.alignCorners !== undefined && o.alignCorners !== null) throw new Error("tstorch: alignCorners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
    const op = spatial === 1 ? aten.upsample_nearest1d : spatial === 2 ? aten.upsample_nearest2d : aten.upsample_nearest3d;
    return op.vec(x, size, scales) as Tensor;
  }
  const align = o.alignCorners ?? false;
  const op = mode === "linear" ? aten.upsample_linear1d : mode === "bilinear" ? aten.upsample_bilinear2d
    : mode === "bicubic" ? aten.upsample_bicubic2d : aten.upsample_trilinear3d;
  return op.vec(x, size, align, scales) as Tensor;
}

export class Upsample extends Module {
  readonly options: InterpolateOptions;
  /** PyTorch's Upsample(size, scale_factor, mode, align_corners): `new nn.Upsample(null, 2)` or `new nn.Upsample({ scaleFactor: 2 })`. */
  constructor(...args: InterpolateArgs) {
    super();
    const options = pyArgs<InterpolateOptions>("Upsample", INTERPOLATE_NAMES, args);
    this.options = options;
    const hasSize = options.size !== undefined && options.size !== null;
    const hasScale = options.scaleFactor !== undefined && options.scaleFactor !== null;
    if (hasSize === hasScale) throw new Error("tstorch: Upsample: give exactly one of size and scaleFactor");
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    const fmt = (v: number | readonly number[]) => (typeof v === "number" ? (Number.isInteger(v) && o.scaleFactor === v ? v.toFixed(1) : String(v)) : `(${v.join(", ")})`);
    const what = o.scaleFactor !== undefined && o.scaleFactor !== null ? `scale_factor=${fmt(o.scaleFactor)}` : `size=${fmt(o.size!)}`;
    // PyTorch 2 prints the mode with repr() (mode='nearest'), 1.13 plainly (mode=nearest)
    const mode = o.mode ?? "nearest";
    return `${what}, mode=${torchAtLeast(2, 0) ? `'${mode}'` : mode}`;
  }
}

/** [*, C·r², H, W] → [*, C, H·r, W·r]. */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
    if (!Number.isInteger(upscaleFactor) || upscaleFactor <= 0) throw new Error(`tstorch: PixelShuffle upscaleFactor must be a positive integer, got ${upscaleFactor}`);
  }
  forward(x: Tensor): Tensor {
    const r2 = this.upscaleFactor ** 2;
    if (x.ndim < 3 || x.shape[x.ndim - 3] % r2 !== 0) {
      throw new Error(`tstorch: PixelShuffle expects an input [*, C·${r2}, H, W] (channels divisible by upscaleFactor² = ${r2}), got [${x.shape.join(", ")}]`);
    }
    return aten.pixel_shuffle(x, this.upscaleFactor) as Tensor;
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** [*, C, H·r, W·r] → [*, C·r², H, W] (the inverse of PixelShuffle). */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
    if (!Number.isInteger(downscaleFactor) || downscaleFactor <= 0) throw new Error(`tstorch: PixelUnshuffle downscaleFactor must be a positive integer, got ${downscaleFactor}`);
  }
  forward(x: Tensor): Tensor {
    return aten.pixel_unshuffle(x, this.downscaleFactor) as Tensor;
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
