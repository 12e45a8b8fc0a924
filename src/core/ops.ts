// torch.ops.aten.NAME(...args): every registered operator, by schema name, with PyTorch-like
// overload resolution. Arguments go in schema order (Tensor, number, boolean, number[], dtype
// names, null/undefined for an absent optional); a trailing plain object passes keyword arguments
// by name (`torch.ops.aten.sum(x, [1], { keepdim: true })`). `torch.ops.aten.add.Tensor(...)`
// names an overload directly.
import { dtypeCode, isDTypeName } from "./dtype.js";
import { Device } from "./device.js";
import { native } from "./native.js";
import { memoryFormatCode, MemoryFormat, Tensor, wrap } from "./tensor.js";

interface ArgSchema {
  name: string;
  type: string; // e.g. "Tensor", "Tensor?", "int[2]", "ScalarType?", "Scalar"
  hasDefault: boolean;
  kwargOnly: boolean;
}
interface OpSchema {
  name: string; // aten::add
  overload: string; // Tensor
  args: ArgSchema[];
  returns: string[];
  id?: number;
}

let byName: Map<string, OpSchema[]> | null = null;

function schemasByName(): Map<string, OpSchema[]> {
  if (byName !== null) return byName;
  byName = new Map();
  for (const [name, overload, args, returns] of native.schemas()) {
    const s: OpSchema = {
      name, overload, returns,
      args: args.map(([n, type, hasDefault, kwargOnly]) => ({ name: n, type, hasDefault, kwargOnly })),
    };
    const list = byName.get(name) ?? [];
    list.push(s);
    byName.set(name, list);
  }
  // Prefer plain overloads over out= and Dimname ones, as PyTorch's resolution effectively does.
  const rank = (s: OpSchema) =>
    (s.args.some((a) => a.kwargOnly && a.name === "out") || s.overload.endsWith("out") ? 2 : 0) +
    (/dimname/i.test(s.overload) ? 1 : 0);
  for (const list of byName.values()) list.sort((a, b) => rank(a) - rank(b));
  return byName;
}

/** All operator schemas as strings, e.g. "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha)". */
export function listOps(prefix = "aten::"): string[] {
  const out: string[] = [];
  for (const list of schemasByName().values()) {
    for (const s of list) {
      if (!s.name.startsWith(prefix)) continue;
      out.push(`${s.name}${s.overload ? "." + s.overload : ""}(${s.args.map((a) => `${a.type} ${a.name}`).join(", ")})`);
    }
  }
  return out.sort();
}

const LAYOUTS: Record<string, number> = { strided: 0, sparse: 1 };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype && !("tstorchFloat" in v);
}

/** Does JS value `v` fit schema type `type`? */
function fits(v: unknown, type: string): boolean {
  const optional = type.endsWith("?");
  const base = optional ? type.slice(0, -1) : type;
  if (v === null || v === undefined) return optional;
  const list = /^(.*)\[(\d*)\]$/.exec(base);
  if (list) {
    const [, elem, n] = list;
    if (!Array.isArray(v)) return n !== "" && fits(v, elem) && (elem === "int" || elem === "SymInt");
    // like PyTorch's schema matching, `int[2]` takes a list of any length (the kernel checks it):
    // aten::roll(Tensor self, int[1] shifts, int[1] dims) is called with several shifts
    return v.every((e) => fits(e, elem));
  }
  switch (base) {
    case "Tensor": return v instanceof Tensor;
    case "int": case "SymInt": return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
    case "float": return typeof v === "number";
    case "bool": return typeof v === "boolean";
    case "Scalar": return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || (typeof v === "object" && "tstorchFloat" in (v as object));
    case "ScalarType": return isDTypeName(v);
    case "Layout": return typeof v === "string" && v in LAYOUTS;
    case "MemoryFormat": return typeof v === "string" && ["contiguous", "preserve", "channelsLast"].includes(v);
    case "Device": return v instanceof Device || (typeof v === "string" && /^(cpu|cuda)(:\d+)?$/.test(v));
    case "str": return typeof v === "string";
    default: return false; // Generator, Dimname, Storage, ...: not passable from JS (null only)
  }
}

/** Converts a fitting JS value to what the addon expects for `type`. */
function lower(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return v;
  const base = type.endsWith("?") ? type.slice(0, -1) : type;
  if (base.endsWith("]")) {
    if (!Array.isArray(v)) return v;
    const elem = base.slice(0, base.indexOf("["));
    return v.map((e) => lower(e, elem));
  }
  if (v instanceof Tensor) return v._h;
  switch (base) {
    case "ScalarType": return dtypeCode(v as string);
    case "Layout": return LAYOUTS[v as string];
    case "MemoryFormat": return memoryFormatCode(v as MemoryFormat);
    case "Device": return String(v);
  }
  return v;
}

