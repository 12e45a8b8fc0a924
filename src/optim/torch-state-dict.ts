// Every first-order optimiser's state dict in PyTorch's layout: what `opt.state_dict()` of the
// same torch.optim class of the linked version is, and what tstorch's torch.load gives for a file
// PyTorch saved it to:
//   { state: { 0: { step, exp_avg, ... }, ... }, param_groups: [{ lr, betas, ..., params: [0, 1] }] }
// One table below says, per optimiser and version, the group keys in PyTorch's order and how
// `step` is stored; the rest is generic: tstorch's camelCased group keys are PyTorch's snake_cased
// ones, and its per-parameter state already uses PyTorch's names. LBFGS has its own layout
// (lbfgs-state-dict.ts): its state is one dict for all parameters.
import { noGrad } from "../core/autograd.js";
import { full } from "../core/creation.js";
import { persist } from "../core/scope.js";
import { sameShape } from "../core/shape.js";
import { isFloatingDType } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import { torchAtLeast, torchVersion } from "../core/runtime.js";
import type { Optimizer, ParamState } from "./optimizer.js";

/** PyTorch's `optimizer.state_dict()`: per-parameter state keyed by the parameter's index across all groups. */
export interface TorchStateDict {
  /** Tensors, numbers and None (SGD's momentum_buffer); LBFGS's state has lists of them too. */
  state: Map<number, Record<string, TorchValue | TorchValue[] | undefined>>;
  /** PyTorch's keys (snake_case); betas, etas and step_sizes are [a, b] (PyTorch's tuples; saved as lists, which PyTorch reads alike). */
  param_groups: ({ params: number[] } & Record<string, unknown>)[];
}

type TorchValue = Tensor | number | null;

/** How PyTorch stores `step`: a 0-d float32 tensor, a Python int, or not at all (SGD). */
type StepKind = "tensor" | "int" | "none";
interface Spec {
  /** The group keys of PyTorch 1.13 and of PyTorch 2, in PyTorch's order (params comes last). */
  keys1: string;
  keys2: string;
  /** From PyTorch 2.7 on, where it differs from keys2 (Adam and AdamW gained decoupled_weight_decay: AdamW became an Adam). */
  keys27?: string;
  step1: StepKind;
  step2: StepKind;
  /** Values of keys tstorch's groups lack, where they differ from TORCH_DEFAULTS (AdamW's decoupled_weight_decay). */
  fixed?: Record<string, unknown>;
  /** tstorch-only state entries (capturable Adam's running beta powers, rebuilt from step). */
  tsOnly?: string[];
}

// 1.13: read from /usr/lib/python3/dist-packages/torch/optim/*.py and checked against its
// state_dict() (test/optim-torch-state-dict.test.ts). 2: checked against 2.14.1's state_dict() (the
// same test in the forky root of scripts/matrix.sh); versions between 2.0 and 2.13 are taken to
// have 2.14's keys but for Adam's decoupled_weight_decay (2.7). A key another 2.x lacks or adds is
// set by its load_state_dict (__setstate__'s setdefault), and loading here takes whatever keys a
// file has.
const ADAM1 = "lr betas eps weight_decay amsgrad maximize foreach capturable differentiable fused";
const ADAM27 = `${ADAM1} decoupled_weight_decay`;
const SPECS: Record<string, Spec> = {
  SGD: { keys1: "lr momentum dampening weight_decay nesterov maximize foreach differentiable", keys2: "lr momentum dampening weight_decay nesterov maximize foreach differentiable fused", step1: "none", step2: "none" },
  Adam: { keys1: ADAM1, keys2: ADAM1, keys27: ADAM27, step1: "tensor", step2: "tensor", tsOnly: ["beta1_power", "beta2_power"] },
  AdamW: {
    keys1: "lr betas eps weight_decay amsgrad foreach maximize capturable", keys2: "lr betas eps weight_decay amsgrad foreach maximize capturable differentiable fused", keys27: ADAM27,
    step1: "tensor", step2: "tensor", tsOnly: ["beta1_power", "beta2_power"], fixed: { decoupled_weight_decay: true },
  },
  Adamax: { keys1: "lr betas eps weight_decay foreach maximize", keys2: "lr betas eps weight_decay foreach maximize differentiable capturable", step1: "tensor", step2: "tensor" },
  Adagrad: { keys1: "lr lr_decay eps weight_decay initial_accumulator_value foreach maximize", keys2: "lr lr_decay eps weight_decay initial_accumulator_value foreach maximize differentiable fused", step1: "tensor", step2: "tensor" },
  Adadelta: { keys1: "lr rho eps weight_decay maximize foreach", keys2: "lr rho eps weight_decay maximize capturable foreach differentiable", step1: "int", step2: "tensor" },
  ASGD: { keys1: "lr lambd alpha t0 weight_decay foreach maximize", keys2: "lr lambd alpha t0 weight_decay foreach maximize differentiable capturable", step1: "tensor", step2: "tensor" },
  NAdam: { keys1: "lr betas eps weight_decay momentum_decay foreach", keys2: "lr betas eps weight_decay momentum_decay decoupled_weight_decay maximize foreach capturable differentiable", step1: "tensor", step2: "tensor" },
  RAdam: { keys1: "lr betas eps weight_decay foreach", keys2: "lr betas eps weight_decay maximize foreach capturable decoupled_weight_decay differentiable", step1: "tensor", step2: "tensor" },
  RMSprop: { keys1: "lr momentum alpha eps centered weight_decay foreach maximize differentiable", keys2: "lr momentum alpha eps centered weight_decay capturable foreach maximize differentiable", step1: "int", step2: "tensor" },
  Rprop: { keys1: "lr etas step_sizes foreach maximize", keys2: "lr etas step_sizes foreach maximize differentiable capturable", step1: "int", step2: "tensor" },
  SparseAdam: { keys1: "lr betas eps maximize", keys2: "lr betas eps maximize", step1: "int", step2: "int" },
};
/** tstorch optimisers PyTorch added later: [major, minor] of the first version that has them. */
const LATER: Record<string, [number, number]> = { Adafactor: [2, 5], Muon: [2, 9] };

