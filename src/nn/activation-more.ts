// The rest of torch.nn's element-wise and softmax-family activations (ELU ... Softmax2d, PReLU, RReLU),
// each a thin module over libtorch's own kernel (aten::elu, aten::hardswish, ...). The few that PyTorch
// itself writes as Python compositions (Softsign, Tanhshrink, Softmin) compose the same ATen ops.
import { full } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { InplaceActivation, type InplaceOptions } from "./activation.js";
import { inPlace, inplaceRepr } from "./inplace.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

export interface AlphaOptions extends InplaceOptions {
  alpha?: number;
}

/** ELU and CELU: PyTorch's (alpha=1.0, inplace=False). */
abstract class AlphaActivation extends InplaceActivation {
  readonly alpha: number;
  constructor(args: readonly unknown[]) {
    const o = pyArgs<AlphaOptions>(new.target.name, ["alpha", "inplace"], args);
    super([o]);
    this.alpha = o.alpha ?? 1.0;
  }
  override extraRepr(): string { return `alpha=${pyFloat(this.alpha)}${inplaceRepr(this.inplace)}`; }
}

export class ELU extends AlphaActivation {
  /** PyTorch's ELU(alpha=1.0, inplace=False). */
  constructor(...args: PyArgs<[alpha: number, inplace: boolean], AlphaOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.elu(x, this.alpha); }
  protected opInPlace(x: Tensor): unknown { return aten.elu_(x, this.alpha); }
}

/** ELU with PyTorch's fixed scale 1.0507… and alpha 1.6732… (self-normalising networks). */
export class SELU extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.selu(x); }
  protected opInPlace(x: Tensor): unknown { return aten.selu_(x); }
}

export class CELU extends AlphaActivation {
  /** PyTorch's CELU(alpha=1.0, inplace=False). */
  constructor(...args: PyArgs<[alpha: number, inplace: boolean], AlphaOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.celu(x, this.alpha); }
  protected opInPlace(x: Tensor): unknown { return aten.celu_(x, this.alpha); }
}

export interface PReLUOptions {
  dtype?: DType;
  device?: DeviceLike;
}

/** LeakyReLU with a learnt slope: one per channel (numParameters = C) or one shared (numParameters = 1). */
export class PReLU extends Module {
  declare weight: Tensor;
  // (PyTorch's num_parameters attribute is weight.shape[0] here: Module.numParameters() counts elements)
  constructor(numParameters = 1, readonly init = 0.25, opts: PReLUOptions = {}) {
    super();
    if (!Number.isInteger(numParameters) || numParameters < 1) throw new Error(`tstorch: PReLU numParameters must be a positive integer, got ${numParameters}`);
    this.weight = this.registerParameter("weight", full([numParameters], init, { dtype: opts.dtype ?? "float32", device: opts.device }));
  }
  forward(x: Tensor): Tensor { return aten.prelu(x, this.weight); }
  override extraRepr(): string { return `num_parameters=${this.weight.shape[0]}`; }
}

