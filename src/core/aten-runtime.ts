// What the generated surface (src/generated/*.js, written from the linked libtorch by
// scripts/gen/gen-aten.mjs) calls: a function per ATen operator name, resolved lazily (loading
// tstorch reads no schema: the first call reads them), and Tensor methods installed on the
// prototype unless written by hand.
import { callAten } from "./ops.js";
import type { Tensor } from "./tensor.js";

/** `torch.NAME(...)`: calls aten::NAME, overloads tried in PyTorch's registration order. */
export function atenFunction<F>(name: string): F {
  const fn = (...args: unknown[]) => callAten(name, args, undefined);
  Object.defineProperty(fn, "name", { value: name });
  return fn as F;
}

/** Defines `x.NAME(...)` for each [method, operator] that the Tensor class does not define itself. */
export function installMethods(cls: typeof Tensor, table: readonly (readonly [string, string])[]): void {
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const [method, op] of table) {
    if (method in proto) continue; // hand-written in tensor.ts
    Object.defineProperty(proto, method, {
      value: function (this: Tensor, ...args: unknown[]) {
        return callAten(op, args, this);
      },
      writable: true,
      configurable: true,
    });
  }
}
