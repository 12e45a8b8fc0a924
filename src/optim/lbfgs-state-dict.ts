// LBFGS's state dict in PyTorch's layout: what `opt.state_dict()` of torch.optim.LBFGS is, and what
// tstorch's torch.load gives for a file PyTorch saved it to:
//   { state: { 0: { func_evals, n_iter, d, t, old_dirs: [..], old_stps: [..], ro: [..], H_diag,
//                   prev_flat_grad, prev_loss, al: [.. | None] } },
//     param_groups: [{ lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size,
//                      line_search_fn, params: [0, 1, ..] }] }
// The scalars t, H_diag, ro[i], al[i] are Python floats or 0-d tensors, as the algorithm left them
// (PyNum keeps which); both are written back as they were, so that a resumed run is PyTorch's.
import { full } from "../core/creation.js";
import { noGrad } from "../core/autograd.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { torchVersion } from "../core/runtime.js";
import { PyNum } from "./lbfgs-line-search.js";
import { field } from "./torch-state-dict.js";

/** tstorch's LBFGS state (PyTorch's self.state[params[0]], camelCased). */
export interface LBFGSState {
  funcEvals: number;
  nIter: number;
  d?: Tensor;
  t?: PyNum;
  oldDirs?: Tensor[];
  oldStps?: Tensor[];
  ro?: PyNum[];
  hDiag?: PyNum;
  prevFlatGrad?: Tensor;
  prevLoss?: number;
  al?: (PyNum | null)[];
}

/** A float or a 0-d tensor, as PyTorch holds LBFGS's scalars. */
export type TorchScalar = number | Tensor;

/** PyTorch's `state_dict()["state"][0]` of LBFGS. */
export type LBFGSTorchParamState = {
  func_evals: number;
  n_iter: number;
  d?: Tensor;
  t?: TorchScalar;
  old_dirs?: Tensor[];
  old_stps?: Tensor[];
  ro?: TorchScalar[];
  H_diag?: TorchScalar;
  prev_flat_grad?: Tensor;
  prev_loss?: number;
  al?: (TorchScalar | null)[];
};

/** PyTorch's `state_dict()["param_groups"][0]` of LBFGS (maximize: PyTorch 2's key; with 1.13 only where tstorch's group sets it). */
export type LBFGSTorchGroup = {
  lr: number;
  max_iter: number;
  max_eval: number;
  tolerance_grad: number;
  tolerance_change: number;
  history_size: number;
  line_search_fn: "strong_wolfe" | null;
  maximize?: boolean;
  params: number[];
};

/** PyTorch's `LBFGS.state_dict()` (type aliases, not interfaces: they are Optimizer's TorchStateDict too): torch.save it, and PyTorch's `load_state_dict` takes it. The state key is the int 0. */
export type LBFGSTorchStateDict = {
  state: Map<number, LBFGSTorchParamState>;
  param_groups: LBFGSTorchGroup[];
};

/** The hyper-parameters of an LBFGS group, tstorch's names. */
export interface LBFGSHyper {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: "strong_wolfe" | null;
  maximize: boolean;
}

const GROUP_NAMES: [keyof LBFGSHyper, string][] = [
  ["lr", "lr"], ["maxIter", "max_iter"], ["maxEval", "max_eval"], ["toleranceGrad", "tolerance_grad"],
  ["toleranceChange", "tolerance_change"], ["historySize", "history_size"], ["lineSearchFn", "line_search_fn"],
];

/** The state and group in PyTorch's layout; tensors are new handles (0-d ones on `like`'s device and dtype). */
export function toTorchLayout(s: LBFGSState, g: LBFGSHyper, nParams: number, like: Tensor): LBFGSTorchStateDict {
  const group = { params: Array.from({ length: nParams }, (_, i) => i) } as unknown as LBFGSTorchGroup;
  const gr = group as unknown as Record<string, unknown>;
  for (const [ts, py] of GROUP_NAMES) gr[py] = g[ts];
  // PyTorch 2's LBFGS groups have maximize (1.13's do not): the linked version's keys
  if (g.maximize || torchVersion()[0] >= 2) group.maximize = g.maximize;
  // PyTorch's group dict lists params last
  const { params, ...rest } = group;
  const groupOut = { ...rest, params } as LBFGSTorchGroup;
  const state = new Map<number, LBFGSTorchParamState>();
  if (s.funcEvals === 0 && s.nIter === 0 && s.d === undefined) return { state, param_groups: [groupOut] };
  const scalar = (v: PyNum): TorchScalar => (v.tensor ? full([], v.v, { dtype: like.dtype, device: like.device }) : v.v);
  const o: LBFGSTorchParamState = { func_evals: s.funcEvals, n_iter: s.nIter };
  noGrad(() => {
    if (s.al !== undefined) o.al = s.al.map((v) => (v === null ? null : scalar(v)));
    if (s.d !== undefined) o.d = s.d.detach();
    if (s.t !== undefined) o.t = scalar(s.t);
    if (s.oldDirs !== undefined) o.old_dirs = s.oldDirs.map((t) => t.detach());
    if (s.oldStps !== undefined) o.old_stps = s.oldStps.map((t) => t.detach());
    if (s.ro !== undefined) o.ro = s.ro.map(scalar);
    if (s.hDiag !== undefined) o.H_diag = scalar(s.hDiag);
    if (s.prevFlatGrad !== undefined) o.prev_flat_grad = s.prevFlatGrad.detach();
    if (s.prevLoss !== undefined) o.prev_loss = s.prevLoss;
  });
  state.set(0, o);
  return { state, param_groups: [groupOut] };
}

