// What every optimiser's constructor and step share, written once: PyTorch's positional
// arguments merged with the options object over the optimiser's defaults, PyTorch's range checks
// with its messages, and the per-group gathering of the parameters that have a gradient (what
// PyTorch's step() does before it calls _single_tensor_<name> or _multi_tensor_<name>).
import { noGrad } from "../core/autograd.js";
import { pyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";
import { isSparse, type ParamGroup } from "./optimizer.js";

/**
 * An optimiser's group defaults: `defaults` with what the caller gave (PyTorch's positional
 * arguments, named by `positional`, then the options object) in their place. Pairs such as betas are
 * copied, so a group never shares the caller's array.
 */
export function optimizerDefaults<D extends { lr: number }>(what: string, positional: readonly (keyof D & string)[], args: readonly unknown[], defaults: D): D {
  const given = pyArgs<Partial<D>>(what, positional, args);
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(defaults)) {
    const v = (given as Record<string, unknown>)[k] ?? d;
    out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return out as D;
}

/** PyTorch's `if not 0.0 <= x: raise ValueError("Invalid <label> value: x")` for each key, in order. */
export function checkAtLeastZero(g: object, labels: Record<string, string>): void {
  for (const [key, label] of Object.entries(labels)) {
    const v = (g as Record<string, number>)[key];
    if (!(v >= 0)) throw new Error(`tstorch: invalid ${label} value: ${v}`);
  }
}

/**
 * Calls update(group, params, grads) for every group that has parameters with a gradient (those
 * and their gradients, in the group's order), under noGrad, the step's temporaries in one
 * torch.scope. `sparse` names the optimiser in the error a sparse gradient gets (PyTorch's "X does
 * not support sparse gradients"); null lets them through.
 */
export function forEachGroupWithGrads<G extends ParamGroup>(
  groups: readonly G[], sparse: string | null, update: (g: G, params: Tensor[], grads: Tensor[]) => void,
): void {
  noGrad(() =>
    scope(() => {
      for (const g of groups) {
        const params: Tensor[] = [];
        const grads: Tensor[] = [];
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          if (sparse !== null && isSparse(grad)) throw new Error(`tstorch: ${sparse} does not support sparse gradients`);
          params.push(p);
          grads.push(grad);
        }
        if (params.length > 0) update(g, params, grads);
      }
    }),
  );
}

/** Runs update(i) for each parameter index in its own torch.scope (a single-tensor form frees each parameter's temporaries before the next). */
export function eachParam(params: readonly Tensor[], update: (i: number) => void): void {
  params.forEach((_, i) => scope(() => update(i)));
}
