// torch.unravel_index (PyTorch 2.2+, torch/functional.py): flat indices into coordinates of a shape,
// written as PyTorch writes it (floor division by the row-major coefficients, then Python's modulo,
// so negative indices wrap as there).
import { tensor } from "./creation.js";
import { scope } from "./scope.js";
import type { Tensor } from "./tensor.js";

/** One int64 tensor per dimension of `shape`, each of `indices`' shape: the coordinates of the flat `indices`. */
export function unravelIndex(indices: Tensor, shape: number | readonly number[]): Tensor[] {
  const dims = typeof shape === "number" ? [shape] : [...shape];
  if (/^(float|bfloat|complex)|^bool$/.test(indices.dtype)) throw new Error(`unravelIndex: expected 'indices' to be an integer tensor, but got ${indices.dtype}`);
  for (const d of dims) if (!Number.isInteger(d) || d < 0) throw new Error(`unravelIndex: 'shape' must have non-negative integer elements, got [${dims.join(", ")}]`);
  const coefs: number[] = [];
  let c = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    coefs.unshift(c);
    c *= dims[i];
  }
  return scope(() => {
    const q = indices.unsqueeze(-1).to("int64").div(tensor(coefs, { dtype: "int64", device: indices.device }), "floor");
    return q.remainder(tensor(dims, { dtype: "int64", device: indices.device })).unbind(-1);
  });
}
