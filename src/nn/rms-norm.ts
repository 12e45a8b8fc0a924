// nn.RMSNorm (PyTorch 2.4+): x / sqrt(mean(x², over the last dims) + eps) · weight, over libtorch's
// aten::rms_norm. A libtorch without that operator (1.13 .. 2.3) has no RMSNorm: constructing one
// there is an error naming the missing operator, never a stand-in.
import { ones } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";

export interface RMSNormOptions {
  /** Defaults to the input dtype's machine epsilon (torch.finfo(dtype).eps), as in PyTorch. */
  eps?: number | null;
  /** A learnable per-element weight over normalizedShape (default true). */
  elementwiseAffine?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

// only in libtorch 2.4+: typed where the linked libtorch has it, so looked up untyped here
const untyped = ops.aten as unknown as Record<string, (...a: unknown[]) => Tensor>;

/** Whether the linked libtorch has aten::rms_norm (what nn.RMSNorm needs). */
export function hasRMSNorm(): boolean {
  return "rms_norm" in untyped;
}

/** F.rms_norm(input, normalizedShape, weight?, eps?) (PyTorch 2.4+; an error naming the missing operator on older libtorch). */
export function rmsNorm(input: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, eps: number | null = null): Tensor {
  if (!hasRMSNorm()) throw new Error("tstorch: rmsNorm needs aten::rms_norm, which the linked libtorch lacks (PyTorch 2.4 or newer has it)");
  return untyped.rms_norm(input, [...normalizedShape], weight, eps);
}

export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  declare weight: Tensor | null;
  /** PyTorch's RMSNorm(normalized_shape, eps, elementwise_affine). */
  constructor(normalizedShape: number | readonly number[], ...args: PyArgs<[eps: number | null, elementwiseAffine: boolean], RMSNormOptions>) {
    super();
    const o = pyArgs<RMSNormOptions>("RMSNorm", ["eps", "elementwiseAffine"], args);
    if (!hasRMSNorm()) throw new Error("tstorch: RMSNorm needs aten::rms_norm, which the linked libtorch lacks (PyTorch 2.4 or newer has it)");
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`tstorch: RMSNorm normalizedShape must be non-negative integers, got ${JSON.stringify(normalizedShape)}`);
    this.eps = o.eps ?? null;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    this.weight = this.registerParameter("weight", this.elementwiseAffine ? ones(this.normalizedShape, { dtype: o.dtype ?? "float32", device: o.device }) : null);
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
  override extraRepr(): string {
    const shape = `(${this.normalizedShape.join(", ")}${this.normalizedShape.length === 1 ? "," : ""})`;
    return `${shape}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? "True" : "False"}`;
  }
}
