// Tensor hooks: t.registerHook(fn), t.registerPostAccumulateGradHook(fn). (t.retainGrad() and the t.retainsGrad property are in core/tensor.ts.)
import { Tensor, wrap } from "../core/tensor.js";
import { scope } from "../core/scope.js";
import type { Handle } from "../core/native.js";
import { ag, postHookNative } from "./native.js";

/** What registerHook returns (PyTorch's RemovableHandle). */
export interface RemovableHandle {
  remove(): void;
}

/** A tensor hook: receives the gradient, returns a replacement or nothing. */
export type TensorHook = (grad: Tensor) => Tensor | null | undefined | void;

/** A post-accumulate-grad hook: receives the leaf itself (its .grad already written), returns nothing. */
export type PostAccumulateGradHook = (param: Tensor) => void;

declare module "../core/tensor.js" {
  interface Tensor {
    /**
     * Calls `fn(grad)` each time the gradient of this tensor is computed; a Tensor it returns
     * replaces the gradient. The grad passed in lives until fn returns (a scope frees it).
     */
    registerHook(fn: TensorHook): RemovableHandle;
    /**
     * Calls `fn(param)` with this leaf after backward has accumulated its gradient into `.grad`
     * (PyTorch's register_post_accumulate_grad_hook; libtorch >= 2.1). It runs in the engine's grad
     * mode (off unless createGraph), so it may update the leaf in place, as an optimiser step would.
     * Only leaves that require grad accept it.
     */
    registerPostAccumulateGradHook(fn: PostAccumulateGradHook): RemovableHandle;
  }
}

/** @internal a JS function as native code calls it: handles in, a fresh handle (or null) out. */
export function hookRunner(fn: TensorHook): (g: Handle) => Handle | null {
  return (g: Handle) =>
    scope(() => {
      const r = fn(wrap(g));
      if (r === null || r === undefined) return null;
      if (!(r instanceof Tensor)) throw new Error(`tstorch: a tensor hook must return a Tensor or nothing, got ${typeof r}`);
      return ag.autogradNewHandle(r._h);
    });
}

Tensor.prototype.registerHook = function registerHook(this: Tensor, fn: TensorHook): RemovableHandle {
  if (typeof fn !== "function") throw new Error("tstorch: registerHook() expects a function");
  const token = ag.autogradRegisterHook(this._h, hookRunner(fn));
  return { remove: () => ag.autogradRemoveHook(token) };
};

Tensor.prototype.registerPostAccumulateGradHook = function registerPostAccumulateGradHook(
  this: Tensor,
  fn: PostAccumulateGradHook,
): RemovableHandle {
  if (typeof fn !== "function") throw new Error("tstorch: registerPostAccumulateGradHook() expects a function");
  // the leaf arrives as a fresh handle to the same tensor, freed when fn returns (the leaf is not)
  const runner = (leaf: Handle): boolean =>
    scope(() => {
      const r: unknown = fn(wrap(leaf));
      return r !== undefined && r !== null;
    });
  const token = postHookNative.autogradRegisterPostAccHook(this._h, runner);
  return { remove: () => postHookNative.autogradRemovePostAccHook(token) };
};
