// nn.LocalResponseNorm: each element divided by (k + alpha·mean of the squares over `size`
// neighbouring channels)^beta. PyTorch writes it in Python as an average pool over the squared
// input; this composes the same ATen ops in the same order.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

export class LocalResponseNorm extends Module {
  constructor(readonly size: number, readonly alpha = 1e-4, readonly beta = 0.75, readonly k = 1.0) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new Error(`tstorch: LocalResponseNorm size must be a positive integer, got ${size}`);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 3) throw new Error(`tstorch: LocalResponseNorm: expected 3D or higher dimensionality input (got ${x.ndim} dimensions)`);
    if (x.numel() === 0) return x;
    const n = this.size;
    const before = Math.floor(n / 2);
    const after = Math.floor((n - 1) / 2);
    return scope(() => {
      let div = x.mul(x).unsqueeze(1);
      if (x.ndim === 3) {
        div = aten.constant_pad_nd(div, [0, 0, before, after], 0);
        div = aten.avg_pool2d(div, [n, 1], 1).squeeze(1);
      } else {
        const s = x.shape;
        div = div.reshape([s[0], 1, s[1], s[2], -1]);
        div = aten.constant_pad_nd(div, [0, 0, 0, 0, before, after], 0);
        div = aten.avg_pool3d(div, [n, 1, 1], 1).squeeze(1).reshape(s);
      }
      return x.div(div.mul(this.alpha).add(this.k).pow(this.beta));
    });
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
