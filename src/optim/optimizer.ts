// The Optimizer base: parameter groups with their hyper-parameters, per-parameter state, and a
// checkpointable state dict laid out like PyTorch's (state keyed by the parameter's position across
// all groups: "0.exp_avg", "3.momentum_buffer", ...).
import { enableGrad, noGrad } from "../core/autograd.js";
import { full } from "../core/creation.js";
import { native } from "../core/native.js";
import { persist, scope } from "../core/scope.js";
import { sameShape } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { ParamStateMap } from "./param-state.js";
import { isTorchLayout, loadTorchStateDict, toTorchStateDict, type TorchStateDict } from "./torch-state-dict.js";

/** A parameter group: its tensors and hyper-parameters (camelCased PyTorch keys; schedulers add initialLr, maxLr, ...). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [key: string]: unknown;
}

/** Per-parameter state: tensors (exp_avg, momentum_buffer, ...) and the step count, under PyTorch's names. */
export type ParamState = Record<string, Tensor | number | null>;

/** Tensors, one object with parameters() (a Module), or groups `{ params, ...hyperParameterOverrides }`. */
export type ParamsInput =
  | readonly Tensor[]
  | { parameters(): Tensor[] }
  | readonly ({ params: readonly Tensor[] | { parameters(): Tensor[] } } & Record<string, unknown>)[];

/** What step(closure) re-evaluates: the loss, after zeroing the gradients and calling backward(). */
export type Closure = () => Tensor | number;

/**
 * PyTorch's positional learning rate: `new optim.Adagrad(params, 0.1, { lrDecay })` and
 * `new optim.Adagrad(params, { lr: 0.1, lrDecay })` are the same.
 */
export function lrOptions<O extends { lr?: number }>(lr: number | O | undefined, opts: O | undefined): O {
  if (typeof lr === "number") {
    if (opts !== undefined && opts.lr !== undefined) throw new Error("tstorch: the learning rate is given twice (positionally and as { lr })");
    return { ...opts, lr } as O;
  }
  if (lr !== undefined && opts !== undefined) throw new Error("tstorch: give the options as one object (after the learning rate, or alone)");
  return (lr ?? opts ?? {}) as O;
}

/**
 * True for a sparse COO tensor (an embedding's sparse gradient). A dense tensor with elements has
 * storage; only then is aten::sparse_dim asked (it has no kernel for dense tensors in 1.13).
 */
export function isSparse(t: Tensor): boolean {
  if (native.numel(t._h) === 0 || native.storageBytes(t._h) !== 0) return false;
  try {
    return t.sparseDim() > 0;
  } catch {
    return false;
  }
}

export interface ZeroGradOptions {
  /** true (the default): drop the gradients; false: zero them in place (PyTorch's set_to_none). */
  setToNone?: boolean;
}

export interface OptimizerStateDict {
  /** "<index>.<name>" → tensor (detached handles sharing storage; "<index>.step" is a new 0-d float32 tensor, as PyTorch 1.13 stores it). */
  state: Map<string, Tensor>;
  /** JSON-serialisable: { type, paramGroups: [{ ...hyperParameters, params: [indices] }], state: { "<index>": { step } } }. */
  meta: OptimizerMeta;
}
export interface OptimizerMeta {
  type: string;
  paramGroups: Record<string, unknown>[];
  state: Record<string, Record<string, number>>;
}

function paramsOf(x: readonly Tensor[] | { parameters(): Tensor[] }): Tensor[] {
  return Array.isArray(x) ? [...(x as readonly Tensor[])] : (x as { parameters(): Tensor[] }).parameters();
}

