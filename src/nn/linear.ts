// nn.Linear: y = x·Wᵀ + b, weight [out, in] as in PyTorch.
import { empty } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { linear } from "../core/functional.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { InitScheme, initWeightAndBias_ } from "./init.js";
import { Module } from "./module.js";

/** Options every layer with weights takes: its initialisation scheme and where its parameters live. */
export interface ParamOptions {
  /** "torch" (default): bit-identical to PyTorch's defaults after the same manualSeed; "tch": tch-rs defaults. */
  init?: InitScheme;
  dtype?: DType;
  device?: DeviceLike;
}

export interface LinearOptions extends ParamOptions {
  bias?: boolean;
}

export class Linear extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;

  /** PyTorch's Linear(in_features, out_features, bias=True): `new nn.Linear(4, 2, false)` or `new nn.Linear(4, 2, { bias: false })`. */
  constructor(readonly inFeatures: number, readonly outFeatures: number, ...args: PyArgs<[bias: boolean], LinearOptions>) {
    super();
    const opts = pyArgs<LinearOptions>("Linear", ["bias"], args);
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([outFeatures, inFeatures], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outFeatures], t));
    this.resetParameters(opts.init ?? "torch");
  }

  /** Redraws weight then bias with the given scheme (PyTorch's reset_parameters for "torch"). */
  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "linear");
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}
