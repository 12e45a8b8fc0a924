// Tensor reductions and linear algebra (tch-rs's src/tensor/ops.rs): one overload each, by its
// dispatcher id (op-ids.ts); cumsum, topk, sort, ... come from the generated surface.
import { dtypeCode, type DType } from "./dtype.js";
import { callPooled } from "./handle-pool.js";
import { native, type Handle } from "./native.js";
import { K } from "./op-ids.js";
import { wrap, type Tensor } from "./tensor.js";
import { dims, tensorHandle, wrapAll } from "./tensor-args.js";

export class TensorReduction {
  declare _h: Handle;

  // ---------------------------------------------------------------- reductions
  sum(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? callPooled(K.sum, this._h, dt) : callPooled(K.sum_dim, this._h, dims(dim), keepdim, dt));
  }
  mean(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? callPooled(K.mean, this._h, dt) : callPooled(K.mean_dim, this._h, dims(dim), keepdim, dt));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? callPooled(K.prod, this._h, null) : callPooled(K.prod_dim, this._h, dim, keepdim, null));
  }
  /** Largest element; with `dim`, {values, indices} along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(callPooled(K.max, this._h));
    const [values, indices] = wrapAll(callPooled(K.max_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(callPooled(K.min, this._h));
    const [values, indices] = wrapAll(callPooled(K.min_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  amax(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(callPooled(K.amax, this._h, dims(dim), keepdim)); }
  amin(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(callPooled(K.amin, this._h, dims(dim), keepdim)); }
  argmax(dim?: number, keepdim = false): Tensor { return wrap(callPooled(K.argmax, this._h, dim ?? null, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return wrap(callPooled(K.argmin, this._h, dim ?? null, keepdim)); }
  /** Standard deviation with Bessel's correction by default (PyTorch's unbiased=True). */
  std(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(callPooled(K.std_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  var(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(callPooled(K.var_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return wrap(callPooled(K.logsumexp, this._h, dims(dim), keepdim)); }
  norm(p: number = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    if (dim === undefined) return wrap(callPooled(K.norm_Scalar, this._h, p));
    return wrap(callPooled(K.norm_ScalarOpt_dim, this._h, p, dims(dim), keepdim));
  }
  all(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? callPooled(K.all, this._h) : callPooled(K.all_dim, this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? callPooled(K.any, this._h) : callPooled(K.any_dim, this._h, dim, keepdim)); }
  softmax(dim: number): Tensor { return wrap(callPooled(K.softmax, this._h, dim, null)); }
  logSoftmax(dim: number): Tensor { return wrap(callPooled(K.log_softmax, this._h, dim, null)); }

  // ---------------------------------------------------------------- linear algebra
  matmul(o: Tensor): Tensor { return wrap(callPooled(K.matmul, this._h, tensorHandle(o, "other", "matmul"))); }
  mm(o: Tensor): Tensor { return wrap(callPooled(K.mm, this._h, tensorHandle(o, "other", "mm"))); }
  bmm(o: Tensor): Tensor { return wrap(callPooled(K.bmm, this._h, tensorHandle(o, "other", "bmm"))); }
  dot(o: Tensor): Tensor { return wrap(callPooled(K.dot, this._h, tensorHandle(o, "other", "dot"))); }
  t(): Tensor { return wrap(callPooled(K.t, this._h)); }
  /** The dimensions reversed (PyTorch's `x.T`; for a matrix, its transpose). */
  get T(): Tensor {
    const n = native.dim(this._h);
    return wrap(callPooled(K.permute, this._h, Array.from({ length: n }, (_, i) => n - 1 - i)));
  }
  /** The last two dimensions swapped (PyTorch's `x.mT`, a batch of matrices transposed). */
  get mT(): Tensor {
    const n = native.dim(this._h);
    if (n < 2) throw new Error(`tstorch: x.mT needs at least 2 dimensions, the tensor has ${n}`);
    return wrap(callPooled(K.transpose, this._h, -2, -1));
  }
}
