// Custom autograd Functions written in TypeScript, as PyTorch writes them:
//
//   class Exp extends torch.autograd.Function {
//     static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
//     static backward(ctx: FunctionCtx, g: Tensor) { const [y] = ctx.savedTensors; return g.mul(y!); }
//   }
//   const y = Exp.apply(x);
//
// forward runs with grad recording off; its outputs are wired to a libtorch Node (native/src/autograd.cc)
// whose backward calls the class's static backward, on the thread that applied the Function.
import { Tensor, wrap } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import type { Handle } from "../core/native.js";
import { ag, type BackwardRunner } from "./native.js";

/** What forward and backward receive as `ctx` (PyTorch's FunctionCtx); other fields may be set freely. */
export class FunctionCtx {
  /** Per forward argument: whether it is a Tensor that requires grad. */
  needsInputGrad: boolean[] = [];
  /** @internal */ _toSave: (Tensor | null)[] = [];
  /** @internal */ _dirty: Tensor[] = [];
  /** @internal */ _nonDiff: Tensor[] = [];
  /** @internal */ _materialize = true;
  /** @internal set while backward runs */ _saved: (Tensor | null)[] | null = null;
  [key: string]: unknown;

  /** Saves tensors (inputs, outputs or null) for backward, where `savedTensors` gives them back. */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) throw new Error(`tstorch: saveForBackward: argument ${i} is not a Tensor or null`);
    });
    this._toSave = tensors.map((t) => t ?? null);
  }
  /** The tensors given to saveForBackward (in backward only; they live until backward returns). */
  get savedTensors(): (Tensor | null)[] {
    if (this._saved === null) throw new Error("tstorch: ctx.savedTensors can only be read in backward");
    return this._saved;
  }
  /** Declares inputs that forward modified in place (they must be returned as outputs). */
  markDirty(...tensors: Tensor[]): void {
    this._dirty = tensors;
  }
  /** Declares outputs that are not differentiable (they get requiresGrad false; their grads are zeros). */
  markNonDifferentiable(...tensors: Tensor[]): void {
    this._nonDiff = tensors;
  }
  /** With false, backward gets null instead of zeros for outputs whose gradient was not computed. */
  setMaterializeGrads(value: boolean): void {
    this._materialize = value;
  }
}

type Grads = Tensor | null | undefined | readonly (Tensor | null | undefined)[];

/** Base class of custom autograd Functions (PyTorch's torch.autograd.Function): define static forward and backward. */
export class Function {
  static forward(_ctx: FunctionCtx, ..._args: any[]): Tensor | Tensor[] {
    throw new Error(`tstorch: ${this.name} must define static forward(ctx, ...args)`);
  }
  static backward(_ctx: FunctionCtx, ..._grads: any[]): Grads {
    throw new Error(`tstorch: ${this.name} must define static backward(ctx, ...grads) to be differentiated`);
  }

  /** Runs forward and records the Function in the autograd graph. */
  static apply<A extends unknown[], R extends Tensor | Tensor[]>(
    this: { forward(ctx: FunctionCtx, ...args: A): R; backward(ctx: FunctionCtx, ...grads: any[]): Grads; name: string },
    ...args: A
  ): R {
    const cls = this;
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
    const out = noGrad(() => cls.forward(ctx, ...args));
    const single = out instanceof Tensor;
    const outs = single ? [out as Tensor] : (out as Tensor[]);
    if (!Array.isArray(outs) || outs.some((o) => !(o instanceof Tensor))) {
      throw new Error(`tstorch: ${cls.name}.forward must return a Tensor or an array of Tensors`);
    }
    const name = `${cls.name || "Function"}Backward`;
    const hs = ag.autogradFunctionApply(
      backwardRunner(cls, ctx), name, args.map((a) => (a instanceof Tensor ? a._h : null)), outs.map((o) => o._h),
      ctx._dirty.map((t) => t._h), ctx._nonDiff.map((t) => t._h), ctx._toSave.map((t) => (t === null ? null : t._h)),
      ctx._materialize,
    );
    // the node holds the saved tensors now (libtorch's SavedVariable, which also sees in-place changes)
    ctx._toSave = [];
    ctx._dirty = [];
    ctx._nonDiff = [];
    const results = outs.map((o, i) => (hs[i] === null ? o : wrap(hs[i] as Handle)));
    return (single ? results[0] : results) as R;
  }
}

function backwardRunner(
  cls: { backward(ctx: FunctionCtx, ...grads: any[]): Grads; name: string },
  ctx: FunctionCtx,
): BackwardRunner {
  return (gradHs, savedHs) =>
    scope(() => {
      const grads = gradHs.map((h) => (h === null ? null : wrap(h)));
      ctx._saved = savedHs.map((h) => (h === null ? null : wrap(h)));
      try {
        const r = cls.backward(ctx, ...grads);
        const arr = Array.isArray(r) ? r : [r];
        return arr.map((g, i) => {
          if (g === null || g === undefined) return null;
          if (!(g instanceof Tensor)) throw new Error(`tstorch: ${cls.name}.backward returned ${typeof g} at position ${i}, expected a Tensor or null`);
          return ag.autogradNewHandle(g._h);
        });
      } finally {
        ctx._saved = null;
      }
    });
}
