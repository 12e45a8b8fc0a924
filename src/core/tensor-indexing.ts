// Tensor shapes and indexing (tch-rs's src/tensor/index.rs): views, selection, splitting, unique.
import { callPooled } from "./handle-pool.js";
import { native, type Handle } from "./native.js";
import { K } from "./op-ids.js";
import { wrap, type Shape, type Tensor } from "./tensor.js";
import { dims, optionalHandles, shapeArgs, tensorHandle, wrapAll } from "./tensor-args.js";

const callInPlace = native.callInPlace;

export interface UniqueOptions {
  /** Sort the unique elements ascending (default true). */
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  /** Unique slices along this dimension (default: of the flattened input). */
  dim?: number | null;
}
type UniqueConsecutiveOptions = Omit<UniqueOptions, "sorted">;

export class TensorIndexing {
  declare _h: Handle;

  // ---------------------------------------------------------------- shape
  reshape(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(K.reshape, this._h, shapeArgs(shape))); }
  view(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(K.view, this._h, shapeArgs(shape))); }
  permute(...order: (number | Shape)[]): Tensor { return wrap(callPooled(K.permute, this._h, shapeArgs(order))); }
  transpose(d0: number, d1: number): Tensor { return wrap(callPooled(K.transpose, this._h, d0, d1)); }
  flatten(startDim = 0, endDim = -1): Tensor { return wrap(callPooled(K.flatten, this._h, startDim, endDim)); }
  squeeze(dim?: number): Tensor { return wrap(dim === undefined ? callPooled(K.squeeze, this._h) : callPooled(K.squeeze_dim, this._h, dim)); }
  unsqueeze(dim: number): Tensor { return wrap(callPooled(K.unsqueeze, this._h, dim)); }
  expand(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(K.expand, this._h, shapeArgs(shape), false)); }
  expandAs(o: Tensor): Tensor { return this.expand(native.shape(tensorHandle(o, "other", "expandAs"))); }
  repeat(...times: (number | Shape)[]): Tensor { return wrap(callPooled(K.repeat, this._h, shapeArgs(times))); }
  narrow(dim: number, start: number, length: number): Tensor { return wrap(callPooled(K.narrow, this._h, dim, start, length)); }
  select(dim: number, index: number): Tensor { return wrap(callPooled(K.select, this._h, dim, index)); }
  /** Python's `t[..., start:end:step]` along `dim`. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return wrap(callPooled(K.slice, this._h, dim, start ?? null, end ?? null, step));
  }
  /** `t[i]` */
  get(i: number): Tensor { return this.select(0, i); }
  indexSelect(dim: number, index: Tensor): Tensor { return wrap(callPooled(K.index_select, this._h, dim, tensorHandle(index, "index", "indexSelect"))); }
  gather(dim: number, index: Tensor): Tensor { return wrap(callPooled(K.gather, this._h, dim, tensorHandle(index, "index", "gather"), false)); }
  /** Advanced indexing `t[i0, i1, ...]` with index tensors (null for a full slice). */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return wrap(callPooled(K.index, this._h, optionalHandles(indices, "index")));
  }
  indexPut_(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): this {
    callInPlace(K.index_put_, this._h, optionalHandles(indices, "indexPut_"), tensorHandle(values, "values", "indexPut_"), accumulate);
    return this;
  }
  split(size: number | readonly number[], dim = 0): Tensor[] {
    return wrapAll(typeof size === "number" ? callPooled(K.split, this._h, size, dim) : callPooled(K.split_with_sizes, this._h, [...size], dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] { return wrapAll(callPooled(K.chunk, this._h, chunks, dim)); }
  unbind(dim = 0): Tensor[] { return wrapAll(callPooled(K.unbind, this._h, dim)); }
  flip(dims_: number | readonly number[]): Tensor { return wrap(callPooled(K.flip, this._h, dims(dims_))); }
  pad(pad: readonly number[], value = 0): Tensor { return wrap(callPooled(K.constant_pad_nd, this._h, [...pad], value)); }
  oneHot(numClasses = -1): Tensor { return wrap(callPooled(K.one_hot, this._h, numClasses)); }

  /**
   * PyTorch's `t.resize_(*sizes)`: this tensor takes the new shape in place, its storage grown as
   * needed (new elements uninitialised); `resize_(2, 3)` and `resize_([2, 3])` alike.
   */
  resize_(...size: (number | Shape)[]): this {
    callInPlace(K.resize_, this._h, shapeArgs(size));
    return this;
  }

  // ---------------------------------------------------------------- unique
  /**
   * PyTorch's `t.unique(sorted=True, return_inverse=False, return_counts=False, dim=None)`: the
   * unique elements (or slices along `dim`) alone, or [output, inverse?, counts?] (those asked for,
   * in that order) as PyTorch's tuple. torch.unique is this method.
   */
  unique(opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  unique(opts: UniqueOptions & { returnInverse: true; returnCounts?: false }): [output: Tensor, inverse: Tensor];
  unique(opts: UniqueOptions & { returnInverse?: false; returnCounts: true }): [output: Tensor, counts: Tensor];
  unique(opts: UniqueOptions & { returnInverse: true; returnCounts: true }): [output: Tensor, inverse: Tensor, counts: Tensor];
  unique(opts?: UniqueOptions): Tensor | Tensor[];
  unique(opts: UniqueOptions = {}): Tensor | Tensor[] {
    const sorted = opts.sorted ?? true;
    const inverse = opts.returnInverse ?? false;
    const counts = opts.returnCounts ?? false;
    const dim = opts.dim ?? null;
    const all = dim === null ? callPooled(K._unique2, this._h, sorted, inverse, counts) : callPooled(K.unique_dim, this._h, dim, sorted, inverse, counts);
    return asked(wrapAll(all), inverse, counts);
  }
  /**
   * PyTorch's `t.unique_consecutive(return_inverse=False, return_counts=False, dim=None)`: one
   * element of each run of equal ones, alone or with the inverse and counts asked for.
   */
  uniqueConsecutive(opts?: UniqueConsecutiveOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  uniqueConsecutive(opts: UniqueConsecutiveOptions & { returnInverse: true; returnCounts?: false }): [output: Tensor, inverse: Tensor];
  uniqueConsecutive(opts: UniqueConsecutiveOptions & { returnInverse?: false; returnCounts: true }): [output: Tensor, counts: Tensor];
  uniqueConsecutive(opts: UniqueConsecutiveOptions & { returnInverse: true; returnCounts: true }): [output: Tensor, inverse: Tensor, counts: Tensor];
  uniqueConsecutive(opts?: UniqueConsecutiveOptions): Tensor | Tensor[];
  uniqueConsecutive(opts: UniqueConsecutiveOptions = {}): Tensor | Tensor[] {
    const inverse = opts.returnInverse ?? false;
    const counts = opts.returnCounts ?? false;
    return asked(wrapAll(callPooled(K.unique_consecutive, this._h, inverse, counts, opts.dim ?? null)), inverse, counts);
  }
}

/** ATen's [output, inverse, counts] cut to what was asked for; the others are freed. */
function asked([output, inverse, counts]: Tensor[], withInverse: boolean, withCounts: boolean): Tensor | Tensor[] {
  const result = [output];
  if (withInverse) result.push(inverse);
  else inverse.dispose();
  if (withCounts) result.push(counts);
  else counts.dispose();
  return result.length === 1 ? output : result;
}
