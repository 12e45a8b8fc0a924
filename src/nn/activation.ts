// Parameter-free layers: activations, Flatten, Dropout, Identity, Lambda.
import { dropout } from "../core/functional.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return x.relu(); }
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
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return x.silu(); }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${this.negativeSlope}`; }
}
export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
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
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new Error(`tstorch: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
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
