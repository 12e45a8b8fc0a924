// torch.nn.functional.normalize: x / max(‖x‖_p along dim, eps), PyTorch's formula (the norm kept as
// a dimension and expanded), used by the spectral-norm parametrizations too.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";

export interface NormalizeOptions {
  /** the norm's order (default 2) */
  p?: number;
  /** default 1 */
  dim?: number;
  /** default 1e-12 */
  eps?: number;
}

/** x / max(‖x‖_p, eps) along dim (torch.nn.functional.normalize(input, p=2.0, dim=1, eps=1e-12)). */
export function normalize(input: Tensor, p: number | NormalizeOptions = 2, dim = 1, eps = 1e-12): Tensor {
  const o = typeof p === "object" ? { p: p.p ?? 2, dim: p.dim ?? 1, eps: p.eps ?? 1e-12 } : { p, dim, eps };
  return scope(() => {
    const n = ops.aten.norm.ScalarOpt_dim(input, { tstorchFloat: o.p }, [o.dim], true);
    return input.div(n.clampMin({ tstorchFloat: o.eps }).expandAs(input));
  });
}