/**
 * Reads PyTorch's layout: the group's hyper-parameters (tstorch's names) and the state, its tensors
 * copied onto `like`'s device and dtype and persisted. Checks what PyTorch's load_state_dict checks.
 */
export function fromTorchLayout(sd: unknown, nParams: number, like: Tensor): { hyper: Partial<LBFGSHyper>; state: LBFGSState } {
  const bad = (why: string): never => {
    throw new Error(`tstorch: not an LBFGS state dict in PyTorch's layout (${why})`);
  };
  const groups = field(sd, "param_groups");
  if (!Array.isArray(groups)) return bad("param_groups is not a list");
  if (groups.length !== 1) throw new Error(`tstorch: loaded state dict has ${groups.length} parameter groups, this optimizer has 1`);
  const g: unknown = groups[0];
  const ids = field(g, "params");
  if (!Array.isArray(ids) || ids.length !== nParams) {
    throw new Error("tstorch: loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  }
  const hyper: Partial<LBFGSHyper> = {};
  for (const [ts, py] of GROUP_NAMES) {
    const v = field(g, py);
    if (v !== undefined) (hyper as Record<string, unknown>)[ts] = v;
  }
  const max = field(g, "maximize");
  if (typeof max === "boolean") hyper.maximize = max;
  const st = field(sd, "state");
  if (typeof st !== "object" || st === null) bad("state is not a dict");
  const p0 = field(st, ids[0] as number);
  const state: LBFGSState = { funcEvals: 0, nIter: 0 };
  if (p0 === undefined) return { hyper, state };
  const made: Tensor[] = [];
  const tensor = (v: unknown, name: string): Tensor => {
    if (!(v instanceof Tensor)) bad(`${name} is not a tensor`);
    const c = persist(noGrad(() => (v as Tensor).to({ device: like.device, dtype: like.dtype, copy: true })));
    made.push(c);
    return c;
  };
  const scalar = (v: unknown, name: string): PyNum => {
    if (typeof v === "number") return new PyNum(v, false);
    if (v instanceof Tensor && v.dim() === 0) {
      const x = Number(v.item());
      return new PyNum(like.dtype === "float32" ? Math.fround(x) : x, true);
    }
    return bad(`${name} is neither a float nor a 0-d tensor`);
  };
  const list = <T>(name: string, f: (v: unknown, n: string) => T): T[] | undefined => {
    const v = field(p0, name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) bad(`${name} is not a list`);
    return (v as unknown[]).map((e, i) => f(e, `${name}[${i}]`));
  };
  try {
    const num = (name: string): number | undefined => {
      const v = field(p0, name);
      if (v === undefined) return undefined;
      if (typeof v === "number") return v;
      if (v instanceof Tensor && v.dim() === 0) return Number(v.item());
      return bad(`${name} is not a number`);
    };
    state.funcEvals = num("func_evals") ?? 0;
    state.nIter = num("n_iter") ?? 0;
    const opt = <T>(name: string, f: (v: unknown, n: string) => T): T | undefined => {
      const v = field(p0, name);
      return v === undefined ? undefined : f(v, name);
    };
    state.d = opt("d", tensor);
    state.t = opt("t", scalar);
    state.oldDirs = list("old_dirs", tensor);
    state.oldStps = list("old_stps", tensor);
    state.ro = list("ro", scalar);
    state.hDiag = opt("H_diag", scalar);
    state.prevFlatGrad = opt("prev_flat_grad", tensor);
    state.prevLoss = num("prev_loss");
    state.al = list("al", (v, n) => (v === null || v === undefined ? null : scalar(v, n)));
    if ((state.oldDirs?.length ?? 0) !== (state.oldStps?.length ?? 0) || (state.ro !== undefined && state.ro.length !== state.oldDirs?.length)) {
      bad("old_dirs, old_stps and ro differ in length");
    }
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  for (const k of Object.keys(state) as (keyof LBFGSState)[]) if (state[k] === undefined) delete state[k];
  return { hyper, state };
}
