// PyTorch's `inplace=True` for activation and dropout modules: the in-place ATen kernel runs on the
// input, and the input itself is returned (as F.relu(x, inplace=True) returns x).
import { Tensor } from "../core/tensor.js";

/** Runs `op` (an in-place ATen call on x) and returns x; a second wrapper the call returned is released. */
export function inPlace(x: Tensor, op: () => unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`tstorch: an inplace module expects a Tensor input, got ${typeof x}`);
  const r = op();
  if (r instanceof Tensor && r !== x) r.dispose();
  return x;
}

/** PyTorch's extra_repr tail: ", inplace=True" when set, else nothing (`sep` "" when it is the whole repr). */
export function inplaceRepr(inplace: boolean, sep = ", "): string {
  return inplace ? `${sep}inplace=True` : "";
}
