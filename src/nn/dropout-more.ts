// nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout: libtorch's feature_dropout, alpha_dropout and
// feature_alpha_dropout kernels in training mode, the identity in evaluation mode.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

abstract class DropoutBase extends Module {
  constructor(readonly p: number) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`tstorch: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/** Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) inputs with probability p in training mode. */
export class Dropout3d extends DropoutBase {
  constructor(p = 0.5) { super(p); }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 && x.ndim !== 5) throw new Error(`tstorch: Dropout3d: expected 4-D or 5-D input, got ${x.ndim}-D input`);
    if (!this.training || this.p === 0) return x;
    if (x.ndim === 5) return aten.feature_dropout(x, this.p, true);
    return scope(() => aten.feature_dropout(x.unsqueeze(0), this.p, true).squeeze(0));
  }
}

/** Dropout that keeps a SELU network's mean and variance (dropped elements get SELU's negative saturation value). */
export class AlphaDropout extends DropoutBase {
  constructor(p = 0.5) { super(p); }
  forward(x: Tensor): Tensor { return aten.alpha_dropout(x, this.p, this.training); }
}

/** AlphaDropout of whole channels. */
export class FeatureAlphaDropout extends DropoutBase {
  constructor(p = 0.5) { super(p); }
  forward(x: Tensor): Tensor { return aten.feature_alpha_dropout(x, this.p, this.training); }
}
