// torch.ops.aten.NAME(...args): every registered operator, by schema name, bound to its arguments
// as PyTorch's torch.ops does it. Arguments go in schema order (Tensor, number, bigint, boolean,
// number[], dtype names, null for None); a trailing plain object passes keyword arguments by name
// (the schema's name or its camelCase: `torch.ops.aten.sum(x, [1], { keepdim: true })`), and
// keyword-only arguments may also follow the others positionally. Overloads are tried in
// registration order, the first that binds wins. `torch.ops.aten.add.Tensor(...)` names an
// overload. The generated surface (src/generated/) calls callAten() below.
import { dtypeCode, dtypeName, isDTypeName } from "./dtype.js";
import { Device, isDeviceString } from "./device.js";
import { callPooled } from "./handle-pool.js";
import { native } from "./native.js";
import { memoryFormatCode, MemoryFormat, Tensor, wrap } from "./tensor.js";
import { OVERLOAD_ORDER, RETURN_NAMES } from "../generated/aten-order.js";
import type { AtenOps } from "../generated/aten-ops.js";

interface ArgSchema {
  name: string;
  /** the camelCase name the typed surface uses in options objects */
  camel: string;
  type: string; // e.g. "Tensor", "Tensor?", "int[2]", "ScalarType?", "Scalar"
  /** `type` parsed once, when the schemas are read: binding runs on every call */
  parsed: ParsedType;
  hasDefault: boolean;
  kwargOnly: boolean;
  writes: boolean;
}
/** A schema type taken apart: "int?[2]" is { optional: false, base: "int?[2]", elem: int?, fixedLength: true }. */
interface ParsedType {
  optional: boolean;
  /** the type without its trailing "?" */
  base: string;
  /** for a list type, its element type (itself possibly optional: "Tensor?[]") */
  elem: ParsedType | null;
  /** a list with a stated length ("int[2]"), which also takes one int */
  fixedLength: boolean;
  /** for a list: whether JS can pass its element type at all (a Dimname[] never binds, even empty) */
  passable: boolean;
}

function parseType(type: string): ParsedType {
  const optional = type.endsWith("?");
  const base = optional ? type.slice(0, -1) : type;
  const list = /^(.*)\[(\d*)\]$/.exec(base);
  if (!list) return { optional, base, elem: null, fixedLength: false, passable: PASSABLE.has(base) };
  const elem = parseType(list[1]);
  return { optional, base, elem, fixedLength: list[2] !== "", passable: PASSABLE.has(elem.base) };
}

/** What a returned value becomes: a Tensor, a list of Tensors, a dtype name, or itself. */
const enum ReturnKind { Plain, Tensor, TensorList, ScalarType }
function returnKind(type: string): ReturnKind {
  const base = type.endsWith("?") ? type.slice(0, -1) : type;
  if (base.startsWith("Tensor")) return base.endsWith("]") ? ReturnKind.TensorList : ReturnKind.Tensor;
  return base === "ScalarType" ? ReturnKind.ScalarType : ReturnKind.Plain;
}

interface OpSchema {
  name: string; // aten::add
  overload: string; // Tensor
  args: ArgSchema[];
  returns: string[];
  returnKinds: ReturnKind[];
  /** index of the argument named self (where a method puts its tensor), or -1 */
  selfIndex: number;
  /** the single Tensor argument the op writes and returns (in-place and out= ops), or -1 */
  returnsArg: number;
  returnNames: readonly string[] | undefined;
  id?: number;
}

const camel = (s: string) => s.replace(/([a-zA-Z0-9])_+([a-zA-Z0-9])/g, (_, a: string, b: string) => a + b.toUpperCase());

let byName: Map<string, OpSchema[]> | null = null;

