// torch.vmap (torch.func.vmap): `vmap(fn, inDims, outDims)` maps fn over a dimension of its inputs.
// PyTorch pushes the batch dimension into every op (functorch's batching rules, a Python dispatch
// layer libtorch's C++ API does not expose); this is the semantic reference instead: fn runs once per
// batch element on the slices, and the outputs are stacked. Same results for functions without
// randomness or in-place writes to their inputs; one call of fn per element, so slower.
import { stack } from "./creation.js";
import { Tensor } from "./tensor.js";

type InDims = number | null | readonly (number | null)[];
type Out = Tensor | readonly Tensor[];

/** PyTorch's `torch.vmap(func, in_dims=0, out_dims=0)`: in/out dims per argument/output, null for "not mapped". */
export function vmap<A extends unknown[], R extends Out>(fn: (...args: A) => R, inDims: InDims = 0, outDims: number | readonly number[] = 0): (...args: A) => R {
  return (...args: A): R => {
    const dimOf = (i: number): number | null => (Array.isArray(inDims) ? (inDims as (number | null)[])[i] ?? null : (inDims as number | null));
    if (Array.isArray(inDims) && inDims.length !== args.length) {
      throw new Error(`vmap: in_dims has ${inDims.length} entries but the function got ${args.length} arguments`);
    }
    let size: number | null = null;
    args.forEach((a, i) => {
      const d = dimOf(i);
      if (d === null || !(a instanceof Tensor)) return;
      const n = a.shape.at(d);
      if (n === undefined) throw new Error(`vmap: in_dim ${d} is out of range for argument ${i} of shape [${a.shape.join(", ")}]`);
      if (size !== null && size !== n) throw new Error(`vmap: expected all tensors to have the same size in the mapped dimension, got both ${size} and ${n}`);
      size = n;
    });
    if (size === null) throw new Error("vmap: at least one Tensor argument must be mapped over (in_dims all null, or no Tensor arguments)");
    const results: Out[] = [];
    for (let b = 0; b < size; b++) {
      const sliced = args.map((a, i) => {
        const d = dimOf(i);
        return d === null || !(a instanceof Tensor) ? a : a.select(d, b);
      }) as A;
      results.push(fn(...sliced));
    }
    const outDim = (k: number): number => (typeof outDims === "number" ? outDims : outDims[k]);
    if (results[0] instanceof Tensor) return stack(results as Tensor[], outDim(0)) as R;
    const k = (results[0] as readonly Tensor[]).length;
    return Array.from({ length: k }, (_, j) => stack(results.map((r) => (r as readonly Tensor[])[j]), outDim(j))) as unknown as R;
  };
}
