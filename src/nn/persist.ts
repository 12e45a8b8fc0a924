// Long-lived tensors (module parameters and buffers, optimiser state) belong to their owner, not to
// the torch.scope that happened to be open when they were made. scope.keep() lifts a tensor out of
// one scope only (release() resets the flag and hands it to the enclosing scope, which would then
// dispose it), so the flag is pinned here: every scope boundary passes the tensor outward and none
// disposes it. The owner frees it with dispose(); the addon's collector backstop covers the rest.
import type { Tensor } from "../core/tensor.js";

/** @internal Makes `t` survive every enclosing (and future) torch.scope. Returns `t`. */
export function persist<T extends Tensor>(t: T): T {
  Object.defineProperty(t, "_kept", {
    get: () => true,
    set: () => {},
    configurable: true,
    enumerable: false,
  });
  return t;
}

/** @internal True for tensors passed to persist() (or kept in the current scope). */
export function isPersistent(t: Tensor): boolean {
  return t._kept === true;
}
