// PyTorch's copy.deepcopy(model) for tstorch modules (AveragedModel keeps such a copy): the same
// classes and fields, every tensor a detached copy (a Parameter stays a Parameter, requires_grad
// kept), shared structure shared once, functions (nn.Lambda's) by reference.
import { noGrad } from "../core/autograd.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import type { AnyModule } from "./module.js";
import { Parameter } from "./parameter.js";

/** A deep copy of a module: its own weights, buffers and child modules. */
export function deepCopyModule<M extends AnyModule>(m: M): M {
  return copyValue(m, new Map()) as M;
}

function copyTensor(t: Tensor): Tensor {
  return noGrad(() => {
    const data = t.detach().clone();
    if (t instanceof Parameter) {
      const p = new Parameter(data, t.requiresGrad);
      data.dispose();
      return p;
    }
    if (t.requiresGrad) data.requiresGrad_(true);
    return persist(data);
  });
}

function copyValue(v: unknown, memo: Map<object, unknown>): unknown {
  if (v === null || typeof v !== "object") return v; // primitives and functions: shared
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  if (v instanceof Tensor) {
    const c = copyTensor(v);
    memo.set(v, c);
    return c;
  }
  if (v instanceof Map) {
    const c = new Map();
    memo.set(v, c);
    for (const [k, x] of v) c.set(copyValue(k, memo), copyValue(x, memo));
    return c;
  }
  if (v instanceof Set) {
    const c = new Set();
    memo.set(v, c);
    for (const x of v) c.add(copyValue(x, memo));
    return c;
  }
  if (Array.isArray(v)) {
    const c: unknown[] = [];
    memo.set(v, c);
    for (const x of v) c.push(copyValue(x, memo));
    return c;
  }
  if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof RegExp) return v;
  // a class instance or plain object: same prototype, own properties copied (readonly ones too)
  const c = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, c);
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ("value" in d) d.value = copyValue(d.value, memo);
    Object.defineProperty(c, key, d);
  }
  return c;
}
