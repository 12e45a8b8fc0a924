// nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout: libtorch's feature_dropout, alpha_dropout and
// feature_alpha_dropout kernels in training mode, the identity in evaluation mode.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import type { DropoutOptions } from "./activation.js";
import { inPlace } from "./inplace.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

/** PyTorch's _DropoutNd: (p=0.5, inplace=False), positional or in the options. */
export abstract class DropoutBase extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(args: readonly unknown[]) {
    super();
    const o = pyArgs<DropoutOptions>(this.constructor.name, ["p", "inplace"], args);
    const p = o.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new Error(`tstorch: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = o.inplace ?? false;
  }
  /** `op(x)`, or with inplace its in-place kernel `opInPlace(x)` on x itself. */
  protected run(x: Tensor, op: (x: Tensor) => Tensor, opInPlace: (x: Tensor) => unknown): Tensor {
    return this.inplace ? inPlace(x, () => opInPlace(x)) : op(x);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${this.inplace ? "True" : "False"}`;
  }
}

export type DropoutArgs = PyArgs<[p: number, inplace: boolean], DropoutOptions>;

/** Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) inputs with probability p in training mode. */
export class Dropout3d extends DropoutBase {
  constructor(...args: DropoutArgs) { super(args); }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 && x.ndim !== 5) throw new Error(`tstorch: Dropout3d: expected 4-D or 5-D input, got ${x.ndim}-D input`);
    if (!this.training || this.p === 0) return x;
    if (x.ndim === 5) return this.run(x, (y) => aten.feature_dropout(y, this.p, true), (y) => aten.feature_dropout_(y, this.p, true));
    if (this.inplace) return inPlace(x, () => scope(() => { aten.feature_dropout_(x.unsqueeze(0), this.p, true); }));
    return scope(() => aten.feature_dropout(x.unsqueeze(0), this.p, true).squeeze(0));
  }
}

/** Dropout that keeps a SELU network's mean and variance (dropped elements get SELU's negative saturation value). */
export class AlphaDropout extends DropoutBase {
  constructor(...args: DropoutArgs) { super(args); }
  forward(x: Tensor): Tensor {
    return this.run(x, (y) => aten.alpha_dropout(y, this.p, this.training), (y) => aten.alpha_dropout_(y, this.p, this.training));
  }
}

/** AlphaDropout of whole channels. */
export class FeatureAlphaDropout extends DropoutBase {
  constructor(...args: DropoutArgs) { super(args); }
  forward(x: Tensor): Tensor {
    return this.run(x, (y) => aten.feature_alpha_dropout(y, this.p, this.training), (y) => aten.feature_alpha_dropout_(y, this.p, this.training));
  }
}