/** Randomised leaky ReLU: a random slope in [lower, upper] per element in training, their mean in evaluation. */
export class RReLU extends Module {
  readonly lower: number;
  readonly upper: number;
  readonly inplace: boolean;
  /** PyTorch's RReLU(lower=1/8, upper=1/3, inplace=False). */
  constructor(...args: PyArgs<[lower: number, upper: number, inplace: boolean], { lower?: number; upper?: number; inplace?: boolean }>) {
    super();
    const o = pyArgs<{ lower?: number; upper?: number; inplace?: boolean }>("RReLU", ["lower", "upper", "inplace"], args);
    const lower = (this.lower = o.lower ?? 1 / 8);
    const upper = (this.upper = o.upper ?? 1 / 3);
    this.inplace = o.inplace ?? false;
    if (!(lower <= upper)) throw new Error(`tstorch: RReLU lower (${lower}) must not exceed upper (${upper})`);
  }
  forward(x: Tensor): Tensor {
    if (this.inplace) return inPlace(x, () => aten.rrelu_(x, this.lower, this.upper, this.training));
    return aten.rrelu(x, this.lower, this.upper, this.training);
  }
  override extraRepr(): string { return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}${inplaceRepr(this.inplace)}`; }
}

/** log(1 + exp(beta·x)) / beta, linear above x·beta > threshold. */
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); }
  forward(x: Tensor): Tensor { return aten.softplus(x, this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

/** x / (1 + |x|) (PyTorch composes it too). */
export class Softsign extends Module {
  forward(x: Tensor): Tensor { return x.div(x.abs().add(1)); }
}

export class Softshrink extends Module {
  constructor(readonly lambd = 0.5) {
    super();
    if (!(lambd >= 0)) throw new Error(`tstorch: Softshrink lambd must be non-negative, got ${lambd}`);
  }
  forward(x: Tensor): Tensor { return aten.softshrink(x, this.lambd); }
  override extraRepr(): string { return String(this.lambd); }
}

export class Hardshrink extends Module {
  constructor(readonly lambd = 0.5) { super(); }
  forward(x: Tensor): Tensor { return aten.hardshrink(x, this.lambd); }
  override extraRepr(): string { return String(this.lambd); }
}

export interface HardtanhOptions extends InplaceOptions {
  minVal?: number;
  maxVal?: number;
}
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  /** PyTorch's Hardtanh(min_val=-1.0, max_val=1.0, inplace=False). */
  constructor(...args: PyArgs<[minVal: number, maxVal: number, inplace: boolean], HardtanhOptions>) {
    super();
    const o = pyArgs<HardtanhOptions>("Hardtanh", ["minVal", "maxVal", "inplace"], args);
    const minVal = (this.minVal = o.minVal ?? -1.0);
    const maxVal = (this.maxVal = o.maxVal ?? 1.0);
    this.inplace = o.inplace ?? false;
    if (!(maxVal > minVal)) throw new Error(`tstorch: Hardtanh maxVal (${maxVal}) must be greater than minVal (${minVal})`);
  }
  forward(x: Tensor): Tensor {
    if (this.inplace) return inPlace(x, () => aten.hardtanh_(x, this.minVal, this.maxVal));
    return aten.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string { return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceRepr(this.inplace)}`; }
}

/** min(max(0, x), 6). */
export class ReLU6 extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.hardtanh(x, 0, 6); }
  protected opInPlace(x: Tensor): unknown { return aten.hardtanh_(x, 0, 6); }
}

export class Hardswish extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.hardswish(x); }
  protected opInPlace(x: Tensor): unknown { return aten.hardswish_(x); }
}

export class Hardsigmoid extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.hardsigmoid(x); }
  protected opInPlace(x: Tensor): unknown { return aten.hardsigmoid_(x); }
}

/** x · tanh(softplus(x)). */
export class Mish extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return aten.mish(x); }
  protected opInPlace(x: Tensor): unknown { return aten.mish_(x); }
}

export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor { return aten.log_sigmoid(x); }
}

/** x − tanh(x) (PyTorch composes it too). */
export class Tanhshrink extends Module {
  forward(x: Tensor): Tensor { return x.sub(x.tanh()); }
}

/** x where x > threshold, else value. */
export class Threshold extends Module {
  readonly inplace: boolean;
  /** PyTorch's Threshold(threshold, value, inplace=False). */
  constructor(readonly threshold: number, readonly value: number, ...args: PyArgs<[inplace: boolean], InplaceOptions>) {
    super();
    if (typeof threshold !== "number" || typeof value !== "number") throw new Error("tstorch: Threshold needs a threshold and a value");
    this.inplace = pyArgs<InplaceOptions>("Threshold", ["inplace"], args).inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    if (this.inplace) return inPlace(x, () => aten.threshold_(x, this.threshold, this.value));
    return aten.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string { return `threshold=${this.threshold}, value=${this.value}${inplaceRepr(this.inplace)}`; }
}

/** a ⊗ sigmoid(b) where a, b are the two halves of the input along dim. */
export class GLU extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return aten.glu(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** PyTorch's legacy implicit softmax dim (dim=None): 0 for 0-, 1- and 3-D inputs, else 1. */
function implicitDim(x: Tensor): number {
  return x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1;
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) { super(); }
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim ?? implicitDim(x)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

/** softmax(−x). */
export class Softmin extends Module {
  constructor(readonly dim: number | null = null) { super(); }
  forward(x: Tensor): Tensor { return x.neg().softmax(this.dim ?? implicitDim(x)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

/** Softmax over the channels of [N, C, H, W] or [C, H, W]. */
export class Softmax2d extends Module {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`tstorch: Softmax2d: expected input of 3 or 4 dimensions, got ${x.ndim}-D`);
    return x.softmax(-3);
  }
}
