// A package's call spec: the pytree specs (PyTorch's treespec_dumps, protocol 1) by which Python's
// AOTICompiledModel flattens `(args, kwargs)` into the model's flat input tensors and rebuilds its
// outputs from the flat output tensors (torch/utils/_pytree.py; torch/export/pt2_archive/_package.py).
// Nodes here: tuple, list, namedtuple (arrays), dict and OrderedDict (plain objects by key), None.
import { Tensor } from "../core/tensor.js";

/** A value made of tensors as a pytree: arrays for tuples and lists, plain objects for dicts, null for None. */
export type PyTree = Tensor | null | number | boolean | string | readonly PyTree[] | { readonly [key: string]: PyTree };

interface Spec {
  type: string | null;
  context: string | null;
  children_spec: Spec[];
}

const SEQUENCES = new Set(["builtins.tuple", "builtins.list", "collections.namedtuple"]);
const DICTS = new Set(["builtins.dict", "collections.OrderedDict"]);

/** Parses one serialized spec (the "[1, {...}]" strings of getCallSpec()). */
export function parseSpec(serialized: string): Spec {
  const parsed = JSON.parse(serialized) as [number, Spec];
  if (!Array.isArray(parsed) || parsed[0] !== 1) throw new Error(`torch.aoti: unknown pytree spec protocol in ${serialized.slice(0, 40)}`);
  return parsed[1];
}

function dictKeys(spec: Spec): string[] {
  return JSON.parse(spec.context ?? "[]") as string[];
}

function isPlainObject(v: unknown): v is Record<string, PyTree> {
  return v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

/** The tensors of `value`, in the order `spec` flattens it (non-tensor leaves are dropped, as PyTorch drops them). */
export function flattenBySpec(value: unknown, spec: Spec, where: string, out: Tensor[] = []): Tensor[] {
  const t = spec.type;
  if (t === null) {
    if (value instanceof Tensor) out.push(value);
    else if (value === undefined) throw new Error(`torch.aoti: ${where} is missing`);
  } else if (SEQUENCES.has(t)) {
    const n = spec.children_spec.length;
    if (!Array.isArray(value) || value.length !== n) throw new Error(`torch.aoti: ${where} should be an array of ${n}, as the package was exported with`);
    spec.children_spec.forEach((c, i) => flattenBySpec(value[i], c, `${where}[${i}]`, out));
  } else if (DICTS.has(t)) {
    if (!isPlainObject(value)) throw new Error(`torch.aoti: ${where} should be an object (a dict when exported)`);
    const keys = dictKeys(spec);
    const extra = Object.keys(value).filter((k) => !keys.includes(k));
    if (extra.length) throw new Error(`torch.aoti: ${where} has keys the package was not exported with: ${extra.join(", ")}`);
    keys.forEach((k, i) => flattenBySpec(value[k], spec.children_spec[i]!, `${where}.${k}`, out));
  } else if (t === "builtins.NoneType") {
    if (value !== null && value !== undefined) throw new Error(`torch.aoti: ${where} should be null (None when exported)`);
  } else {
    throw new Error(`torch.aoti: ${where}: pytree node type ${t} is not supported; use run() with the flat tensors`);
  }
  return out;
}

/** Rebuilds the output structure from the flat tensors (taken from `flat` in order). */
export function unflattenBySpec(flat: Tensor[], spec: Spec): PyTree {
  let next = 0;
  const build = (s: Spec): PyTree => {
    if (s.type === null) {
      if (next >= flat.length) throw new Error("torch.aoti: the package returned fewer tensors than its call spec names");
      return flat[next++]!;
    }
    if (SEQUENCES.has(s.type)) return s.children_spec.map(build);
    if (DICTS.has(s.type)) return Object.fromEntries(dictKeys(s).map((k, i) => [k, build(s.children_spec[i]!)]));
    if (s.type === "builtins.NoneType") return null;
    throw new Error(`torch.aoti: output pytree node type ${s.type} is not supported; use run() for the flat tensors`);
  };
  const out = build(spec);
  if (next !== flat.length) throw new Error(`torch.aoti: the package returned ${flat.length} tensors, its call spec names ${next}`);
  return out;
}
