// Module hooks (PyTorch's register_forward_pre_hook, register_forward_hook, register_full_backward_hook).
// Kept out of module.ts: hooks live in a WeakMap beside the module, and Module.call() asks callWithHooks
// only when a module has any. Full backward hooks wrap the tensor inputs and outputs in identity
// autograd Functions, as torch/utils/hooks.py's BackwardHook does: the outputs' one sees gradOutput,
// the inputs' one sees gradInput and may replace it.
import { Tensor } from "../core/tensor.js";
import { Function, FunctionCtx } from "../autograd/function.js";
import type { RemovableHandle } from "../autograd/hooks.js";
import { dispose, persist } from "../core/scope.js";

export type ForwardPreHook<M = any> = (module: M, args: unknown[]) => unknown[] | unknown | void;
export type ForwardHook<M = any> = (module: M, args: unknown[], output: any) => unknown | void;
export type BackwardHook<M = any> = (module: M, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void;

interface Hooks {
  pre: Map<number, ForwardPreHook>;
  fwd: Map<number, ForwardHook>;
  bwd: Map<number, BackwardHook>;
}
const table = new WeakMap<object, Hooks>();
let nextId = 0;

function hooksOf(m: object): Hooks {
  let h = table.get(m);
  if (!h) table.set(m, (h = { pre: new Map(), fwd: new Map(), bwd: new Map() }));
  return h;
}
function add<F>(m: object, kind: keyof Hooks, fn: F): RemovableHandle {
  if (typeof fn !== "function") throw new Error("tstorch: a module hook must be a function");
  const id = nextId++;
  (hooksOf(m)[kind] as Map<number, F>).set(id, fn);
  return { remove: () => void hooksOf(m)[kind].delete(id) };
}

export function registerForwardPreHook(m: object, hook: ForwardPreHook): RemovableHandle {
  return add(m, "pre", hook);
}
export function registerForwardHook(m: object, hook: ForwardHook): RemovableHandle {
  return add(m, "fwd", hook);
}
export function registerFullBackwardHook(m: object, hook: BackwardHook): RemovableHandle {
  return add(m, "bwd", hook);
}

/** Whether the module has any hook (Module.call's fast path). */
export function hasHooks(m: object): boolean {
  const h = table.get(m);
  return h !== undefined && (h.pre.size > 0 || h.fwd.size > 0 || h.bwd.size > 0);
}

// Shared between the identity Functions of one call.
interface BackwardState {
  module: object;
  hooks: BackwardHook[];
  gradOutputs: (Tensor | null)[] | null;
  nInputs: number;
}

class BackwardHookOutputs extends Function {
  static override forward(ctx: FunctionCtx, state: BackwardState, ...xs: Tensor[]): Tensor[] {
    ctx.state = state;
    return xs;
  }
  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    const st = ctx.state as BackwardState;
    // kept past this backward's scope for the inputs' backward, which frees them
    st.gradOutputs = grads.map((g) => (g === null ? null : persist(g.detach())));
    if (st.nInputs === 0) {
      // no input requires grad: PyTorch calls the hook with gradInput (None,) at this point
      try {
        for (const h of st.hooks) h(st.module, [null], st.gradOutputs);
      } finally {
        dispose(st.gradOutputs);
        st.gradOutputs = null;
      }
    }
    return [null, ...grads];
  }
}

class BackwardHookInputs extends Function {
  static override forward(ctx: FunctionCtx, state: BackwardState, ...xs: Tensor[]): Tensor[] {
    ctx.state = state;
    return xs;
  }
  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    const st = ctx.state as BackwardState;
    let gradIn = grads;
    try {
      for (const h of st.hooks) {
        const r = h(st.module, gradIn, st.gradOutputs ?? []);
        if (r !== undefined && r !== null) {
          if (!Array.isArray(r) || r.length !== gradIn.length) {
            throw new Error(`tstorch: a backward hook returned ${Array.isArray(r) ? r.length : typeof r} gradients, expected ${gradIn.length}`);
          }
          gradIn = r;
        }
      }
    } finally {
      dispose(st.gradOutputs);
      st.gradOutputs = null;
    }
    return [null, ...gradIn];
  }
}

/** Applies `f` to the tensors found in args (top level and arrays), keeping everything else. */
function mapTensors(args: unknown[], f: (ts: Tensor[]) => Tensor[]): unknown[] {
  const idx: [number, number | null][] = [];
  const ts: Tensor[] = [];
  args.forEach((a, i) => {
    if (a instanceof Tensor) { idx.push([i, null]); ts.push(a); }
    else if (Array.isArray(a)) a.forEach((b, j) => { if (b instanceof Tensor) { idx.push([i, j]); ts.push(b); } });
  });
  if (ts.length === 0) return args;
  const mapped = f(ts);
  const out = args.map((a) => (Array.isArray(a) ? [...a] : a));
  idx.forEach(([i, j], k) => {
    if (j === null) out[i] = mapped[k];
    else (out[i] as unknown[])[j] = mapped[k];
  });
  return out;
}

/** Module.call with hooks: pre hooks, backward-hook wrapping, forward, forward hooks. */
export function callWithHooks(m: { forward(...args: any[]): any }, input: unknown[]): any {
  const h = hooksOf(m);
  let args = input;
  for (const pre of [...h.pre.values()]) {
    const r = pre(m, args);
    if (r !== undefined) args = Array.isArray(r) ? r : [r];
  }
  let state: BackwardState | null = null;
  if (h.bwd.size > 0) {
    state = { module: m, hooks: [...h.bwd.values()], gradOutputs: null, nInputs: 0 };
    const st = state;
    args = mapTensors(args, (ts) => {
      if (!ts.some((t) => t.requiresGrad)) return ts;
      st.nInputs = ts.length;
      return BackwardHookInputs.apply(st, ...ts);
    });
  }
  let out = m.forward(...args);
  for (const fwd of [...h.fwd.values()]) {
    const r = fwd(m, args, out);
    if (r !== undefined) out = r;
  }
  if (state !== null) {
    const st = state;
    const wrapped = mapTensors([out], (ts) => (ts.some((t) => t.requiresGrad) ? BackwardHookOutputs.apply(st, ...ts) : ts));
    out = wrapped[0];
  }
  return out;
}