/** table[key] where the table itself has it (never an Object member: an operator may be named `constructor`). */
function ownEntry<T>(table: { readonly [key: string]: T | undefined }, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function schemasByName(): Map<string, OpSchema[]> {
  if (byName !== null) return byName;
  byName = new Map();
  // (operators without a schema, which libtorch 2.x has, are left out by the addon itself)
  for (const [name, overload, rawArgs, returns] of native.schemas()) {
    const args = rawArgs.map(([n, type, hasDefault, kwargOnly, writes]) => ({ name: n, camel: camel(n), type, parsed: parseType(type), hasDefault, kwargOnly, writes }));
    const written = args.flatMap((a, i) => (a.writes && a.type === "Tensor" ? [i] : []));
    const s: OpSchema = {
      name, overload, returns, args,
      returnKinds: returns.map(returnKind),
      selfIndex: args.findIndex((a) => a.name === "self" && !a.kwargOnly),
      returnsArg: written.length === 1 && returns.length === 1 && returns[0] === "Tensor" ? written[0] : -1,
      returnNames: name.startsWith("aten::") ? ownEntry(RETURN_NAMES, `${name.slice(6)}.${overload}`) : undefined,
    };
    const list = byName.get(name) ?? [];
    list.push(s);
    byName.set(name, list);
  }
  for (const [name, list] of byName) {
    const order = name.startsWith("aten::") ? ownEntry(OVERLOAD_ORDER, name.slice(6)) : undefined;
    // PyTorch's order where ATen's declarations give it; otherwise out= and Dimname overloads last
    const fallback = (s: OpSchema) =>
      (s.args.some((a) => a.kwargOnly && a.writes) || s.overload.endsWith("out") ? 2 : 0) + (/dimname/i.test(s.overload) ? 1 : 0);
    const rank = (s: OpSchema) => {
      const i = order ? order.indexOf(s.overload) : -1;
      return i >= 0 ? i : 1000 + fallback(s);
    };
    list.sort((a, b) => rank(a) - rank(b));
  }
  return byName;
}

/** All operator schemas as strings, e.g. "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha)". */
export function listOps(prefix = "aten::"): string[] {
  const out: string[] = [];
  for (const list of schemasByName().values()) {
    for (const s of list) if (s.name.startsWith(prefix)) out.push(signatureOf(s));
  }
  return out.sort();
}

function signatureOf(s: OpSchema): string {
  const parts: string[] = [];
  let star = false;
  for (const a of s.args) {
    if (a.kwargOnly && !star) {
      parts.push("*");
      star = true;
    }
    parts.push(`${a.type} ${a.name}${a.hasDefault ? "=…" : ""}`);
  }
  return `${s.name}${s.overload ? "." + s.overload : ""}(${parts.join(", ")})`;
}

const LAYOUTS: Record<string, number> = { strided: 0, sparse: 1 };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isFloatScalar(v: unknown): v is { tstorchFloat: number } {
  return typeof v === "object" && v !== null && "tstorchFloat" in v;
}
/** A complex Scalar, { tstorchComplex: [re, im] } (Python's 1+2j: alpha of addmm, a pad value). */
function isComplexScalar(v: unknown): v is { tstorchComplex: [number, number] } {
  if (typeof v !== "object" || v === null || !("tstorchComplex" in v)) return false;
  const c = (v as { tstorchComplex: unknown }).tstorchComplex;
  return Array.isArray(c) && c.length === 2 && typeof c[0] === "number" && typeof c[1] === "number";
}
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype && !isFloatScalar(v) && !isComplexScalar(v);
}

/** Element types JS can pass at all; a list of any other type (Dimname[]) never binds, even empty. */
const PASSABLE = new Set(["Tensor", "int", "SymInt", "float", "bool", "Scalar", "ScalarType", "Layout", "MemoryFormat", "Device", "str"]);

/** Does JS value `v` fit schema type `t`? */
function fits(v: unknown, t: ParsedType): boolean {
  if (v === null || v === undefined) return t.optional;
  if (t.elem !== null) {
    const elem = t.elem;
    if (!t.passable) return false;
    if (!Array.isArray(v)) return t.fixedLength && (elem.base === "int" || elem.base === "SymInt") && fits(v, elem);
    // like PyTorch's schema matching, `int[2]` takes a list of any length (the kernel checks it):
    // aten::roll(Tensor self, int[1] shifts, int[1] dims) is called with several shifts
    return v.every((x) => fits(x, elem));
  }
  switch (t.base) {
    case "Tensor": return v instanceof Tensor;
    case "int": case "SymInt":
      return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "bigint" && v >= INT64_MIN && v <= INT64_MAX);
    case "float": return typeof v === "number" || isFloatScalar(v);
    case "bool": return typeof v === "boolean";
    case "Scalar":
      return typeof v === "number" || typeof v === "boolean" || (typeof v === "bigint" && v >= INT64_MIN && v <= INT64_MAX) ||
        isFloatScalar(v) || isComplexScalar(v);
    case "ScalarType": return isDTypeName(v);
    case "Layout": return typeof v === "string" && v in LAYOUTS;
    case "MemoryFormat": return typeof v === "string" && ["contiguous", "preserve", "channelsLast"].includes(v);
    case "Device": return v instanceof Device || (typeof v === "string" && isDeviceString(v));
    case "str": return typeof v === "string";
    default: return false; // Generator, Dimname, Storage, ...: not passable from JS (null only)
  }
}

