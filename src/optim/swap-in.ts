// optim.swap_in_optimizer_params_and_state (PyTorch 2.14's torch/optim/_stateless.py): for the
// duration of a callback, an optimiser works on other parameter tensors and another state (a
// stateDict()-shaped object), then gets its own back. Unlike loadStateDict, the parameters are
// swapped too, so step() updates the tensors given. As in PyTorch, in-place edits of the supplied
// state tensors are what propagates back (the per-parameter state objects are shallow copies, so a
// state tensor replaced during the callback stays local); tstorch keeps `step` as a number, so the
// new count is written back into the supplied dict (meta.state and its "<i>.step" tensor), which is
// what PyTorch's in-place `step` tensor gives.
import { noGrad } from "../core/autograd.js";
import { Tensor } from "../core/tensor.js";
import type { Optimizer, ParamGroup, ParamState } from "./optimizer.js";

/** What swapInOptimizerParamsAndState installs: an optimizer.stateDict()-shaped object. */
export interface SwapInOptimState {
  /** "<id>.<name>" → tensor (used as is: in-place updates reach these tensors). */
  state: Map<string, Tensor> | Record<string, Tensor>;
  meta: { paramGroups: Record<string, unknown>[]; state?: Record<string, Record<string, number>> };
}

const NAME = "swapInOptimizerParamsAndState";

interface GroupSwap {
  live: ParamGroup;
  swapin: Record<string, unknown>;
  params: Tensor[];
}

/** PyTorch's _prepare_swap_in: the same checks, in the same order, with the same messages. */
function prepare(optimizer: Optimizer, parameters: Tensor[], osd: SwapInOptimState): { byId: Map<number, ParamState>; groups: GroupSwap[] } {
  if (optimizer.state.size === 0) throw new Error(`tstorch: ${NAME} requires initialized optimizer state.`);
  if (typeof osd !== "object" || osd === null || typeof osd.meta !== "object" || osd.meta === null) {
    throw new Error(`tstorch: ${NAME} requires an optimizer.stateDict()-style object ({ state, meta }).`);
  }
  const groups = osd.meta.paramGroups;
  if (!Array.isArray(groups)) throw new Error(`tstorch: ${NAME} requires swapinOptimState.meta.paramGroups to be a list of param-group objects.`);
  if (groups.length !== optimizer.paramGroups.length) throw new Error("tstorch: swapinOptimState has a different number of parameter groups than the live optimizer.");

  // per-parameter state by packed id: the scalars of meta.state, then the tensors "<id>.<name>"
  const byId = new Map<number, ParamState>();
  const get = (id: number): ParamState => {
    let s = byId.get(id);
    if (s === undefined) byId.set(id, (s = {}));
    return s;
  };
  for (const [id, scalars] of Object.entries(osd.meta.state ?? {})) {
    if (!/^\d+$/.test(id) || typeof scalars !== "object" || scalars === null) throw new Error(`tstorch: ${NAME} requires per-parameter optimizer state entries to be objects keyed by packed parameter ids.`);
    Object.assign(get(Number(id)), scalars);
  }
  const tensors = osd.state instanceof Map ? osd.state : new Map(Object.entries(osd.state ?? {}));
  for (const [key, t] of tensors) {
    const m = /^(\d+)\.(.+)$/.exec(key);
    if (m === null || !(t instanceof Tensor)) throw new Error(`tstorch: ${NAME} requires optimizer.stateDict()-style state keyed by packed parameter ids ("<id>.<name>"), got "${key}".`);
    if (m[2] === "step") continue; // the count lives in meta.state as a number (tstorch's step)
    get(Number(m[1]))[m[2]] = t;
  }

  const seen = new Set<number>();
  const out: GroupSwap[] = [];
  let offset = 0;
  groups.forEach((swapin, idx) => {
    const live = optimizer.paramGroups[idx];
    if (typeof swapin !== "object" || swapin === null) throw new Error(`tstorch: ${NAME} requires each optimizer param group to be an object.`);
    const ids = swapin.params;
    if (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i))) {
      throw new Error(`tstorch: ${NAME} requires optimizer.stateDict()-style paramGroups[*].params entries keyed by packed parameter ids.`);
    }
    if (live.params.length !== ids.length) throw new Error(`tstorch: swapinOptimState param group ${idx} has a different number of params than the live optimizer param group.`);
    const swapinOnly = Object.keys(swapin).filter((k) => !(k in live));
    const liveOnly = Object.keys(live).filter((k) => !(k in swapin));
    if (swapinOnly.length > 0 || liveOnly.length > 0) {
      throw new Error(`tstorch: ${NAME} requires optimizer.stateDict()-style param group keys to exactly match the live optimizer group keys for group ${idx}. Keys only in swap-in: [${swapinOnly.join(", ")}]. Keys only in live: [${liveOnly.join(", ")}].`);
    }
    for (const i of ids as number[]) seen.add(i);
    const next = offset + ids.length;
    if (next > parameters.length) throw new Error(`tstorch: ${NAME} requires the explicit parameter state to match optimizer.paramGroups ordering.`);
    out.push({ live, swapin, params: parameters.slice(offset, next) });
    offset = next;
  });
  const extra = [...byId.keys()].filter((k) => !seen.has(k));
  if (extra.length > 0) throw new Error(`tstorch: ${NAME} requires swapinOptimState's state to be keyed only by packed parameter ids from paramGroups[*].params; got extra keys [${extra.join(", ")}].`);
  return { byId, groups: out };
}

