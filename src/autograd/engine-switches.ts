// The autograd engine's thread-local switches of PyTorch 2.x: torch.autograd.set_multithreading_enabled
// and torch.autograd.enforce_grad_layout_policy. PyTorch's context managers set the switch when made
// and restore it on exit; here the setter sets it, and the form with a callback runs the callback under
// it and restores the previous value after (as noGrad/enableGrad do for grad mode). Thread-local, as
// in PyTorch: a worker thread keeps its own. A libtorch without the switch throws, naming the version.
import { engineSwitchNative as sw } from "./native.js";

/** Sets the switch (set returns the previous value), or with fn runs fn under it and restores the previous value. */
function setOrRun<T>(name: string, set: (on: boolean) => boolean, on: unknown, fn: (() => T) | undefined): T | void {
  if (typeof on !== "boolean") throw new Error(`tstorch: ${name} expects a boolean`);
  if (fn === undefined) {
    set(on);
    return;
  }
  if (typeof fn !== "function") throw new Error("tstorch: the second argument must be a function to run under the switch");
  const prev = set(on);
  try {
    return fn();
  } finally {
    set(prev);
  }
}

/**
 * Multithreaded backward on (the default) or off (torch.autograd.set_multithreading_enabled; libtorch
 * >= 2.0): off, the engine runs the backward of device (CUDA) work on the calling thread instead of its
 * per-device threads. `setMultithreadingEnabled(false)` sets it for this thread;
 * `setMultithreadingEnabled(false, fn)` runs fn with it and restores the previous mode.
 */
export function setMultithreadingEnabled(mode: boolean): void;
export function setMultithreadingEnabled<T>(mode: boolean, fn: () => T): T;
export function setMultithreadingEnabled<T>(mode: boolean, fn?: () => T): T | void {
  return setOrRun("setMultithreadingEnabled(mode)", (on) => sw.autogradSetMultithreadingEnabled(on), mode, fn);
}

/** Whether this thread's backward may use the engine's device threads (PyTorch's torch._C._is_multithreading_enabled). */
export function isMultithreadingEnabled(): boolean {
  return sw.autogradIsMultithreadingEnabled();
}

/**
 * Whether AccumulateGrad enforces the gradient layout contract (torch.autograd.enforce_grad_layout_policy;
 * default true): a leaf's new .grad takes the leaf's strides (dense leaves) or is row-major. With
 * `enable` false, a gradient that could be stolen is stolen as it is, whatever its strides (no copy),
 * and the layout warning is off; a .grad that has to be made is still made in the leaf's layout.
 * `enforceGradLayoutPolicy(false)` sets it for this thread; `enforceGradLayoutPolicy(false, fn)` runs fn
 * with it and restores the previous value.
 */
export function enforceGradLayoutPolicy(enable?: boolean): void;
export function enforceGradLayoutPolicy<T>(enable: boolean, fn: () => T): T;
export function enforceGradLayoutPolicy<T>(enable = true, fn?: () => T): T | void {
  return setOrRun("enforceGradLayoutPolicy(enable)", (on) => sw.autogradSetGradLayoutEnforcement(on), enable, fn);
}

/** Whether this thread enforces the gradient layout contract (PyTorch's torch._C._is_grad_layout_enforcement_enabled). */
export function isGradLayoutEnforcementEnabled(): boolean {
  return sw.autogradIsGradLayoutEnforcementEnabled();
}
