// nn.Bilinear: y = x1ᵀ·A·x2 + b, weight [out, in1, in2] as in PyTorch, over aten::bilinear.
import { empty } from "../core/creation.js";
import { noGrad } from "../core/autograd.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import type { ParamOptions } from "./linear.js";
import { Module } from "./module.js";

export interface BilinearOptions extends Omit<ParamOptions, "init"> {
  bias?: boolean;
}

export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  declare weight: Tensor;
  declare bias: Tensor | null;
  /** PyTorch's Bilinear(in1_features, in2_features, out_features, bias). */
  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, ...args: PyArgs<[bias: boolean], BilinearOptions>) {
    super();
    const opts = pyArgs<BilinearOptions>("Bilinear", ["bias"], args);
    for (const [k, v] of [["in1Features", in1Features], ["in2Features", in2Features], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`tstorch: Bilinear ${k} must be a non-negative integer, got ${v}`);
    }
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([outFeatures, in1Features, in2Features], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outFeatures], t));
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: weight and bias uniform in ±1/√in1Features (the same draws after the same manualSeed). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    noGrad(() => {
      this.weight.uniform_(-bound, bound);
      this.bias?.uniform_(-bound, bound);
    });
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return ops.aten.bilinear(x1, x2, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}
