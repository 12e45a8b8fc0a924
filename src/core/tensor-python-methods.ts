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

  /** PyTorch's deprecated `t.resize_as(other)`: `t.resize(other.shape)`. */
  resizeAs(this: Tensor, other: Tensor): Tensor {
    return this.resize(other.shape);
  }
}

declare module "./tensor.js" {
  interface Tensor extends TensorPythonMethods {}
}

addTensorMembers(TensorPythonMethods);
