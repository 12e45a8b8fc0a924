// torch.utils.checkpoint.checkpoint: activation checkpointing. forward runs `fn` without recording a
// graph (its activations are freed), backward runs it again with grad and backpropagates through the
// recomputation: memory for compute. PyTorch's reentrant variant (use_reentrant=True, 1.13's default),
// built on a custom autograd.Function. As PyTorch's, it saves the default CPU generator's state in
// forward and restores it for the recomputation (preserveRngState), so dropout inside draws the same
// mask twice. The non-reentrant variant (use_reentrant=False) is built on saved-tensor hooks, which
// libtorch 1.13 .. 2.14 keep as Python objects (SavedTensorDefaultHooks takes PyObjects): not bindable.
import { Tensor } from "../core/tensor.js";
import { enableGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import { Function, FunctionCtx } from "../autograd/function.js";
import { backward } from "../autograd/grad.js";
import { fromTypedArray } from "../core/creation.js";
import { getRngState, setRngState } from "../core/rng.js";

type Out = Tensor | Tensor[];

class CheckpointFunction extends Function {
  static override forward(ctx: FunctionCtx, fn: (...args: unknown[]) => Out, preserveRngState: boolean, ...args: unknown[]): Out {
    ctx.fn = fn;
    // the bytes, not a tensor: nothing for a scope to free before backward runs
    if (preserveRngState) ctx.rngState = rngBytes();
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
    const recompute = () => enableGrad(() => (ctx.fn as (...a: unknown[]) => Out)(...args));
    const out = ctx.rngState === undefined ? recompute() : withRngState(ctx.rngState as Uint8Array, recompute);
    const outs = out instanceof Tensor ? [out] : out;
    const pairs = outs.map((o, i) => [o, grads[i]] as const).filter(([o, g]) => o.requiresGrad && g !== null && g !== undefined);
    if (pairs.length === 0) throw new Error("tstorch: checkpoint: none of the outputs has requiresGrad: true, this checkpoint() is not necessary");
    backward(pairs.map(([o]) => o), pairs.map(([, g]) => g));
    return [null, null, ...detached.map((d) => (d === null ? null : d.grad))];
  }
}

function rngBytes(): Uint8Array {
  const t = getRngState();
  try {
    return t.toTypedArray() as Uint8Array;
  } finally {
    t.dispose();
  }
}
function setRngBytes(b: Uint8Array): void {
  const t = fromTypedArray(b, [b.length]);
  try {
    setRngState(t);
  } finally {
    t.dispose();
  }
}
/** Runs `fn` with the generator in `state` and puts the generator back afterwards (PyTorch's fork_rng). */
function withRngState<T>(state: Uint8Array, fn: () => T): T {
  const outside = rngBytes();
  setRngBytes(state);
  try {
    return fn();
  } finally {
    setRngBytes(outside);
  }
}

/** checkpoint's options, passed as its last argument: `checkpoint(f, x, new CheckpointOptions({ preserveRngState: false }))`. */
export class CheckpointOptions {
  /** false skips saving and restoring the generator (faster when `fn` draws no random numbers). Default true. */
  readonly preserveRngState: boolean;
  /** only true (the reentrant variant); false is PyTorch's hook-based variant, which libtorch cannot give JS (see above). */
  readonly useReentrant: boolean;
  constructor(opts: { preserveRngState?: boolean; useReentrant?: boolean } = {}) {
    this.preserveRngState = opts.preserveRngState ?? true;
    this.useReentrant = opts.useReentrant ?? true;
  }
}

/**
 * Runs `fn(...args)` without keeping its intermediate activations, and recomputes them in backward
 * (PyTorch's torch.utils.checkpoint.checkpoint, reentrant form). Parameters used inside `fn` get
 * their .grad from the recomputation; it is not compatible with torch.autograd.grad (as PyTorch's).
 * Random numbers drawn inside `fn` on the CPU (dropout) are drawn again from the same generator state
 * in the recomputation unless `new CheckpointOptions({ preserveRngState: false })` ends the arguments.
 */
export function checkpoint<A extends unknown[], R extends Out>(fn: (...args: A) => R, ...args: A | [...A, CheckpointOptions]): R {
  if (typeof fn !== "function") throw new Error("tstorch: checkpoint(fn, ...args): fn must be a function");
  const last = args[args.length - 1];
  const opts = last instanceof CheckpointOptions ? last : new CheckpointOptions();
  const fnArgs = last instanceof CheckpointOptions ? args.slice(0, -1) : args;
  if (!opts.useReentrant) {
    throw new Error(
      "tstorch: checkpoint: useReentrant: false is not available: PyTorch builds it on saved-tensor hooks, which libtorch keeps as Python objects (use the default, useReentrant: true)",
    );
  }
  return CheckpointFunction.apply(fn as unknown as (...a: unknown[]) => Out, opts.preserveRngState, ...fnArgs) as R;
}
