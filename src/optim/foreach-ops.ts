// ATen's multi-tensor ops (torch._foreach_*) over lists of Tensors, for the optimisers'
// multi-tensor forms (PyTorch's _multi_tensor_<name> functions). One op updates a whole list; on
// the CPU it runs the per-tensor kernel for each element, so results equal the single-tensor ops'.
import { Handle, native } from "../core/native.js";
import { Tensor, wrap } from "../core/tensor.js";

const ids = new Map<string, number>();

function opId(name: string, overload: string): number {
  const key = `${name}.${overload}`;
  let id = ids.get(key);
  if (id === undefined) ids.set(key, (id = native.opId(name, overload)));
  return id;
}

/** Tensor lists become handle lists; numbers and number lists (a ScalarList) pass as they are. */
function argsOf(args: readonly unknown[]): unknown[] {
  return args.map((a) => (Array.isArray(a) && a[0] instanceof Tensor ? (a as Tensor[]).map((t) => t._h) : a));
}

/** torch._foreach_<name>_(lists..., scalars...): updates the first list in place. `overload` is ATen's (Scalar, List, ScalarList, "" for none). */
export function foreachInPlace(name: string, overload: string, ...args: unknown[]): void {
  native.callInPlace(opId(`_foreach_${name}_`, overload), ...argsOf(args));
}

/** torch._foreach_<name>(lists..., scalars...): new tensors, owned by the enclosing torch.scope. */
export function foreachNew(name: string, overload: string, ...args: unknown[]): Tensor[] {
  return (native.call(opId(`_foreach_${name}`, overload), ...argsOf(args)) as Handle[]).map(wrap);
}

/** torch._foreach_neg(xs) when `maximize`, else xs: the gradients an optimiser descends along. */
export function foreachMaybeNeg(xs: Tensor[], maximize: boolean): Tensor[] {
  return maximize ? foreachNew("neg", "", xs) : xs;
}

/** xs + weightDecay·params as new tensors (PyTorch's L2 weight decay on the gradients), or xs when weightDecay is 0. */
export function foreachWeightDecay(xs: Tensor[], params: Tensor[], weightDecay: number): Tensor[] {
  return weightDecay === 0 ? xs : foreachNew("add", "List", xs, params, weightDecay);
}

/** exp_avg ← beta·exp_avg + (1 - beta)·x for every pair, in the linked PyTorch's form (lerp_ in 2, mul_/add_ in 1.13). */
export function foreachFirstMoment(expAvgs: Tensor[], xs: Tensor[], beta: number, lerp: boolean): void {
  if (lerp) foreachInPlace("lerp", "Scalar", expAvgs, xs, 1 - beta);
  else {
    foreachInPlace("mul", "Scalar", expAvgs, beta);
    foreachInPlace("add", "List", expAvgs, xs, 1 - beta);
  }
}
