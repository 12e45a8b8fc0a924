// Tensor methods that PyTorch defines in Python (torch/_tensor.py) over other functions: `t.lu()`
// is torch.lu, `t.resize(...)` / `t.resizeAs(o)` are the deprecated out-of-place resizes. Put on
// Tensor.prototype when the package loads (src/index.ts imports this file), since python-signatures.ts
// imports tensor.ts and tensor.ts may not import it back.
import { lu, type LuOptions } from "./python-signatures.js";
import type { Shape } from "./tensor.js";
import { addTensorMembers, Tensor } from "./tensor.js";

let resizeWarned = false;

export class TensorPythonMethods {
  /** PyTorch's `t.lu(pivot=True, get_infos=False)`: torch.lu(t): [LU, pivots] or [LU, pivots, infos]. */
  lu(this: Tensor, opts?: LuOptions & { getInfos?: false }): [LU: Tensor, pivots: Tensor];
  lu(this: Tensor, opts: LuOptions & { getInfos: true }): [LU: Tensor, pivots: Tensor, infos: Tensor];
  lu(this: Tensor, opts: LuOptions = {}): Tensor[] {
    return lu(this, opts as LuOptions & { getInfos?: false });
  }

  /**
   * PyTorch's deprecated `t.resize(*sizes)` (autograd's Resize): the same elements in a new shape,
   * differentiable. Unlike the in-place `resize_`, the number of elements must stay the same.
   */
  resize(this: Tensor, ...size: (number | Shape)[]): Tensor {
    const shape = size.flatMap((s) => (typeof s === "number" ? [s] : [...s]));
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== this.numel()) {
      throw new Error(
        `resize: requested resize to [${shape.join(", ")}] (${n} elements in total), but the given tensor has a size of ` +
          `[${this.shape.join(", ")}] (${this.numel()} elements). The out-of-place resize can only change the shape ` +
          "while preserving the number of elements; use resize_ to change the number of elements in place.",
      );
    }
    if (!resizeWarned) {
      resizeWarned = true;
      process.emitWarning("non-inplace resize is deprecated (PyTorch's warning): use reshape, or resize_ in place", "DeprecationWarning");
    }
    return this.contiguous().view(shape);
  }

  /** PyTorch 2.x's `t.const_data_ptr()`: the address of the first element (dataPtr, promised not to be written through). */
  constDataPtr(this: Tensor): bigint {
    return this.dataPtr() as bigint;
  }

  /**
   * PyTorch 2.x's `t.dim_order()`: the dimensions from outermost to innermost in memory
   * ([0, 1, 2, 3] contiguous, [0, 2, 3, 1] channels-last), PyTorch's stable insertion sort by stride
   * (torch._prims_common.compute_elementwise_output_logical_to_physical_perm): a zero stride is
   * ambiguous and keeps its place, equal strides order the larger dimension outside.
   */
  dimOrder(this: Tensor): number[] {
    const shape = this.shape;
    const strides = this.stride() as number[];
    const swap = (a: number, b: number): number => {
      const [sa, sb] = [strides[a], strides[b]];
      if (sa === 0 || sb === 0) return 0;
      if (sa < sb) return -1;
      if (sa > sb) return 1;
      return shape[a] > shape[b] ? 1 : 0;
    };
    const perm = Array.from({ length: shape.length }, (_, i) => shape.length - 1 - i);
    for (let i = 1; i < perm.length; i++) {
      let d1 = i;
      for (let d0 = i - 1; d0 >= 0; d0--) {
        const c = swap(perm[d0], perm[d1]);
        if (c > 0) {
          [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
          d1 = d0;
        } else if (c < 0) break;
      }
    }
    return perm.reverse();
  }

  /** PyTorch's deprecated `t.resize_as(other)`: `t.resize(other.shape)`. */
  resizeAs(this: Tensor, other: Tensor): Tensor {
    return this.resize(other.shape);
  }
}

declare module "./tensor.js" {
  interface Tensor extends TensorPythonMethods {}
}

addTensorMembers(TensorPythonMethods);
