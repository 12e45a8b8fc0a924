// torch.nn.utils.parametrize: a parameter or buffer replaced by a function of an unconstrained one
// (weight = f(original)), recomputed at every access as in PyTorch. The layout is PyTorch's, so
// state_dicts match: module.parametrizations.<name> is a ParametrizationList holding "original"
// (or original0, original1, ... when a rightInverse returns several tensors) and the parametrization
// modules "0", "1", .... Where PyTorch swaps the module's class for one with a property, tstorch
// defines the property on the instance (module-attr.ts); typeBeforeParametrizations is the class.
import { noGrad } from "../core/autograd.js";
import { Tensor } from "../core/tensor.js";
import { ModuleDict } from "./container.js";
import { defineComputed, deleteTensor, setTensor, tensorKind } from "./module-attr.js";
import { Module, type AnyModule } from "./module.js";

/** A parametrization: a module whose forward maps the original tensor(s) to the value; rightInverse optional. */
export type Parametrization = AnyModule & { rightInverse?: (x: Tensor) => Tensor | Tensor[] };

const desc = (m: AnyModule): string => m.constructor.name;

/** The parametrizations of one tensor, applied in order (PyTorch's ParametrizationList). */
export class ParametrizationList extends Module<[], Tensor> {
  unsafe: boolean;
  readonly isTensor: boolean;
  readonly ntensors: number;

  constructor(modules: readonly Parametrization[], original: Tensor, unsafe = false, kind: "_parameters" | "_buffers" = "_parameters") {
    super();
    if (modules.length === 0) throw new Error("tstorch: ParametrizationList requires one or more modules.");
    modules.forEach((m, i) => this.registerModule(String(i), m));
    this.unsafe = unsafe;
    const [origShape, origDtype] = [original.shape, original.dtype];
    // the original is what the right inverses make of the current value (identity without one)
    const made = noGrad(() => {
      let v: Tensor | Tensor[] = original;
      for (const m of [...modules].reverse()) {
        if (typeof m.rightInverse === "function") {
          if (!(v instanceof Tensor)) throw new Error(`tstorch: 'rightInverse' of ${desc(m)} received several tensors; only the first parametrization may return several`);
          v = m.rightInverse(v);
        }
      }
      return v;
    });
    if (!(made instanceof Tensor) && !Array.isArray(made)) {
      throw new Error(`tstorch: 'rightInverse' must return a Tensor or an array of tensors. Got ${typeof made}`);
    }
    this.isTensor = made instanceof Tensor;
    this.ntensors = made instanceof Tensor ? 1 : made.length;
    if (made instanceof Tensor) {
      if (made.dtype !== original.dtype) {
        throw new Error(`tstorch: When \`rightInverse\` outputs one tensor, it may not change the dtype.\noriginal.dtype: ${original.dtype}\nrightInverse(original).dtype: ${made.dtype}`);
      }
      // the original keeps its identity (optimisers built on it stay valid), as PyTorch's set_
      if (made !== original) noGrad(() => original.set_(made));
      setTensor(this, "original", original, kind);
    } else {
      made.forEach((t, i) => {
        if (!(t instanceof Tensor)) throw new Error(`tstorch: 'rightInverse' must return a Tensor or an array of tensors. Got element ${i} of type ${typeof t}`);
        const own = noGrad(() => t.detach().clone());
        if (original.requiresGrad) own.requiresGrad_(true);
        setTensor(this, `original${i}`, own, kind);
      });
    }
    // PyTorch checks one evaluation, with grad mode as it is (a spectral norm's power iteration runs once here)
    if (!unsafe) {
      const z = this.forward();
      if (!(z instanceof Tensor)) throw new Error(`tstorch: A parametrization must return a tensor. Got ${typeof z}.`);
      const [dt, sh] = [z.dtype, z.shape];
      if (!this.originals().includes(z)) z.dispose();
      if (dt !== origDtype) throw new Error(`tstorch: Registering a parametrization may not change the dtype of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized dtype: ${origDtype}\nparametrized dtype: ${dt}`);
      if (sh.join() !== origShape.join()) throw new Error(`tstorch: Registering a parametrization may not change the shape of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized shape: [${origShape}]\nparametrized shape: [${sh}]`);
    }
  }

