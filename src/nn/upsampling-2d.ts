// nn.UpsamplingNearest2d and nn.UpsamplingBilinear2d: PyTorch's fixed-mode Upsample subclasses
// (bilinear with align_corners=True), for 4-D inputs.
import { pyArgs, type PyArgs } from "../core/py-args.js";
import type { Tensor } from "../core/tensor.js";
import { Upsample } from "./resample.js";

export interface Upsampling2dOptions {
  size?: number | readonly [number, number] | null;
  scaleFactor?: number | readonly [number, number] | null;
}

/** PyTorch's UpsamplingNearest2d/UpsamplingBilinear2d(size, scale_factor). */
export type Upsampling2dArgs = PyArgs<[size: number | readonly [number, number] | null, scaleFactor: number | readonly [number, number] | null], Upsampling2dOptions>;
const opts = (what: string, args: readonly unknown[]) => pyArgs<Upsampling2dOptions>(what, ["size", "scaleFactor"], args);

function check4d(name: string, x: Tensor): void {
  if (x.ndim !== 4) throw new Error(`tstorch: ${name} expects a 4-D input [N, C, H, W], got ${x.ndim}-D`);
}

export class UpsamplingNearest2d extends Upsample {
  constructor(...args: Upsampling2dArgs) {
    const o = opts("UpsamplingNearest2d", args);
    super({ size: o.size, scaleFactor: o.scaleFactor, mode: "nearest" });
  }
  override forward(x: Tensor): Tensor {
    check4d("UpsamplingNearest2d", x);
    return super.forward(x);
  }
}

export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: Upsampling2dArgs) {
    const o = opts("UpsamplingBilinear2d", args);
    super({ size: o.size, scaleFactor: o.scaleFactor, mode: "bilinear", alignCorners: true });
  }
  override forward(x: Tensor): Tensor {
    check4d("UpsamplingBilinear2d", x);
    return super.forward(x);
  }
}
