// nn.LocalResponseNorm and F.local_response_norm: each element divided by (k + alpha·mean of the
// squares over `size` neighbouring channels)^beta. PyTorch writes it in Python as an average pool over
// the squared input; this composes the same ATen ops in the same order. nn.CrossMapLRN2d is PyTorch's
// legacy form of it for 4-D inputs (its own window rule, kept as PyTorch computes it).
import { tensor } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";

const aten = ops.aten;

/** F.local_response_norm(input, size, alpha = 1e-4, beta = 0.75, k = 1) over the channels (dim 1) of a 3-D or higher input. */
export function localResponseNorm(x: Tensor, size: number, alpha = 1e-4, beta = 0.75, k = 1.0): Tensor {
  return lrn("localResponseNorm", x, size, alpha, beta, k);
}

/** The computation, `what` naming the caller (the function or the module) in errors. */
function lrn(what: string, x: Tensor, size: number, alpha: number, beta: number, k: number): Tensor {
  if (!Number.isInteger(size) || size < 1) throw new Error(`tstorch: ${what} size must be a positive integer, got ${size}`);
  if (x.ndim < 3) throw new Error(`tstorch: ${what}: expected 3D or higher dimensionality input (got ${x.ndim} dimensions)`);
  if (x.numel() === 0) return x;
  const before = Math.floor(size / 2);
  const after = Math.floor((size - 1) / 2);
  return scope(() => {
    let div = x.mul(x).unsqueeze(1);
    if (x.ndim === 3) {
      div = aten.constant_pad_nd(div, [0, 0, before, after], 0);
      div = aten.avg_pool2d(div, [size, 1], 1).squeeze(1);
    } else {
      const s = x.shape;
      div = div.reshape([s[0], 1, s[1], s[2], -1]);
      div = aten.constant_pad_nd(div, [0, 0, 0, 0, before, after], 0);
      div = aten.avg_pool3d(div, [size, 1, 1], 1).squeeze(1).reshape(s);
    }
    return x.div(div.mul(alpha).add(k).pow(beta));
  });
}

export class LocalResponseNorm extends Module {
  constructor(readonly size: number, readonly alpha = 1e-4, readonly beta = 0.75, readonly k = 1.0) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new Error(`tstorch: LocalResponseNorm size must be a positive integer, got ${size}`);
  }
  forward(x: Tensor): Tensor {
    return lrn("LocalResponseNorm", x, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

/**
 * The channels whose squares make up channel c's scale in PyTorch's _cross_map_lrn2d: its running
 * window adds channel c + pre_pad − 1 and drops channel c − pre_pad only while c > pre_pad, so
 * channel 0 is never dropped. Returned as a [C, C] 0/1 matrix (row c: the window of channel c).
 */
function crossMapWindows(channels: number, size: number): number[][] {
  const prePad = Math.trunc((size - 1) / 2 + 1);
  const rows: number[][] = [];
  let cur = new Array<number>(channels).fill(0);
  for (let j = 0; j < Math.min(prePad, channels); j++) cur[j] = 1;
  rows.push(cur);
  for (let c = 1; c < channels; c++) {
    cur = [...cur];
    if (c < channels - prePad + 1) cur[c + prePad - 1] += 1;
    if (c > prePad) cur[c - prePad] -= 1;
    rows.push(cur);
  }
  return rows;
}

/** PyTorch's legacy cross-channel LRN for [N, C, H, W]: x · (k + alpha/size · Σ_window x²)^−beta. */
export class CrossMapLRN2d extends Module {
  constructor(readonly size: number, readonly alpha = 1e-4, readonly beta = 0.75, readonly k = 1) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new Error(`tstorch: CrossMapLRN2d size must be a positive integer, got ${size}`);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`tstorch: CrossMapLRN2d expects a 4-D input [N, C, H, W], got ${x.ndim}-D`);
    return scope(() => {
      const w = tensor(crossMapWindows(x.shape[1], this.size), { dtype: x.dtype, device: x.device });
      // Σ over each channel's window: [N, H, W, C] · Wᵀ, back to [N, C, H, W]
      const sums = x.pow(2).permute([0, 2, 3, 1]).matmul(w.t()).permute([0, 3, 1, 2]);
      return x.mul(sums.mul(this.alpha / this.size).add(this.k).pow(-this.beta));
    });
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
