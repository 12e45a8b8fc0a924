// Long-lived tensors (module parameters and buffers, optimiser state) belong to their owner, not to
// the torch.scope that happened to be open when they were made: core's persist() marks them so that
// no scope disposes them. The owner frees them with dispose(); the addon's collector backstop covers
// the rest.
import type { Tensor } from "../core/tensor.js";
import { persist as persistAny, isPersistent as isPersistentAny } from "../core/scope.js";

/** @internal Makes `t` survive every enclosing (and future) torch.scope. Returns `t`. */
export function persist<T extends Tensor>(t: T): T {
  return persistAny(t);
}

/** @internal True for tensors passed to persist() or kept in the current scope. */
export function isPersistent(t: Tensor): boolean {
  return isPersistentAny(t) || t._kept === true;
}
