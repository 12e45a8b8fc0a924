// What the generated surface (src/generated/*.js, written from the linked libtorch by
// scripts/gen/gen-aten.mjs) calls: a function per ATen operator name, resolved lazily (loading
// tstorch reads no schema: the first call reads them), and Tensor methods installed on the
// prototype unless written by hand, with the helpers of their fast paths (scripts/gen/fast-methods.mjs).
import { callAten } from "./ops.js";
import { native } from "./native.js";
import type { Tensor } from "./tensor.js";

export { callAten } from "./ops.js";
export { callInPlace, callPooled } from "./handle-pool.js";
export { wrap } from "./tensor.js";
export { wrapAll } from "./tensor-args.js";
/** The dispatcher id of aten::NAME.OVERLOAD (the generated code asks for overloads of the linked libtorch only). */
export const opId = (name: string, overload: string): number => native.opId(name, overload);

/** An int[] argument of the fast path: an array of whole numbers (anything else binds generically). */
export function isInts(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!Number.isInteger(x)) return false;
  return true;
}

/** `torch.NAME(...)`: calls aten::NAME, overloads tried in PyTorch's registration order. */
export function atenFunction<F>(name: string): F {
  const fn = (...args: unknown[]) => callAten(name, args, undefined);
  Object.defineProperty(fn, "name", { value: name });
  return fn as F;
}

type MethodEntry = readonly [method: string, op: string, fast: ((this: Tensor, ...args: unknown[]) => unknown) | null];

/** Defines `x.NAME(...)` for each [method, operator, fast path] that the Tensor class does not define itself. */
export function installMethods(cls: typeof Tensor, table: readonly MethodEntry[]): void {
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const [method, op, fast] of table) {
    if (method in proto) continue; // hand-written in tensor.ts or a tensor-*.ts concern file
    Object.defineProperty(proto, method, {
      value: fast ?? function (this: Tensor, ...args: unknown[]) {
        return callAten(op, args, this);
      },
      writable: true,
      configurable: true,
    });
  }
}
