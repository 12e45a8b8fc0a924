// Tensor shapes and indexing (tch-rs's src/tensor/index.rs): views, selection, splitting, unique.
import { callInPlace, callPooled } from "./handle-pool.js";
import { native, type Handle } from "./native.js";
import { opIds } from "./op-ids.js";
import { wrap, type Shape, type Tensor } from "./tensor.js";
import { dims, optionalHandles, shapeArgs, tensorHandle, wrapAll } from "./tensor-args.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "reshape", "view", "permute", "expand", "repeat", "index_Tensor", "index_put_", "split_Tensor", "split_with_sizes",
  "flip", "constant_pad_nd", "one_hot", "resize_", "_unique2", "unique_dim", "unique_consecutive"
);

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
  reshape(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(aten.reshape, this._h, shapeArgs(shape))); }
  view(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(aten.view, this._h, shapeArgs(shape))); }
  permute(...order: (number | Shape)[]): Tensor { return wrap(callPooled(aten.permute, this._h, shapeArgs(order))); }
  expand(...shape: (number | Shape)[]): Tensor { return wrap(callPooled(aten.expand, this._h, shapeArgs(shape), false)); }
  expandAs(o: Tensor): Tensor { return this.expand(native.shape(tensorHandle(o, "other", "expandAs"))); }
  repeat(...times: (number | Shape)[]): Tensor { return wrap(callPooled(aten.repeat, this._h, shapeArgs(times))); }
  /** `t[i]` */
  get(i: number): Tensor { return (this as unknown as Tensor).select(0, i); }
  /** Advanced indexing `t[i0, i1, ...]` with index tensors (null for a full slice). */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return wrap(callPooled(aten.index_Tensor, this._h, optionalHandles(indices, "index")));
  }
  indexPut_(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): this {
    callInPlace(aten.index_put_, this._h, optionalHandles(indices, "indexPut_"), tensorHandle(values, "values", "indexPut_"), accumulate);
    return this;
  }
  split(size: number | readonly number[], dim = 0): Tensor[] {
    return wrapAll(typeof size === "number" ? callPooled(aten.split_Tensor, this._h, size, dim) : callPooled(aten.split_with_sizes, this._h, [...size], dim));
  }
  flip(dims_: number | readonly number[]): Tensor { return wrap(callPooled(aten.flip, this._h, dims(dims_))); }
  pad(pad: readonly number[], value = 0): Tensor { return wrap(callPooled(aten.constant_pad_nd, this._h, [...pad], value)); }
  oneHot(numClasses = -1): Tensor { return wrap(callPooled(aten.one_hot, this._h, numClasses)); }

  /**
   * PyTorch's `t.resize_(*sizes)`: this tensor takes the new shape in place, its storage grown as
   * needed (new elements uninitialised); `resize_(2, 3)` and `resize_([2, 3])` alike.
   */
  resize_(...size: (number | Shape)[]): this {
    callInPlace(aten.resize_, this._h, shapeArgs(size));
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
    const all = dim === null ? callPooled(aten._unique2, this._h, sorted, inverse, counts) : callPooled(aten.unique_dim, this._h, dim, sorted, inverse, counts);
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
    return asked(wrapAll(callPooled(aten.unique_consecutive, this._h, inverse, counts, opts.dim ?? null)), inverse, counts);
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