/** Converts a fitting JS value to what the addon expects for type `t`. */
function lower(v: unknown, t: ParsedType): unknown {
  if (v === null || v === undefined) return v;
  if (t.elem !== null) {
    if (!Array.isArray(v)) return v;
    const elem = t.elem;
    return v.map((e) => lower(e, elem));
  }
  if (v instanceof Tensor) return v._h;
  switch (t.base) {
    case "float": return isFloatScalar(v) ? v.tstorchFloat : v;
    case "ScalarType": return dtypeCode(v as string);
    case "Layout": return LAYOUTS[v as string];
    case "MemoryFormat": return memoryFormatCode(v as MemoryFormat);
    case "Device": return String(v);
  }
  return v;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return v.isDisposed ? "a disposed Tensor" : `Tensor[${v.shape}] ${v.dtype}`;
  if (Array.isArray(v)) return `[${v.map((e) => (e instanceof Tensor ? "Tensor" : describe(e))).join(", ")}]`;
  if (v === null) return "null";
  if (isFloatScalar(v)) return `torch.scalar(${v.tstorchFloat})`;
  if (isComplexScalar(v)) return `complex(${v.tstorchComplex.join(", ")})`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** A schema type as PyTorch's Python errors name it: SymInt (libtorch 2.x's schemas for sizes) is an
 * int to its users ("Expected a value of type 'int' for argument 'diagonal'" on aten::tril's SymInt). */
function typeForUsers(type: string): string {
  return type.replace(/\bSymInt\b/g, "int");
}

type Bound = { args: unknown[]; given: unknown[] } | { reason: string };

/** Binds positional (with `self` placed at the schema's self), keyword arguments to schema s. */
function bind(s: OpSchema, positional: readonly unknown[], kwargs: Record<string, unknown> | null, self: Tensor | undefined): Bound {
  let pos = positional;
  if (self !== undefined) {
    if (s.selfIndex < 0) return { reason: "has no self argument" };
    pos = [...positional.slice(0, s.selfIndex), self, ...positional.slice(s.selfIndex)];
  }
  if (pos.length > s.args.length) return { reason: `takes ${s.args.length - (self ? 1 : 0)} arguments, got ${pos.length - (self ? 1 : 0)}` };
  const given: unknown[] = new Array(s.args.length).fill(undefined);
  for (let i = 0; i < pos.length; i++) given[i] = pos[i];
  if (kwargs) {
    for (const [k, v] of Object.entries(kwargs)) {
      if (v === undefined) continue;
      const i = s.args.findIndex((a) => a.name === k || a.camel === k);
      if (i < 0) return { reason: `has no argument '${k}'` };
      if (i < pos.length && pos[i] !== undefined) return { reason: `got argument '${s.args[i].name}' twice (positionally and by name)` };
      given[i] = v;
    }
  }
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i];
    const v = given[i];
    if (v === undefined) {
      // as in PyTorch, only a default makes an argument optional; `Tensor? bias` without one needs null
      if (!a.hasDefault) return { reason: `missing value for argument '${a.name}'${a.type.endsWith("?") ? " (pass null for None)" : ""}` };
      continue;
    }
    if (!fits(v, a.parsed)) return { reason: `argument '${a.name}' must be ${typeForUsers(a.type)}, not ${describe(v)}` };
  }
  return { args: given.map((v, i) => lower(v, s.args[i].parsed)), given };
}

function wrapResult(v: unknown, kind: ReturnKind): unknown {
  if (v === null || v === undefined) return v;
  switch (kind) {
    case ReturnKind.Tensor: return wrap(v as never);
    case ReturnKind.TensorList: return (v as unknown[]).map((e) => (e === null ? null : wrap(e as never)));
    case ReturnKind.ScalarType: return typeof v === "number" ? dtypeName(v) : v;
    default: return v;
  }
}

