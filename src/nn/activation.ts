// Parameter-free layers: activations, Flatten, Dropout, Identity, Lambda.
import { dropout } from "../core/functional.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { inPlace, inplaceRepr } from "./inplace.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

/** PyTorch's `inplace` flag, positional or in the options: `new nn.ReLU(true)`, `new nn.ReLU({ inplace: true })`. */
export interface InplaceOptions {
  inplace?: boolean;
}

/** @internal An activation whose last argument is PyTorch's `inplace` (`new nn.ReLU(true)`): forward runs op, or opInPlace on x and returns x. */
export abstract class InplaceActivation extends Module {
  readonly inplace: boolean;
  constructor(args: readonly unknown[]) {
    super();
    this.inplace = pyArgs<InplaceOptions>(this.constructor.name, ["inplace"], args).inplace ?? false;
  }
  protected abstract op(x: Tensor): Tensor;
  protected abstract opInPlace(x: Tensor): unknown;
  forward(x: Tensor): Tensor { return this.inplace ? inPlace(x, () => this.opInPlace(x)) : this.op(x); }
  override extraRepr(): string { return inplaceRepr(this.inplace, ""); }
}

export class ReLU extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return x.relu(); }
  protected opInPlace(x: Tensor): unknown { return aten.relu_(x); }
}
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") { super(); }
  forward(x: Tensor): Tensor { return x.gelu(this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return x.tanh(); }
}
export class SiLU extends InplaceActivation {
  constructor(...args: PyArgs<[inplace: boolean], InplaceOptions>) { super(args); }
  protected op(x: Tensor): Tensor { return x.silu(); }
  protected opInPlace(x: Tensor): unknown { return aten.silu_(x); }
}
export interface LeakyReLUOptions extends InplaceOptions {
  negativeSlope?: number;
}
export class LeakyReLU extends InplaceActivation {
  readonly negativeSlope: number;
  /** PyTorch's LeakyReLU(negative_slope=0.01, inplace=False). */
  constructor(...args: PyArgs<[negativeSlope: number, inplace: boolean], LeakyReLUOptions>) {
    const o = pyArgs<LeakyReLUOptions>("LeakyReLU", ["negativeSlope", "inplace"], args);
    super([o]);
    this.negativeSlope = o.negativeSlope ?? 0.01;
  }
  protected op(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  protected opInPlace(x: Tensor): unknown { return aten.leaky_relu_(x, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${this.negativeSlope}${inplaceRepr(this.inplace)}`; }
}
export class Softmax extends Module {
  constructor(readonly dim: number | null = null) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim ?? implicitSoftmaxDim(x)); }
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

/** PyTorch's legacy implicit softmax dim (dim=None): 0 for 0-, 1- and 3-D inputs, else 1. */
export function implicitSoftmaxDim(x: Tensor): number {
  return x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1;
}
/** Returns its input itself (not a copy). */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) in training mode; identity in eval mode. */
export interface DropoutOptions extends InplaceOptions {
  p?: number;
}
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  /** PyTorch's Dropout(p=0.5, inplace=False). */
  constructor(...args: PyArgs<[p: number, inplace: boolean], DropoutOptions>) {
    super();
    const o = pyArgs<DropoutOptions>("Dropout", ["p", "inplace"], args);
    const p = o.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new Error(`tstorch: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = o.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    if (this.inplace && this.training && this.p > 0) return inPlace(x, () => aten.dropout_(x, this.p, true));
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=${this.inplace ? "True" : "False"}`; }
}

/**
 * A function as a module without parameters (tch's `add_fn`). With `train: true` the function also
 * receives the module's training flag (tch's `add_fn_t`).
 */
export class Lambda extends Module {
  private readonly fn: (x: Tensor, train: boolean) => Tensor;
  constructor(fn: (x: Tensor, train: boolean) => Tensor) {
    super();
    this.fn = fn;
  }
  forward(x: Tensor): Tensor { return this.fn(x, this.training); }
}
