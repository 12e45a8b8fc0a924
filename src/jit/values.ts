// TorchScript values as JS sees them, and their trip through the addon: Tensors travel as handles.
import { types } from "node:util";
import type { Handle } from "../core/native.js";
import { Tensor } from "../core/tensor.js";

/**
 * A value a TorchScript method takes or returns: Tensor, int/float (number; ints past 2^53 as
 * bigint), bool, str, None (null), List and Tuple (arrays: which one an argument is comes from the
 * method's schema), Dict[str, V] (plain object) and Dict[int, V] (Map), nested.
 */
export type JitValue =
  | Tensor
  | number
  | bigint
  | boolean
  | string
  | null
  | undefined
  | readonly JitValue[]
  | ReadonlyMap<number | string, JitValue>
  | { readonly [key: string]: JitValue };

/** @internal Tensors -> their handles, everything else as is (recursively). */
export function toNative(v: unknown): unknown {
  if (v instanceof Tensor) return v._h;
  if (Array.isArray(v)) return v.map(toNative);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, toNative(x)]));
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toNative(x);
    return out;
  }
  return v;
}

/** @internal Handles -> Tensors (recursively). */
export function fromNative(v: unknown): unknown {
  if (types.isExternal(v)) return new Tensor(v as Handle);
  if (Array.isArray(v)) return v.map(fromNative);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, fromNative(x)]));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromNative(x);
    return out;
  }
  return v;
}
