// torch.utils.checkpoint.checkpoint: activation checkpointing. forward runs `fn` without recording a
// graph (its activations are freed), backward runs it again with grad and backpropagates through the
// recomputation: memory for compute. PyTorch's reentrant variant (use_reentrant=True, 1.13's default),
// built on a custom autograd.Function.
import { Tensor } from "../core/tensor.js";
import { enableGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import { Function, FunctionCtx } from "../autograd/function.js";
import { backward } from "../autograd/grad.js";

type Out = Tensor | Tensor[];

class CheckpointFunction extends Function {
  static override forward(ctx: FunctionCtx, fn: (...args: unknown[]) => Out, ...args: unknown[]): Out {
    ctx.fn = fn;
    ctx.args = args.map((a) => (a instanceof Tensor ? null : a));
    ctx.saveForBackward(...args.map((a) => (a instanceof Tensor ? a : null)));
    // a scope of its own: the activations fn makes are freed now, not at the end of the caller's scope
    return scope(() => fn(...args));
  }
  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    const saved = ctx.savedTensors;
    const plain = ctx.args as unknown[];
    const detached = saved.map((t) => (t === null ? null : t.detach().requiresGrad_(t.requiresGrad)));
    const args = plain.map((a, i) => detached[i] ?? a);
    const out = enableGrad(() => (ctx.fn as (...a: unknown[]) => Out)(...args));
    const outs = out instanceof Tensor ? [out] : out;
    const pairs = outs.map((o, i) => [o, grads[i]] as const).filter(([o, g]) => o.requiresGrad && g !== null && g !== undefined);
    if (pairs.length === 0) throw new Error("tstorch: checkpoint: none of the outputs has requiresGrad: true, this checkpoint() is not necessary");
    backward(pairs.map(([o]) => o), pairs.map(([, g]) => g));
    return [null, ...detached.map((d) => (d === null ? null : d.grad))];
  }
}

/**
 * Runs `fn(...args)` without keeping its intermediate activations, and recomputes them in backward
 * (PyTorch's torch.utils.checkpoint.checkpoint, reentrant form). Parameters used inside `fn` get
 * their .grad from the recomputation; it is not compatible with torch.autograd.grad (as PyTorch's).
 * `fn` should be deterministic (dropout inside it draws new random numbers on recomputation).
 */
export function checkpoint<A extends unknown[], R extends Out>(fn: (...args: A) => R, ...args: A): R {
  if (typeof fn !== "function") throw new Error("tstorch: checkpoint(fn, ...args): fn must be a function");
  return CheckpointFunction.apply(fn as unknown as (...a: unknown[]) => Out, ...args) as R;
}
