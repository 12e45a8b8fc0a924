// Attribute surgery on a module from outside its class (what nn.utils' parametrize, weight_norm,
// spectral_norm and fusion do to a module in PyTorch with setattr/delattr): a tensor registered and
// visible under its name, or a computed property in place of a parameter. One place, so that the
// way Module keeps attributes and registered tensors together can change without touching the utils.
import type { Tensor } from "../core/tensor.js";
import type { AnyModule } from "./module.js";

type Kind = "_parameters" | "_buffers";

/** Which map holds `name` on `m` (null: neither). */
export function tensorKind(m: AnyModule, name: string): Kind | null {
  if (m._parameters.has(name)) return "_parameters";
  if (m._buffers.has(name)) return "_buffers";
  return null;
}

/** Removes parameter or buffer `name` from `m` (PyTorch's delattr); returns the tensor it held. */
export function deleteTensor(m: AnyModule, name: string): Tensor | null {
  const kind = tensorKind(m, name);
  if (kind === null) throw new Error(`tstorch: ${m.constructor.name} has no parameter or buffer "${name}"`);
  const t = m[kind].get(name) ?? null;
  m[kind].delete(name);
  if (kind === "_buffers") m._nonPersistent.delete(name);
  defineValue(m, name, undefined);
  return t;
}

/** Registers `t` as parameter or buffer `name` of `m` (appended, as PyTorch's register_* does) and sets the attribute. */
export function setTensor(m: AnyModule, name: string, t: Tensor | null, kind: Kind): void {
  defineValue(m, name, undefined);
  if (kind === "_parameters") m.registerParameter(name, t);
  else m.registerBuffer(name, t);
  defineValue(m, name, t);
}

/** Replaces the tensor of an existing parameter or buffer in place of the old one (same position). */
export function replaceTensor(m: AnyModule, name: string, t: Tensor | null): void {
  const kind = tensorKind(m, name);
  if (kind === null) throw new Error(`tstorch: ${m.constructor.name} has no parameter or buffer "${name}"`);
  m[kind].set(name, t);
  defineValue(m, name, t);
}

/** A plain own data property (replacing an accessor or a readonly field). */
export function defineValue(m: object, name: string, value: unknown): void {
  Object.defineProperty(m, name, { value, writable: true, configurable: true, enumerable: true });
}

/**
 * A computed attribute: reading `m[name]` calls get, assigning calls set. Not enumerable, so that
 * walking a module's fields does not compute it.
 */
export function defineComputed(m: object, name: string, get: () => unknown, set?: (v: unknown) => void): void {
  Object.defineProperty(m, name, {
    get,
    set: set ?? (() => {
      throw new Error(`tstorch: ${m.constructor.name}.${name} is computed (a parametrization or norm hook) and cannot be assigned`);
    }),
    configurable: true,
    enumerable: false,
  });
}
