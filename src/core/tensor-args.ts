// What the hand-written Tensor methods (src/core/tensor*.ts, src/nn/tensor-losses.ts) share: the
// checks of Tensor arguments and the conversions of their results and dimension lists.
import type { Handle } from "./native.js";
import { Tensor, type Shape } from "./tensor.js";

/** The handle of a Tensor argument, or an error naming the method and the argument. */
export function tensorHandle(v: unknown, arg: string, method: string): Handle {
  if (v instanceof Tensor) return v._h;
  const got = v === undefined ? "nothing" : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
  throw new Error(`tstorch: Tensor.${method}(): argument '${arg}' must be a Tensor, got ${got}`);
}

/** The handles of an index list `[t0, null, t2]` (null: a full slice). */
export function optionalHandles(ts: readonly (Tensor | null)[], method: string): (Handle | null)[] {
  return ts.map((t) => (t === null ? null : tensorHandle(t, "indices", method)));
}

export function wrapOrNull(h: Handle | null): Tensor | null {
  return h === null ? null : new Tensor(h);
}

export function wrapAll(hs: Handle[]): Tensor[] {
  return hs.map((h) => new Tensor(h));
}

/** One dimension or several, as ATen's int[] takes them. */
export function dims(d: number | readonly number[]): number[] {
  return typeof d === "number" ? [d] : [...d];
}

/** `reshape(2, 3)` and `reshape([2, 3])` alike, as PyTorch's varargs. */
export function shapeArgs(args: (number | Shape)[]): number[] {
  return args.length === 1 && typeof args[0] !== "number" ? [...(args[0] as Shape)] : (args as number[]);
}
