// nn.ModuleList and nn.ModuleDict: children held by index or by key, registered so that their
// parameters appear under "0.weight" / "encoder.weight" as in PyTorch. Neither has a forward of its
// own (PyTorch's raise NotImplementedError): the owner iterates them.
import { AnyModule, Module } from "./module.js";

/** A list of modules of any arity (`for (const layer of list) x = layer.forward(x)`). */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  forward(): never {
    throw new Error("tstorch: ModuleList has no forward(); iterate over its modules instead");
  }

  get length(): number {
    return this._modules.size;
  }
  append(m: M): this {
    if (!(m instanceof Module)) throw new Error(`tstorch: ModuleList.append expects a Module, got ${typeof m}`);
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): M {
    const n = this._modules.size;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new Error(`tstorch: index ${i} is out of range for a ModuleList of ${n}`);
    return this._modules.get(String(j)) as M;
  }
  [Symbol.iterator](): Iterator<M> {
    return ([...this._modules.values()] as M[])[Symbol.iterator]();
  }
}

/** @internal The pairs of what a dict container is built from: an object's entries, or an iterable of [key, value] (PyTorch's dict or list of pairs). */
export function dictEntries<V>(x: Record<string, V> | Iterable<[string, V]>): [string, V][] {
  return Symbol.iterator in Object(x) ? [...(x as Iterable<[string, V]>)] : Object.entries(x);
}

/** Modules by string key, in insertion order (PyTorch's ModuleDict). */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    for (const [k, m] of dictEntries(modules)) this.set(k, m);
  }
  forward(): never {
    throw new Error("tstorch: ModuleDict has no forward(); look its modules up by key instead");
  }

  get size(): number {
    return this._modules.size;
  }
  set(key: string, m: M): this {
    if (!(m instanceof Module)) throw new Error(`tstorch: ModuleDict.set expects a Module for key "${key}", got ${typeof m}`);
    if (this._modules.has(key)) this._modules.set(key, m);
    else this.registerModule(key, m);
    return this;
  }
  get(key: string): M {
    const m = this._modules.get(key);
    if (m === undefined) throw new Error(`tstorch: ModuleDict has no key "${key}" (keys: ${[...this._modules.keys()].join(", ")})`);
    return m as M;
  }
  has(key: string): boolean {
    return this._modules.has(key);
  }
  keys(): string[] {
    return [...this._modules.keys()];
  }
  values(): M[] {
    return [...this._modules.values()] as M[];
  }
  entries(): [string, M][] {
    return [...this._modules] as [string, M][];
  }
  [Symbol.iterator](): Iterator<[string, M]> {
    return this.entries()[Symbol.iterator]();
  }
}
