// Optimizer.state owns its tensors: a tensor stored in a parameter's state (`state.exp_avg = t`)
// is made long-lived at once, so that an optimiser written by a user, whose step() runs inside a
// torch.scope (Optimizer.eachGrad, or the training loop's), keeps its state across steps without a
// torch.persist the user must know to add. A state tensor replaced by another is freed (the state
// owned it); the built-in optimisers, which persist their state themselves, are unaffected.
import { isPersistent, persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import type { ParamState } from "./optimizer.js";

const OWNED = Symbol("tstorch.ownedParamState");

function own(v: unknown): void {
  if (v instanceof Tensor && !isPersistent(v)) persist(v);
}

/** `s` as a state object that persists every tensor stored in it (the same object if it already is one). */
export function ownedState(s: ParamState): ParamState {
  if ((s as { [OWNED]?: boolean })[OWNED] === true) return s;
  for (const v of Object.values(s)) own(v);
  return new Proxy(s, {
    get(target, key, receiver) {
      if (key === OWNED) return true;
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      const old = Reflect.get(target, key, receiver) as unknown;
      own(value);
      const ok = Reflect.set(target, key, value, receiver);
      if (old instanceof Tensor && old !== value && !Object.values(target).includes(old)) old.dispose();
      return ok;
    },
    deleteProperty(target, key) {
      const old = Reflect.get(target, key) as unknown;
      const ok = Reflect.deleteProperty(target, key);
      if (old instanceof Tensor && !Object.values(target).includes(old)) old.dispose();
      return ok;
    },
  });
}

/** Optimizer.state: per-parameter state objects, each owning its tensors (see ownedState). */
export class ParamStateMap extends Map<Tensor, ParamState> {
  override set(p: Tensor, s: ParamState): this {
    return super.set(p, ownedState(s));
  }
}