/** PyTorch's values for the keys tstorch's groups lack or keep otherwise (foreach: tstorch picks its own default form, same results). */
const TORCH_DEFAULTS: Record<string, unknown> = { foreach: null, differentiable: false, capturable: false, maximize: false, decoupled_weight_decay: false };
/** fused: False in 1.13's Adam, None (pick per device) in 2. */
const torchDefault = (py: string): unknown => (py === "fused" ? (torchVersion()[0] >= 2 ? null : false) : TORCH_DEFAULTS[py]);

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The table entry of opt's class or the nearest base class that has one; a clear error for the rest. */
function specOf(opt: Optimizer): { name: string; keys: string[]; step: StepKind; tsOnly: string[]; fixed: Record<string, unknown> } {
  for (let c = Object.getPrototypeOf(opt); c !== null && c.constructor !== Object; c = Object.getPrototypeOf(c)) {
    const name = (c.constructor as { name: string }).name;
    const s = SPECS[name];
    if (s !== undefined) {
      const v2 = torchVersion()[0] >= 2;
      const keys = !v2 ? s.keys1 : torchAtLeast(2, 7) && s.keys27 !== undefined ? s.keys27 : s.keys2;
      return { name, keys: keys.split(" "), step: v2 ? s.step2 : s.step1, tsOnly: s.tsOnly ?? [], fixed: s.fixed ?? {} };
    }
    const since = LATER[name];
    if (since !== undefined) {
      const v = torchVersion().join(".");
      throw new Error(
        torchAtLeast(...since)
          ? `tstorch: ${name} has no PyTorch layout yet: its state is not mapped to torch.optim.${name}'s (use stateDict())`
          : `tstorch: ${name} has no PyTorch layout: the linked PyTorch ${v} has no torch.optim.${name} (added in ${since.join(".")}; use stateDict())`,
      );
    }
  }
  throw new Error(`tstorch: ${opt.constructor.name} has no PyTorch layout (not a torch.optim optimiser; use stateDict())`);
}

/** `opt.state_dict()` as PyTorch's optimiser of the linked version returns it. Tensors are new handles (dispose them or use a torch.scope). */
export function toTorchStateDict(opt: Optimizer): TorchStateDict {
  const spec = specOf(opt);
  const defaults = opt.defaults as Record<string, unknown>;
  const out: TorchStateDict = { state: new Map(), param_groups: [] };
  let index = 0;
  noGrad(() => {
    for (const g of opt.paramGroups) {
      const group: Record<string, unknown> = {};
      const hyper = g as Record<string, unknown>;
      for (const py of spec.keys) {
        const v = py === "foreach" ? null : (hyper[camel(py)] ?? (py in spec.fixed ? spec.fixed[py] : torchDefault(py)));
        group[py] = Array.isArray(v) ? [...v] : v;
      }
      // keys this version lacks (NAdam's maximize in 1.13) only where set otherwise than PyTorch would; scheduler keys (initialLr) always
      for (const [k, v] of Object.entries(hyper)) {
        const py = snake(k);
        if (k === "params" || py in group || (k in defaults && (TORCH_DEFAULTS[py] === v || py === "foreach"))) continue;
        group[py] = Array.isArray(v) ? [...v] : v;
      }
      const ids: number[] = [];
      for (const p of g.params) {
        const s = opt.state.get(p);
        // a capturable group's step lives on its parameter's device (PyTorch asserts it; load_state_dict leaves step where it is)
        const device = hyper.capturable === true ? p.device : undefined;
        if (s !== undefined && Object.keys(s).length > 0) out.state.set(index, torchParamState(s, spec.step, spec.tsOnly, device));
        ids.push(index++);
      }
      out.param_groups.push({ ...group, params: ids });
    }
  });
  return out;
}

function torchParamState(s: ParamState, step: StepKind, tsOnly: string[], device: Tensor["device"] | undefined): Record<string, TorchValue> {
  const o: Record<string, TorchValue> = {};
  for (const [k, v] of Object.entries(s)) {
    if (tsOnly.includes(k)) continue;
    if (k === "step" && typeof v === "number") {
      if (step === "tensor") o.step = full([], v, { dtype: "float32", device });
      else if (step === "int") o.step = v;
    } else o[k] = v instanceof Tensor ? v.detach() : v;
  }
  return o;
}