function invoke(s: OpSchema, bound: { args: unknown[]; given: unknown[] }): unknown {
  if (s.id === undefined) s.id = native.opId(s.name, s.overload);
  const args = bound.args;
  // trailing undefined args let the addon apply schema defaults
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  // the addon names the operator in its errors and says how to fix a dtype mismatch
  if (s.returnsArg >= 0) {
    // in-place and out= ops return the tensor they wrote: give back the caller's object
    native.callInPlace(s.id, ...args.slice(0, n));
    return bound.given[s.returnsArg];
  }
  // a recycled handle for a single-tensor result, and the "used after dispose" explanation (handle-pool.ts)
  const raw = callPooled(s.id, ...args.slice(0, n));
  if (s.returns.length === 0) return undefined;
  if (s.returns.length === 1) return wrapResult(raw, s.returnKinds[0]);
  const out = (raw as unknown[]).map((r, i) => wrapResult(r, s.returnKinds[i])) as unknown[] & Record<string, unknown>;
  s.returnNames?.forEach((name, i) => (out[name] = out[i]));
  return out;
}

function callByName(name: string, candidates: OpSchema[], args: readonly unknown[], self: Tensor | undefined): unknown {
  let kwargs: Record<string, unknown> | null = null;
  let positional = args;
  if (args.length > 0 && isPlainObject(args[args.length - 1])) {
    kwargs = args[args.length - 1] as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  const reasons: string[] = [];
  for (const s of candidates) {
    const bound = bind(s, positional, kwargs, self);
    if ("args" in bound) return invoke(s, bound);
    reasons.push(bound.reason);
  }
  const shown = self ? [self, ...args] : args;
  if (candidates.length === 1) {
    throw new Error(`tstorch: ${name}: ${reasons[0]}\n  ${signatureOf(candidates[0])}\n  called with (${shown.map(describe).join(", ")})`);
  }
  const sigs = candidates.map((s, i) => `  ${signatureOf(s)}: ${reasons[i]}`);
  throw new Error(`tstorch: ${name}(${shown.map(describe).join(", ")}) matches no overload:\n${sigs.join("\n")}`);
}

function unknownOperator(qualified: string): Error {
  return new Error(`tstorch: unknown operator ${qualified} (not in the linked libtorch ${native.versions().libtorch})`);
}

/** The generated surface's entry: aten::NAME with `args` (and `self` for a method). */
export function callAten(name: string, args: readonly unknown[], self: Tensor | undefined): unknown {
  const candidates = schemasByName().get(`aten::${name}`);
  if (!candidates) throw unknownOperator(`aten::${name}`);
  return callByName(`aten::${name}`, candidates, args, self);
}

type OpFn = ((...args: unknown[]) => any) & Record<string, (...args: unknown[]) => any>;

function opPacket(qualified: string): OpFn | undefined {
  const candidates = schemasByName().get(qualified);
  if (!candidates) return undefined;
  const fn = ((...args: unknown[]) => callByName(qualified, candidates, args, undefined)) as OpFn;
  for (const s of candidates) {
    const key = s.overload === "" ? "default" : s.overload;
    fn[key] = (...args: unknown[]) => callByName(`${qualified}.${key}`, [s], args, undefined);
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
        if (!fn) throw unknownOperator(`${ns}::${prop}`);
        cache.set(prop, fn);
      }
      return fn;
    },
    has(_t, prop) {
      return typeof prop === "string" && schemasByName().has(`${ns}::${prop}`);
    },
  });
}

/**
 * `torch.ops.aten.cumsum(x, 1)`, `torch.ops.prims...`: any namespace the dispatcher knows;
 * `torch.ops.aten` is typed from the linked libtorch's own registry (src/generated/aten-ops.d.ts, written
 * by scripts/gen/gen-aten.mjs at build and install time): every operator and overload it has.
 */
export interface Ops {
  readonly aten: AtenOps;
  readonly prims: Record<string, OpFn>;
  readonly quantized: Record<string, OpFn>;
  readonly [namespace: string]: Record<string, OpFn> | AtenOps;
}
export const ops: Ops = new Proxy(
  {} as Ops,
  {
    get(target, prop) {
      if (typeof prop !== "string") return undefined;
      if (!(prop in target)) (target as Record<string, unknown>)[prop] = namespace(prop);
      return (target as Record<string, unknown>)[prop];
    },
  },
);