function bind(s: OpSchema, positional: unknown[], kwargs: Record<string, unknown> | null): unknown[] | null {
  const maxPositional = s.args.filter((a) => !a.kwargOnly).length;
  if (positional.length > maxPositional) return null;
  const bound: unknown[] = new Array(s.args.length).fill(undefined);
  for (let i = 0; i < positional.length; i++) bound[i] = positional[i];
  if (kwargs) {
    for (const [k, v] of Object.entries(kwargs)) {
      const i = s.args.findIndex((a) => a.name === k);
      if (i < 0 || i < positional.length) return null;
      bound[i] = v;
    }
  }
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i];
    const v = bound[i];
    if (v === undefined) {
      if (!a.hasDefault && !a.type.endsWith("?")) return null;
      continue;
    }
    if (!fits(v, a.type)) return null;
  }
  return bound.map((v, i) => lower(v, s.args[i].type));
}

function wrapResult(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return v;
  if (type.startsWith("Tensor")) {
    if (type.endsWith("]")) return (v as unknown[]).map((e) => (e === null ? null : wrap(e as never)));
    return wrap(v as never);
  }
  return v;
}

function invoke(s: OpSchema, args: unknown[]): unknown {
  if (s.id === undefined) s.id = native.opId(s.name, s.overload);
  // trailing undefined args let the addon apply schema defaults
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  const raw = native.call(s.id, ...args.slice(0, n));
  if (s.returns.length === 0) return undefined;
  if (s.returns.length === 1) return wrapResult(raw, s.returns[0]);
  return (raw as unknown[]).map((r, i) => wrapResult(r, s.returns[i]));
}

function describeArgs(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Tensor ? `Tensor[${a.shape}] ${a.dtype}` : Array.isArray(a) ? `[${a.map((e) => (e instanceof Tensor ? "Tensor" : typeof e)).join(", ")}]` : a === null ? "null" : typeof a))
    .join(", ");
}

function callByName(name: string, candidates: OpSchema[], args: unknown[]): unknown {
  let kwargs: Record<string, unknown> | null = null;
  let positional = args;
  if (args.length > 0 && isPlainObject(args[args.length - 1])) {
    kwargs = args[args.length - 1] as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  for (const s of candidates) {
    const bound = bind(s, positional, kwargs);
    if (bound) return invoke(s, bound);
  }
  const sigs = candidates.map((s) => `  ${s.name}.${s.overload || "default"}(${s.args.map((a) => `${a.type} ${a.name}`).join(", ")})`);
  throw new Error(`tstorch: ${name}(${describeArgs(args)}) matches no overload. Candidates:\n${sigs.join("\n")}`);
}

type OpFn = ((...args: unknown[]) => any) & Record<string, (...args: unknown[]) => any>;

function opPacket(qualified: string): OpFn | undefined {
  const candidates = schemasByName().get(qualified);
  if (!candidates) return undefined;
  const fn = ((...args: unknown[]) => callByName(qualified, candidates, args)) as OpFn;
  for (const s of candidates) {
    const key = s.overload === "" ? "default" : s.overload;
    fn[key] = (...args: unknown[]) => callByName(`${qualified}.${key}`, [s], args);
  }
  // `aten.add.Tensr(...)` names an overload that does not exist: say so (not "is not a function")
  return new Proxy(fn, {
    get(target, prop, receiver) {
      if (typeof prop !== "string" || prop in target || prop === "then" || prop === "toJSON") return Reflect.get(target, prop, receiver);
      const known = candidates.map((s) => (s.overload === "" ? "default" : s.overload));
      throw new Error(`tstorch: unknown overload ${qualified}.${prop} (overloads: ${known.join(", ")})`);
    },
  });
}

function namespace(ns: string): Record<string, OpFn> {
  const cache = new Map<string, OpFn>();
  return new Proxy({} as Record<string, OpFn>, {
    get(_t, prop) {
      if (typeof prop !== "string") return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = opPacket(`${ns}::${prop}`);
        if (!fn) throw new Error(`tstorch: unknown operator ${ns}::${prop}`);
        cache.set(prop, fn);
      }
      return fn;
    },
    has(_t, prop) {
      return typeof prop === "string" && schemasByName().has(`${ns}::${prop}`);
    },
  });
}

/** `torch.ops.aten.cumsum(x, 1)`, `torch.ops.prims...`: any namespace the dispatcher knows. */
export const ops: Record<string, Record<string, OpFn>> = new Proxy({} as Record<string, Record<string, OpFn>>, {
  get(target, prop) {
    if (typeof prop !== "string") return undefined;
    if (!(prop in target)) target[prop] = namespace(prop);
    return target[prop];
  },
});
