// Tensor reductions (tch-rs's src/tensor/ops.rs) with Python's signatures over several overloads, by their
// dispatcher ids (op-ids.ts); matmul, mm, argmax, softmax, cumsum, topk, ... are the generated methods.
import { dtypeCode, type DType } from "./dtype.js";
import { callPooled } from "./handle-pool.js";
import { native, type Handle } from "./native.js";
import { opIds } from "./op-ids.js";
import { wrap, type Tensor } from "./tensor.js";
import { dims, tensorHandle, wrapAll } from "./tensor-args.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "sum", "sum_dim_IntList", "mean", "mean_dim", "prod", "prod_dim_int", "max", "max_dim", "min", "min_dim", "amax",
  "amin", "std_correction", "var_correction", "logsumexp", "norm_Scalar", "norm_ScalarOpt_dim", "all", "all_dim",
  "any", "any_dim", "permute", "transpose_int"
);

export class TensorReduction {
  declare _h: Handle;

  // ---------------------------------------------------------------- reductions
  sum(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? callPooled(aten.sum, this._h, dt) : callPooled(aten.sum_dim_IntList, this._h, dims(dim), keepdim, dt));
  }
  mean(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? callPooled(aten.mean, this._h, dt) : callPooled(aten.mean_dim, this._h, dims(dim), keepdim, dt));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? callPooled(aten.prod, this._h, null) : callPooled(aten.prod_dim_int, this._h, dim, keepdim, null));
  }
  /** Largest element; with `dim`, {values, indices} along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(callPooled(aten.max, this._h));
    const [values, indices] = wrapAll(callPooled(aten.max_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(callPooled(aten.min, this._h));
    const [values, indices] = wrapAll(callPooled(aten.min_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  amax(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(callPooled(aten.amax, this._h, dims(dim), keepdim)); }
  amin(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(callPooled(aten.amin, this._h, dims(dim), keepdim)); }
  /** Standard deviation with Bessel's correction by default (PyTorch's unbiased=True). */
  std(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(callPooled(aten.std_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  var(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(callPooled(aten.var_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return wrap(callPooled(aten.logsumexp, this._h, dims(dim), keepdim)); }
  norm(p: number = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    if (dim === undefined) return wrap(callPooled(aten.norm_Scalar, this._h, p));
    return wrap(callPooled(aten.norm_ScalarOpt_dim, this._h, p, dims(dim), keepdim));
  }
  all(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? callPooled(aten.all, this._h) : callPooled(aten.all_dim, this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? callPooled(aten.any, this._h) : callPooled(aten.any_dim, this._h, dim, keepdim)); }

  // ---------------------------------------------------------------- linear algebra
  /** The dimensions reversed (PyTorch's `x.T`; for a matrix, its transpose). */
  get T(): Tensor {
    const n = native.dim(this._h);
    return wrap(callPooled(aten.permute, this._h, Array.from({ length: n }, (_, i) => n - 1 - i)));
  }
  /** The last two dimensions swapped (PyTorch's `x.mT`, a batch of matrices transposed). */
  get mT(): Tensor {
    const n = native.dim(this._h);
    if (n < 2) throw new Error(`tstorch: x.mT needs at least 2 dimensions, the tensor has ${n}`);
    return wrap(callPooled(aten.transpose_int, this._h, -2, -1));
  }
}
