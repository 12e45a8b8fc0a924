// nn.Module: a tree of named parameters, buffers and child modules, with PyTorch's names and
// traversal order (state_dict keys such as "0.weight" or "layer1.bias" come out identical).
import { inspect } from "node:util";
import type { DeviceLike } from "../core/device.js";
import { isFloatingDType } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import { Parameter } from "./parameter.js";
import { Buffer } from "./buffer.js";
import { persist } from "./persist.js";
import { callWithHooks, hasHooks, registerForwardHook, registerForwardPreHook, registerFullBackwardHook, type BackwardHook, type ForwardHook, type ForwardPreHook } from "./hooks.js";
import type { RemovableHandle } from "../autograd/hooks.js";
import { loadStateDict, stateEntries, type LoadStateDictOptions, type LoadStateDictResult, type StateDict } from "./module-state.js";
import { moveModule, type ModuleTarget } from "./module-to.js";

export type { LoadStateDictOptions, LoadStateDictResult, ModuleTarget, StateDict };

/**
 * A module of any arity: `In` is the tuple of forward's arguments, `Out` what it returns. The
 * defaults are the single-tensor layer (`forward(x: Tensor): Tensor`) that Sequential chains; a
 * recurrent model declares e.g. `Module<[Tensor, LSTMState?], [Tensor, LSTMState]>`.
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (Dropout drops, BatchNorm uses and updates batch statistics). */
  training = true;
  /** @internal own parameters in registration order; null keeps a slot (e.g. bias=false) like PyTorch's None. */
  readonly _parameters = new Map<string, Tensor | null>();
  /** @internal own buffers in registration order. */
  readonly _buffers = new Map<string, Tensor | null>();
  /** @internal buffers left out of stateDict (PyTorch's persistent=False). */
  readonly _nonPersistent = new Set<string>();
  /** @internal child modules in registration order. */
  readonly _modules = new Map<string, AnyModule>();

  abstract forward(...args: In): Out;

  /** Same as forward(...args) (PyTorch's `module(x)`). */
  call(...args: In): Out {
    return hasHooks(this) ? callWithHooks(this, args) : this.forward(...args);
  }
  /** hook(module, args) before forward; a returned value replaces args (PyTorch's register_forward_pre_hook). */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle { return registerForwardPreHook(this, hook); }
  /** hook(module, args, output) after forward; a returned value replaces the output. */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle { return registerForwardHook(this, hook); }
  /** hook(module, gradInput, gradOutput) in backward; a returned array replaces gradInput. */
  registerFullBackwardHook(hook: BackwardHook<this>): RemovableHandle { return registerFullBackwardHook(this, hook); }

  // ---------------------------------------------------------------- registration
  /**
   * Registers a parameter: it requires grad, and it outlives any torch.scope (the module owns it).
   * `null` records an absent parameter (PyTorch's `register_parameter(name, None)`).
   */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    checkName(this, name, "_parameters");
    checkSlotValue(this, name, t, "parameter");
    if (t !== null) {
      if (isFloatingDType(t.dtype) && !t.requiresGrad) t.requiresGrad_(true);
      persist(t);
    }
    this._parameters.set(name, t);
    bindSlot(this, name, "_parameters");
    return t;
  }

  /** Registers a buffer (state that is not trained, e.g. BatchNorm's running_mean); it outlives any torch.scope. */
  registerBuffer<T extends Tensor | null>(name: string, t: T, persistent = true): T {
    checkName(this, name, "_buffers");
    checkSlotValue(this, name, t, "buffer");
    if (t !== null) persist(t);
    this._buffers.set(name, t);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    bindSlot(this, name, "_buffers");
    return t;
  }

  /** Registers a child module under `name` (its parameters get the prefix `name.`). */
  registerModule<M extends AnyModule>(name: string, m: M): M {
    checkName(this, name, "_modules");
    this._modules.set(name, m);
    return m;
  }

  /**
   * Children and parameters: the registered ones, plus Module- and Parameter-valued own fields not
   * registered yet (PyTorch's attribute assignment registers them; `class Net extends Module {
   * fc = new Linear(4, 2); w = new Parameter(torch.randn([3])) }` should not silently lose its
   * parameters). A plain tensor field stays a plain attribute, as in PyTorch. Fields starting with
   * "_" are ignored.
   */
  private syncFields(): void {
    let modules: Set<AnyModule> | null = null;
    let params: Set<Tensor | null> | null = null;
    for (const [k, v] of Object.entries(this)) {
      if (k.startsWith("_") || v === this) continue;
      // a field initializer (`w = this.registerParameter("w", t)`) shadows the slot's accessor with a
      // plain field; a tensor assigned to that field later replaces the registered one, as in PyTorch
      if ((v instanceof Tensor || v === null) && this._parameters.has(k)) {
        if (this._parameters.get(k) !== v) this.registerParameter(k, v);
        continue;
      }
      if ((v instanceof Tensor || v === null) && this._buffers.has(k)) {
        if (this._buffers.get(k) !== v) this.registerBuffer(k, v, v instanceof Buffer ? v.persistent : !this._nonPersistent.has(k));
        continue;
      }
      if (v instanceof Module) {
        modules ??= new Set(this._modules.values());
        if (!modules.has(v) && !this._parameters.has(k) && !this._buffers.has(k)) this._modules.set(k, v);
      } else if (v instanceof Parameter) {
        params ??= new Set([...this._parameters.values(), ...this._buffers.values()]);
        if (!params.has(v) && !this._modules.has(k) && !this._buffers.has(k)) this._parameters.set(k, v);
      } else if (v instanceof Buffer && !this._modules.has(k) && !this._parameters.has(k)) {
        // PyTorch's Module.__setattr__ registers an nn.Buffer as a buffer, with its persistent flag
        this.registerBuffer(k, v, v.persistent);
      }
    }
  }

  // ---------------------------------------------------------------- traversal
  namedChildren(): Map<string, AnyModule> {
    this.syncFields();
    return new Map(this._modules);
  }
  children(): AnyModule[] {
    return [...this.namedChildren().values()];
  }
  /** This module (name "") and every descendant, pre-order, each once. */
  namedModules(prefix = ""): Map<string, AnyModule> {
    const out = new Map<string, AnyModule>();
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.set(p, m);
      for (const [n, c] of m.namedChildren()) walk(c, p === "" ? n : `${p}.${n}`);
    };
    walk(this, prefix);
    return out;
  }
  modules(): AnyModule[] {
    return [...this.namedModules().values()];
  }

  private namedMembers(kind: "_parameters" | "_buffers", recurse: boolean, persistentOnly: boolean): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    const mods = recurse ? this.namedModules() : new Map<string, AnyModule>([["", this]]);
    for (const [p, m] of mods) {
      for (const [n, t] of m[kind]) {
        if (t === null || seen.has(t)) continue;
        if (persistentOnly && kind === "_buffers" && m._nonPersistent.has(n)) continue;
        seen.add(t);
        out.set(p === "" ? n : `${p}.${n}`, t);
      }
    }
    return out;
  }
  /** Parameters by dotted name (the live tensors, not copies). */
  namedParameters(recurse = true): Map<string, Tensor> {
    return this.namedMembers("_parameters", recurse, false);
  }
  parameters(recurse = true): Tensor[] {
    return [...this.namedParameters(recurse).values()];
  }
  /** Buffers by dotted name (the live tensors). */
  namedBuffers(recurse = true): Map<string, Tensor> {
    return this.namedMembers("_buffers", recurse, false);
  }
  buffers(recurse = true): Tensor[] {
    return [...this.namedBuffers(recurse).values()];
  }

  /** Calls fn on every descendant, then on this module (PyTorch's apply order). */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------- state

  /**
   * Parameters and persistent buffers by PyTorch's state_dict names. The values are detached new
   * handles sharing storage with the module's tensors (PyTorch's keep_vars=False): dispose them or
   * read them inside a torch.scope.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, t] of stateEntries(this as unknown as AnyModule)) out.set(k, t.detach());
    return out;
  }

  /**
   * Copies values into the module's own tensors, in place (parameters keep their identity, so
   * optimisers built before stay valid). Everything is checked before anything is copied: a shape
   * mismatch, and with strict (the default) a missing or unexpected key, throws an Error naming the keys.
   */
  loadStateDict(sd: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    return loadStateDict(this as unknown as AnyModule, sd, opts);
  }

  // ---------------------------------------------------------------- modes, devices
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves parameters and buffers to a device and/or converts the floating ones to a dtype, in place:
   * each tensor object keeps its identity and receives the converted storage (its native handle is
   * swapped), so optimisers and references taken before stay valid. Gradients move along.
   */
  to(target: ModuleTarget): this {
    moveModule(this as unknown as AnyModule, target, Module.prototype.to);
    return this;
  }

  /** PyTorch's `module.double()`: floating parameters and buffers to float64, in place (same as to("float64")). */
  double(): this {
    return this.to("float64");
  }
  /** Floating parameters and buffers to float32, in place. */
  float(): this {
    return this.to("float32");
  }
  /** Floating parameters and buffers to float16, in place. */
  half(): this {
    return this.to("float16");
  }
  /** Floating parameters and buffers to bfloat16, in place. */
  bfloat16(): this {
    return this.to("bfloat16");
  }
  /** Parameters and buffers to the CPU, in place. */
  cpu(): this {
    return this.to("cpu");
  }
  /** Parameters and buffers to a CUDA device (default: the current one, index 0), in place. */
  cuda(device: number | DeviceLike = 0): this {
    return this.to(typeof device === "number" ? `cuda:${device}` : device);
  }

  /** Clears every parameter's gradient (sets it to none, like PyTorch 2's default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.numel();
    return n;
  }

  /** Frees the native memory of every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of m._parameters.values()) t?.dispose();
      for (const t of m._buffers.values()) t?.dispose();
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- display
  /** The part inside the parentheses of this module's repr (PyTorch's extra_repr). */
  extraRepr(): string {
    return "";
  }
  /** The class name printed by toString() (PyTorch's _get_name). */
  protected reprName(): string {
    return this.constructor.name;
  }
  /** PyTorch's Module.__repr__: the extra repr inline when alone, else one line per item, children indented. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra === "" ? [] : extra.split("\n");
    const childLines = [...this.namedChildren()].map(([n, c]) => `(${n}): ${c.toString().split("\n").join("\n  ")}`);
    const lines = [...extraLines, ...childLines];
    let body = "";
    if (lines.length > 0) body = extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join("\n  ")}\n`;
    return `${this.reprName()}(${body})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A module of whatever arity (what containers and traversals hold). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], any>;

function checkName(m: AnyModule, name: string, kind: "_parameters" | "_buffers" | "_modules"): void {
  if (typeof name !== "string" || name === "" || name.includes(".")) {
    throw new Error(`tstorch: module attribute name must be a non-empty string without ".", got "${name}"`);
  }
  for (const other of ["_parameters", "_buffers", "_modules"] as const) {
    if (other !== kind && m[other].has(name)) throw new Error(`tstorch: attribute "${name}" already exists in ${m.constructor.name}`);
  }
}

function checkSlotValue(m: AnyModule, name: string, t: unknown, what: string): void {
  if (t !== null && !(t instanceof Tensor)) {
    const got = t === undefined ? "undefined" : Array.isArray(t) ? "an array" : typeof t === "object" ? (t as object).constructor?.name ?? "object" : typeof t;
    throw new Error(`tstorch: cannot assign ${got} as ${what} '${name}' of ${m.constructor.name} (a Tensor or null expected)`);
  }
}

/** PyTorch's attribute name camelCased: "weight_ih_l0" → "weightIhL0", "running_mean" → "runningMean". */
function camelAttr(name: string): string {
  return name.replace(/^_+/, "").replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

const SLOT_ACCESSOR = Symbol("tstorch.slotAccessor");

/**
 * Makes `m[name]` (and its camelCase form, the name a layer declares: `weightIh` for "weight_ih")
 * read and write the registered slot, so a module attribute and its registered parameter are one
 * thing, as in PyTorch: `decoder.weight = encoder.weight` ties the weights (forward, parameters()
 * and stateDict() all see the assigned tensor), and `registerParameter("weight", t)` replaces what
 * forward uses. Names starting with "_", members of the class (methods, getters), and own fields
 * holding something other than a tensor are left alone.
 */
function bindSlot(m: AnyModule, name: string, kind: "_parameters" | "_buffers"): void {
  const keys = new Set([name, camelAttr(name)]);
  for (const key of keys) {
    if (key === "" || key.startsWith("_") || key in Module.prototype) continue;
    const own = Object.getOwnPropertyDescriptor(m, key);
    if (own !== undefined) {
      if (own.get !== undefined || own.set !== undefined) {
        if (!(own.get as { [SLOT_ACCESSOR]?: boolean } | undefined)?.[SLOT_ACCESSOR]) continue; // someone else's accessor
      } else if (own.value !== undefined && own.value !== null && !(own.value instanceof Tensor)) continue; // an option field
      if (own.configurable === false) continue;
    } else if (key in m) continue; // a method or getter of the class
    const get = function (this: AnyModule): Tensor | null {
      const slots = this[kind];
      return slots.has(name) ? slots.get(name)! : null;
    };
    (get as unknown as { [SLOT_ACCESSOR]: boolean })[SLOT_ACCESSOR] = true;
    const set = function (this: AnyModule, v: Tensor | null): void {
      if (kind === "_parameters") this.registerParameter(name, v);
      else this.registerBuffer(name, v, v instanceof Buffer ? v.persistent : !this._nonPersistent.has(name));
    };
    Object.defineProperty(m, key, { get, set, enumerable: key === name || !keys.has(name), configurable: true });
  }
}

/** A number as Python's repr prints a float (1e-05, 0.1, 1.0): what PyTorch's reprs show for eps, momentum, p. */
export function pyFloat(x: number | null): string {
  if (x === null) return "None";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e16) return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2").replace("e+", "e+");
  return String(x);
}