/** Whether `sd` is in PyTorch's layout (as torch.load gives it: a Map, or a plain object) rather than tstorch's { state, meta }. */
export function isTorchLayout(sd: unknown): sd is TorchStateDict | Map<string, unknown> {
  if (sd instanceof Map) return sd.has("param_groups");
  return typeof sd === "object" && sd !== null && "param_groups" in sd;
}

/** o[key] of a dict as torch.load gives it (a Map, its int keys numbers) or as a plain object. */
export function field(o: unknown, key: string | number): unknown {
  if (o instanceof Map) return o.has(key) ? o.get(key) : o.get(String(key));
  if (typeof o === "object" && o !== null) return (o as Record<string, unknown>)[key];
  return undefined;
}
function entries(o: unknown): [string | number, unknown][] {
  if (o instanceof Map) return [...o.entries()];
  return Object.entries(o as object);
}

/**
 * PyTorch's `load_state_dict`: the groups' hyper-parameters replaced by the saved ones and the state
 * by a copy of the saved state, each tensor but step cast to its parameter's dtype and device (as
 * PyTorch does: a float32 0-d mu_product or eta becomes a float64 one beside float64 parameters).
 */
export function loadTorchStateDict(opt: Optimizer, sd: unknown): void {
  const { name } = specOf(opt);
  const bad = (why: string): never => {
    throw new Error(`tstorch: not a ${name} state dict in PyTorch's layout (${why})`);
  };
  const groups = field(sd, "param_groups");
  if (!Array.isArray(groups)) return bad("param_groups is not a list");
  if (groups.length !== opt.paramGroups.length) {
    throw new Error(`tstorch: loaded state dict has a different number of parameter groups (${groups.length}, this optimizer has ${opt.paramGroups.length})`);
  }
  const byId = new Map<number, Tensor>();
  groups.forEach((sg: unknown, gi) => {
    const ids = field(sg, "params");
    const mine = opt.paramGroups[gi].params;
    if (!Array.isArray(ids) || ids.length !== mine.length) throw new Error("tstorch: loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    // PyTorch >= 2.7: AdamW is an Adam with decoupled_weight_decay on; tstorch keeps the two classes
    const decoupled = field(sg, "decoupled_weight_decay");
    if ((name === "Adam" || name === "AdamW") && typeof decoupled === "boolean" && decoupled !== (name === "AdamW")) {
      const want = decoupled ? "AdamW" : "Adam";
      throw new Error(`tstorch: this state dict is ${want}'s (decoupled_weight_decay=${decoupled ? "True" : "False"}): load it into optim.${want}`);
    }
    ids.forEach((id: unknown, i) => byId.set(Number(id), mine[i]));
  });
  const st = field(sd, "state") ?? new Map();
  if (typeof st !== "object" || st === null) bad("state is not a dict");
  const fresh = new Map<Tensor, ParamState>();
  noGrad(() => {
    try {
      for (const [id, ps] of entries(st)) {
        const p = byId.get(Number(id));
        if (p === undefined) bad(`state for parameter ${id}, which no group holds`);
        const s: ParamState = {};
        fresh.set(p!, s);
        for (const [k, v] of entries(ps)) {
          const key = String(k);
          if (v === null || v === undefined) continue; // SGD's momentum_buffer None: no buffer yet
          if (key === "step") {
            if (typeof v === "number" || typeof v === "bigint") s.step = Number(v);
            else if (v instanceof Tensor && v.numel() === 1) s.step = Number(v.item());
            else bad("step is neither a number nor a 0-d tensor");
            continue;
          }
          if (!(v instanceof Tensor)) bad(`${key} of parameter ${id} is not a tensor`);
          const t = v as Tensor;
          if (t.dim() > 0 && !sameShape(t.shape, p!.shape)) throw new Error(`tstorch: optimizer state "${id}.${key}" has shape [${t.shape}], its parameter has [${p!.shape}]`);
          const dtype = isFloatingDType(p!.dtype) && isFloatingDType(t.dtype) ? p!.dtype : t.dtype;
          s[key] = persist(t.to({ device: p!.device, dtype, copy: true }));
        }
      }
    } catch (e) {
      for (const s of fresh.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
      throw e;
    }
  });
  groups.forEach((sg: unknown, gi) => {
    const g = opt.paramGroups[gi] as Record<string, unknown>;
    for (const [k, v] of entries(sg)) {
      const ts = camel(String(k));
      // None (foreach, fused) keeps tstorch's own choice; differentiable and fused have no tstorch form
      if (ts === "params" || v === null || ts === "differentiable" || ts === "fused") continue;
      if (ts === "decoupledWeightDecay" && (name === "Adam" || name === "AdamW")) continue; // checked above
      g[ts] = Array.isArray(v) ? [...v] : v;
    }
  });
  opt.disposeState();
  for (const [p, s] of fresh) if (Object.keys(s).length > 0) opt.state.set(p, s);
}