/**
 * Runs `fn` with `optimizer` working on `swapinParameters` (in the order of the optimiser's
 * parameters: an array, or a name → tensor map such as `model.namedParameters()`) and the state
 * `swapinOptimState` (an `optimizer.stateDict()`-shaped object), then restores the optimiser's own
 * parameters, hyper-parameters and state, also when `fn` throws or its promise rejects. Returns
 * what `fn` returns.
 */
export function swapInOptimizerParamsAndState<R>(
  optimizer: Optimizer,
  swapinParameters: readonly Tensor[] | Map<string, Tensor> | Record<string, Tensor>,
  swapinOptimState: SwapInOptimState,
  fn: () => R,
): R {
  const params = Array.isArray(swapinParameters) ? [...swapinParameters] : swapinParameters instanceof Map ? [...swapinParameters.values()] : Object.values(swapinParameters);
  const { byId, groups } = prepare(optimizer, params as Tensor[], swapinOptimState);

  const holder = optimizer as unknown as { state: Map<Tensor, ParamState> };
  const originalState = holder.state;
  const snapshots = optimizer.paramGroups.map((g) => ({ ...g }));
  const swapped = new Map<Tensor, ParamState>(); // a plain map: the supplied tensors stay the caller's
  const idOf = new Map<Tensor, number>();
  for (const g of groups) {
    g.live.params = g.params;
    for (const [k, v] of Object.entries(g.swapin)) if (k !== "params") (g.live as Record<string, unknown>)[k] = v;
    (g.swapin.params as number[]).forEach((id, i) => {
      swapped.set(g.params[i], { ...(byId.get(id) ?? {}) });
      idOf.set(g.params[i], id);
    });
  }
  holder.state = swapped;

  const restore = (): void => {
    // the step count (a number here, an in-place tensor in PyTorch) goes back into the supplied dict
    const metaState = (swapinOptimState.meta.state ??= {});
    const tensors = swapinOptimState.state instanceof Map ? swapinOptimState.state : new Map(Object.entries(swapinOptimState.state ?? {}));
    for (const [p, s] of swapped) {
      const id = idOf.get(p)!;
      if (typeof s.step !== "number") continue;
      (metaState[String(id)] ??= {}).step = s.step;
      const st = tensors.get(`${id}.step`);
      if (st !== undefined) noGrad(() => st.fill_(s.step as number));
    }
    optimizer.paramGroups.forEach((g, i) => {
      for (const k of Object.keys(g)) delete (g as Record<string, unknown>)[k];
      Object.assign(g, snapshots[i]);
    });
    holder.state = originalState;
  };

  let result: R;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as R;
  restore();
  return result;
}