  /** The parametrization module at index i. */
  at(i: number): Parametrization {
    const m = this._modules.get(String(i));
    if (m === undefined) throw new Error(`tstorch: ParametrizationList index ${i} out of range`);
    return m as Parametrization;
  }
  get length(): number {
    return this._modules.size;
  }
  /** Appends a parametrization (applied after the others). */
  append(m: Parametrization): this {
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  /** The original tensor (one-tensor parametrizations). */
  get original(): Tensor {
    return this._parameters.get("original") ?? this._buffers.get("original")!;
  }
  private originals(): Tensor[] {
    if (this.isTensor) return [this.original];
    return Array.from({ length: this.ntensors }, (_, i) => (this._parameters.get(`original${i}`) ?? this._buffers.get(`original${i}`))!);
  }

  /** The parametrized value: the modules applied in order to the original(s). */
  forward(): Tensor {
    const mods = [...this._modules.values()] as Parametrization[];
    let x = (mods[0].forward as (...a: Tensor[]) => Tensor)(...this.originals());
    for (const m of mods.slice(1)) x = (m.forward as (a: Tensor) => Tensor)(x);
    return x;
  }

  /** Sets the original(s) so that forward() gives `value` (assigning `module.weight = value`). */
  rightInverse(value: Tensor): void {
    noGrad(() => {
      let v: Tensor | Tensor[] = value;
      for (const m of ([...this._modules.values()] as Parametrization[]).reverse()) {
        if (typeof m.rightInverse !== "function") throw new Error(`tstorch: parametrization ${desc(m)} does not implement rightInverse.`);
        if (!(v instanceof Tensor)) throw new Error(`tstorch: 'rightInverse' of ${desc(m)} received several tensors`);
        v = m.rightInverse(v);
      }
      if (this.isTensor) {
        if (!(v instanceof Tensor)) throw new Error(`tstorch: 'rightInverse' must return a Tensor. Got ${typeof v}`);
        const o = this.original;
        if (!this.unsafe && (v.dtype !== o.dtype || v.shape.join() !== o.shape.join())) {
          throw new Error(`tstorch: The tensor returned by 'rightInverse' has dtype ${v.dtype} and shape [${v.shape}]; the original has dtype ${o.dtype} and shape [${o.shape}]`);
        }
        o.set_(v);
      } else {
        if (!Array.isArray(v) || v.length !== this.ntensors) throw new Error(`tstorch: 'rightInverse' must return an array of ${this.ntensors} tensors`);
        this.originals().forEach((o, i) => o.set_((v as Tensor[])[i]));
      }
    });
  }
}

// torch.nn.utils.parametrize.cached(): while it runs, each parametrized tensor is computed once
const cache: { active: number; values: Map<AnyModule, Map<string, Tensor>> } = { active: 0, values: new Map() };

/**
 * Runs `fn` with parametrized tensors computed once and reused (PyTorch's `with parametrize.cached():`),
 * e.g. a weight used at every step of a recurrent loop.
 */
export function cached<T>(fn: () => T): T {
  cache.active++;
  try {
    return fn();
  } finally {
    if (--cache.active === 0) cache.values.clear();
  }
}

function dictOf(module: AnyModule): ModuleDict<ParametrizationList> | null {
  const d = module._modules.get("parametrizations");
  return d instanceof ModuleDict ? (d as ModuleDict<ParametrizationList>) : null;
}

/** Whether `module` has parametrizations (on `tensorName`, when given). */
export function isParametrized(module: AnyModule, tensorName?: string): boolean {
  const d = dictOf(module);
  if (d === null) return false;
  return tensorName === undefined ? d.size > 0 : d._modules.has(tensorName);
}

/** The class the module had before it was parametrized (tstorch keeps the class: its constructor). */
export function typeBeforeParametrizations(module: AnyModule): Function {
  return module.constructor;
}

export interface RegisterParametrizationOptions {
  /** Skip the checks that the parametrization keeps the dtype and shape (default false). */
  unsafe?: boolean;
}

/**
 * Makes `module[tensorName]` the output of `parametrization` applied to an "original" tensor
 * (torch.nn.utils.parametrize.register_parametrization). A second call on the same name chains.
 */
export function registerParametrization<M extends AnyModule>(module: M, tensorName: string, parametrization: Parametrization, opts: RegisterParametrizationOptions | boolean = {}): M {
  const unsafe = typeof opts === "boolean" ? opts : (opts.unsafe ?? false);
  if (!(parametrization instanceof Module)) throw new Error(`tstorch: registerParametrization expects a Module as the parametrization, got ${typeof parametrization}`);
  parametrization.train(module.training);
  const dict = dictOf(module);
  if (dict !== null && dict._modules.has(tensorName)) {
    const list = dict._modules.get(tensorName) as ParametrizationList;
    if (!unsafe) {
      noGrad(() => {
        const y = list.forward();
        const x = (parametrization.forward as (a: Tensor) => Tensor)(y);
        if (!(x instanceof Tensor)) throw new Error(`tstorch: A parametrization must return a tensor. Got ${typeof x}.`);
        if (x.dtype !== y.dtype) throw new Error(`tstorch: Registering a parametrization may not change the dtype of the tensor, unless the \`unsafe\` flag is enabled.\nunparametrized dtype: ${y.dtype}\nparametrized dtype: ${x.dtype}`);
        if (x.shape.join() !== y.shape.join()) throw new Error(`tstorch: Registering a parametrization may not change the shape of the tensor, unless the \`unsafe\` flag is enabled.\nunparametrized shape: [${y.shape}]\nparametrized shape: [${x.shape}]`);
      });
    }
    list.append(parametrization);
    list.unsafe ||= unsafe;
    return module;
  }
  const kind = tensorKind(module, tensorName);
  const original = kind === null ? null : module[kind].get(tensorName) ?? null;
  if (kind === null || original === null) {
    throw new Error(`tstorch: Module '${desc(module)}' does not have a parameter, a buffer, or a parametrized element with name '${tensorName}'`);
  }
  const list = new ParametrizationList([parametrization], original, unsafe, kind);
  deleteTensor(module, tensorName);
  let d = dictOf(module);
  if (d === null) {
    d = new ModuleDict<ParametrizationList>();
    module.registerModule("parametrizations", d);
    Object.defineProperty(module, "parametrizations", { value: d, configurable: true, writable: true, enumerable: false });
  }
  d.set(tensorName, list);
  // module.parametrizations.weight.original, as PyTorch spells it (ModuleDict's own members win)
  if (!(tensorName in d)) Object.defineProperty(d, tensorName, { get: () => d._modules.get(tensorName), configurable: true, enumerable: false });
  defineComputed(
    module,
    tensorName,
    () => {
      const l = d._modules.get(tensorName) as ParametrizationList;
      if (cache.active === 0) return l.forward();
      let per = cache.values.get(module);
      if (per === undefined) cache.values.set(module, (per = new Map()));
      let t = per.get(tensorName);
      if (t === undefined) per.set(tensorName, (t = l.forward()));
      return t;
    },
    (v) => (d._modules.get(tensorName) as ParametrizationList).rightInverse(v as Tensor),
  );
  return module;
}

export interface RemoveParametrizationsOptions {
  /** Keep the current parametrized value as the plain tensor (default true); false restores the original. */
  leaveParametrized?: boolean;
}

/**
 * Removes the parametrizations of `module[tensorName]`, leaving a plain parameter or buffer again
 * (torch.nn.utils.parametrize.remove_parametrizations); it is appended after the module's others.
 */
export function removeParametrizations<M extends AnyModule>(module: M, tensorName: string, opts: RemoveParametrizationsOptions | boolean = {}): M {
  const leave = typeof opts === "boolean" ? opts : (opts.leaveParametrized ?? true);
  if (!isParametrized(module, tensorName)) throw new Error(`tstorch: Module ${desc(module)} does not have a parametrization on ${tensorName}`);
  const d = dictOf(module)!;
  const list = d._modules.get(tensorName) as ParametrizationList;
  let original: Tensor;
  const kind = list._parameters.size > 0 ? "_parameters" : "_buffers";
  if (list.isTensor) {
    original = list.original;
    if (leave) noGrad(() => original.set_(list.forward()));
  } else {
    if (!leave) throw new Error("tstorch: Cannot leave unparametrized (`leaveParametrized: false`) a tensor that is parametrized in terms of a sequence of tensors.");
    original = noGrad(() => list.forward().detach());
    if (kind === "_parameters") original.requiresGrad_(true);
    for (const t of list._parameters.values()) t?.dispose();
    for (const t of list._buffers.values()) t?.dispose();
  }
  list._parameters.clear();
  list._buffers.clear();
  d._modules.delete(tensorName);
  if (Object.getOwnPropertyDescriptor(d, tensorName)?.get !== undefined) delete (d as unknown as Record<string, unknown>)[tensorName];
  delete (module as unknown as Record<string, unknown>)[tensorName];
  setTensor(module, tensorName, original, kind);
  if (d.size === 0) {
    module._modules.delete("parametrizations");
    delete (module as unknown as Record<string, unknown>).parametrizations;
  }
  return module;
}

/**
 * Gives `toModule` the parametrizations of `fromModule` (all of them, or those of `tensorName`) with
 * the same originals' values (torch.nn.utils.parametrize.transfer_parametrizations_and_params).
 */
export function transferParametrizationsAndParams<M extends AnyModule>(fromModule: AnyModule, toModule: M, tensorName?: string): M {
  if (!isParametrized(fromModule)) return toModule;
  const d = dictOf(fromModule)!;
  const names = tensorName === undefined ? [...d._modules.keys()] : [tensorName];
  for (const name of names) {
    const src = d._modules.get(name) as ParametrizationList | undefined;
    if (src === undefined) throw new Error(`tstorch: Module ${desc(fromModule)} does not have a parametrization on ${name}`);
    if (tensorKind(toModule, name) === null && !isParametrized(toModule, name)) {
      const t = noGrad(() => src.original.detach().clone());
      setTensor(toModule, name, t, src._parameters.size > 0 ? "_parameters" : "_buffers");
    }
    if (!isParametrized(toModule, name)) {
      for (const m of src._modules.values()) registerParametrization(toModule, name, m as Parametrization);
    }
    const dst = dictOf(toModule)!._modules.get(name) as ParametrizationList;
    noGrad(() => {
      for (const [k, v] of [...src._parameters, ...src._buffers]) {
        const t = dst._parameters.get(k) ?? dst._buffers.get(k);
        if (v !== null && t !== undefined && t !== null) t.set_(v.detach().clone());
      }
    });
  }
  return toModule;
}