export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  readonly paramGroups: G[] = [];
  /** Hyper-parameter defaults for groups that do not override them (what PyTorch's schedulers inspect). */
  readonly defaults: Omit<G, "params">;
  /**
   * Per-parameter state, keyed by the parameter object (Module.to keeps that identity). Tensors
   * stored in a state object outlive every torch.scope (the optimiser owns them; see param-state.ts).
   */
  readonly state: Map<Tensor, ParamState> = new ParamStateMap();

  protected constructor(params: ParamsInput, defaults: Omit<G, "params">) {
    this.defaults = defaults;
    let groups: ({ params: Tensor[] } & Record<string, unknown>)[];
    if (!Array.isArray(params)) groups = [{ params: paramsOf(params as { parameters(): Tensor[] }) }];
    else if (params.length > 0 && !(params[0] instanceof Tensor)) {
      groups = (params as readonly ({ params: readonly Tensor[] | { parameters(): Tensor[] } } & Record<string, unknown>)[]).map(
        (g) => ({ ...g, params: paramsOf(g.params) }),
      );
    } else groups = [{ params: [...(params as readonly Tensor[])] }];
    if (groups.length === 0 || groups.every((g) => g.params.length === 0)) throw new Error("tstorch: optimizer got an empty parameter list");
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group; missing hyper-parameters come from the defaults. A parameter may belong to one group only. */
  addParamGroup(group: { params: readonly Tensor[] } & Record<string, unknown>): void {
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of group.params) {
      if (!(p instanceof Tensor)) throw new Error("tstorch: optimizer can only optimize Tensors");
      if (seen.has(p)) throw new Error("tstorch: some parameters appear in more than one parameter group");
      seen.add(p);
    }
    const g = { ...structuredCloneHyper(this.defaults), ...group, params: [...group.params] } as unknown as G;
    this.validateGroup(g);
    this.paramGroups.push(g);
  }

  /** Throws on invalid hyper-parameters (subclasses check theirs). */
  protected validateGroup(g: G): void {
    if (!(g.lr >= 0)) throw new Error(`tstorch: invalid learning rate: ${g.lr}`);
  }

  /** One update of every parameter that has a gradient. */
  abstract step(closure?: Closure): unknown;

  /**
   * PyTorch's `with torch.enable_grad(): loss = closure()`: the closure's loss, or undefined
   * without one. A tensor loss belongs to the caller (or the enclosing torch.scope).
   */
  protected evalClosure(closure?: Closure): Tensor | number | undefined {
    if (closure === undefined) return undefined;
    if (typeof closure !== "function") throw new Error("tstorch: step(closure) takes a function that returns the loss");
    return enableGrad(closure);
  }

  /**
   * Clears every parameter's gradient. By default it sets it to none (PyTorch 2's default, and
   * tstorch's always): step() then skips the parameter. `{ setToNone: false }` zeroes the gradient
   * in place instead (PyTorch 1.13's default): step() still updates such a parameter, through
   * weight decay and momentum.
   */
  zeroGrad(opts: ZeroGradOptions = {}): void {
    const toNone = opts.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (toNone) {
          p.zeroGrad();
          continue;
        }
        const grad = p.grad;
        if (grad === null) continue;
        try {
          if (grad.gradFn === null) noGrad(() => grad.zero_());
          else {
            // a gradient with history (createGraph) is cut from it first, as PyTorch's detach_()
            const d = grad.detach();
            try {
              noGrad(() => d.zero_());
              p.grad = d;
            } finally {
              d.dispose();
            }
          }
        } finally {
          grad.dispose();
        }
      }
    }
  }

  /** tch's backward_step: zeroGrad(), loss.backward(), step(). */
  backwardStep(loss: Tensor): void {
    this.zeroGrad();
    loss.backward();
    this.step();
  }

  /**
   * @internal Calls update(p, grad, group) for every parameter with a gradient, under noGrad, the
   * temporaries of the whole step in one torch.scope. `sparse` names the optimiser in the error a
   * sparse gradient gets (as PyTorch's "X does not support sparse gradients"); null lets them through.
   */
  protected eachGrad(sparse: string | null, update: (p: Tensor, grad: Tensor, g: G) => void): void {
    noGrad(() =>
      scope(() => {
        for (const g of this.paramGroups) {
          for (const p of g.params) {
            const grad = p.grad;
            if (grad === null) continue;
            if (sparse !== null && isSparse(grad)) throw new Error(`tstorch: ${sparse} does not support sparse gradients`);
            update(p, grad, g);
          }
        }
      }),
    );
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  /** Sets the learning rate of every group (tch's set_lr). */
  set lr(v: number) {
    for (const g of this.paramGroups) g.lr = v;
  }

  /** @internal the state of p, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      this.state.set(p, {});
      s = this.state.get(p)!; // the stored (owning) state object
    }
    return s;
  }

  /**
   * @internal The state of p, created at its first step as PyTorch's optimisers do: step 0 and the
   * tensors init() makes (owned by the state). An existing state is returned unchanged.
   */
  protected lazyState(p: Tensor, init: () => Record<string, Tensor>): ParamState {
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      for (const [k, v] of Object.entries(init())) state[k] = persist(v);
    }
    return state;
  }

  /**
   * @internal Each parameter's state (made by `init` on its first step), counted one step on, as one
   * list per state key (`lists` maps a field name to a state key: `{ expAvgs: "exp_avg" }`), with the
   * step counts: what step() hands its single-tensor or multi-tensor function.
   */
  protected gatherStates<F extends string>(
    params: Tensor[], lists: Record<F, string>, init: (p: Tensor, i: number) => Record<string, Tensor>,
  ): Record<F, Tensor[]> & { steps: number[] } {
    const fields = Object.keys(lists) as F[];
    const out = { steps: [] as number[] } as Record<F, Tensor[]> & { steps: number[] };
    for (const f of fields) (out as Record<F, Tensor[]>)[f] = [];
    params.forEach((p, i) => {
      const state = this.lazyState(p, () => init(p, i));
      for (const f of fields) (out as Record<F, Tensor[]>)[f].push(state[lists[f]] as Tensor);
      out.steps.push(this.countStep(state));
    });
    return out;
  }

  /** @internal Counts one more step in the state and returns the new count. */
  protected countStep(state: ParamState): number {
    const step = (state.step as number) + 1;
    state.step = step;
    return step;
  }

  /** The optimiser's state for a checkpoint: the tensors are new handles (dispose them or use a torch.scope), meta is plain JSON. */
  stateDict(opts?: { layout?: "tstorch" }): OptimizerStateDict;
  /** `{ layout: "pytorch" }`: PyTorch's `optimizer.state_dict()` of the linked version (torch-state-dict.ts), for torch.save and PyTorch's load_state_dict. */
  stateDict(opts: { layout: "pytorch" }): TorchStateDict;
  stateDict(opts: { layout?: "tstorch" | "pytorch" } = {}): OptimizerStateDict | TorchStateDict {
    if (opts.layout === "pytorch") return toTorchStateDict(this as Optimizer);
    const state = new Map<string, Tensor>();
    const meta: OptimizerMeta = { type: this.constructor.name, paramGroups: [], state: {} };
    let index = 0;
    noGrad(() => {
      for (const g of this.paramGroups) {
        const { params, ...hyper } = g;
        const ids: number[] = [];
        for (const p of params) {
          const s = this.state.get(p);
          if (s !== undefined) {
            const scalars: Record<string, number> = {};
            for (const [k, v] of Object.entries(s)) {
              if (v instanceof Tensor) state.set(`${index}.${k}`, v.detach());
              else if (typeof v === "number") {
                scalars[k] = v;
                if (k === "step") state.set(`${index}.step`, full([], v, { dtype: "float32" }));
              }
            }
            meta.state[String(index)] = scalars;
          }
          ids.push(index++);
        }
        meta.paramGroups.push({ ...structuredCloneHyper(hyper), params: ids });
      }
    });
    return { state, meta };
  }

  /**
   * Restores a stateDict() (from this or an identically built optimiser): group hyper-parameters
   * and per-parameter state, copied onto each parameter's device and dtype. Also PyTorch's layout
   * (stateDict({ layout: "pytorch" }), torch.load of PyTorch's torch.save(opt.state_dict())).
   */
  loadStateDict(sd: { state: Map<string, Tensor> | Record<string, Tensor>; meta: unknown } | TorchStateDict | Map<string, unknown>): void {
    if (isTorchLayout(sd)) return loadTorchStateDict(this as Optimizer, sd);
    const meta = checkMeta(sd.meta);
    const groups = meta.paramGroups;
    if (groups.length !== this.paramGroups.length) {
      throw new Error(`tstorch: loaded state dict has ${groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    groups.forEach((sg, gi) => {
      const ids = sg.params as number[];
      const mine = this.paramGroups[gi].params;
      if (!Array.isArray(ids) || ids.length !== mine.length) {
        throw new Error(`tstorch: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${gi}`);
      }
      ids.forEach((id, i) => byIndex.set(id, mine[i]));
    });
    const src = sd.state instanceof Map ? sd.state : new Map(Object.entries(sd.state));
    const fresh = new Map<Tensor, ParamState>();
    const get = (p: Tensor): ParamState => {
      let s = fresh.get(p);
      if (s === undefined) fresh.set(p, (s = {}));
      return s;
    };
    for (const [id, scalars] of Object.entries(meta.state)) {
      const p = byIndex.get(Number(id));
      if (p === undefined) throw new Error(`tstorch: optimizer state for parameter ${id}, which no group holds`);
      Object.assign(get(p), scalars);
    }
    noGrad(() => {
      try {
        for (const [key, t] of src) {
          const dot = key.indexOf(".");
          const p = dot > 0 ? byIndex.get(Number(key.slice(0, dot))) : undefined;
          if (p === undefined) throw new Error(`tstorch: optimizer state key "${key}" names no parameter`);
          const name = key.slice(dot + 1);
          if (name === "step") {
            get(p).step = t.item();
            continue;
          }
          const ts = t.shape;
          const ps = this.stateShape(name, p);
          if (ts.length === 0) {
            // a per-parameter scalar (capturable Adam's running beta powers): float32 on the parameter's device
            get(p)[name] = persist(t.to({ device: p.device, dtype: "float32", copy: true }));
            continue;
          }
          if (!sameShape(ts, ps)) {
            throw new Error(`tstorch: optimizer state "${key}" has shape [${ts}], its parameter has [${ps}]`);
          }
          get(p)[name] = persist(t.to({ device: p.device, dtype: p.dtype, copy: true }));
        }
      } catch (e) {
        for (const s of fresh.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
        throw e;
      }
    });
    groups.forEach((sg, gi) => {
      const { params: _ignored, ...hyper } = sg;
      Object.assign(this.paramGroups[gi], structuredCloneHyper(hyper));
    });
    this.disposeState();
    for (const [p, s] of fresh) this.state.set(p, s);
  }

  /** The shape a per-parameter state tensor must have (the parameter's; Adafactor's factored moments differ). */
  protected stateShape(_name: string, p: Tensor): number[] {
    return p.shape;
  }

  /** Frees the state tensors (the optimiser can go on: state is recreated on the next step). */
  disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
  dispose(): void {
    this.disposeState();
  }
}

/** Copies plain hyper-parameter values (numbers, booleans, arrays like betas) so groups never share arrays. */
function structuredCloneHyper<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

/** Validates checkpoint metadata (it may come from a file). */
function checkMeta(m: unknown): OptimizerMeta {
  const bad = (why: string): never => {
    throw new Error(`tstorch: not an optimizer state dict (${why})`);
  };
  if (typeof m !== "object" || m === null) bad("meta is not an object");
  const o = m as Partial<OptimizerMeta>;
  if (!Array.isArray(o.paramGroups)) bad("meta.paramGroups is not an array");
  for (const g of o.paramGroups!) {
    if (typeof g !== "object" || g === null || !Array.isArray(g.params) || !g.params.every((i) => Number.isInteger(i))) {
      bad("a parameter group has no list of parameter indices");
    }
  }
  const state = o.state ?? {};
  if (typeof state !== "object" || state === null) bad("meta.state is not an object");
  for (const s of Object.values(state)) {
    if (typeof s !== "object" || s === null || !Object.values(s).every((v) => typeof v === "number")) bad("meta.state holds non-numbers");
  }
  return { type: String(o.type ?? ""), paramGroups: o.paramGroups!, state };
}
