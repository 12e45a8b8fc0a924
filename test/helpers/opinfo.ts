// PyTorch's OpInfo corpus, replayed through tstorch's torch.ops.aten (test/opinfo.test.ts).
//
// test/helpers/opinfo_dump.py writes the samples that PyTorch's own torch.ops.aten accepts
// (corpus.json + tensors.bin, formats described there) into .cache/opinfo/<torch>-<script hash>/;
// corpusDir() makes it when missing. This file turns a sample's stored values into the JS
// arguments a tstorch user would write (a Python float that is whole becomes torch.scalar(x),
// kwargs a trailing options object), calls the operator and compares every output with PyTorch's.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { REPO_ROOT } from "./cifar.js";
import { PYTHON, pythonTorch } from "./parity.js";

export const DUMP_SCRIPT = path.join(REPO_ROOT, "test", "helpers", "opinfo_dump.py");

export interface StoredTensor {
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}
export type Stored =
  | number | boolean | string | null | Stored[]
  | { int: string } | { float: number | string } | { complex: [number | string, number | string] }
  | { tensor: StoredTensor } | { sparse: StoredTensor } | { dtype: DType } | { device: string } | { layout: string } | { memoryFormat: string };

export interface Sample {
  index: number;
  random?: boolean;
  unpassable?: string;
  args?: Stored[];
  kwargs?: Record<string, Stored>;
  result?: Stored;
}
export interface Group {
  opinfo: string;
  aten: string;
  dtype: string;
  samples: Sample[];
  /** samples that PyTorch's torch.ops.aten refused, and the first one's error */
  rejected: number;
  rejectedExample: string | null;
}
export interface Corpus {
  stats: { opinfos: number; aten: number; samples: number; accepted: number; rejected: number; unpassable: number; torch: string;
    /** aten names that torch.ops.aten resolves through TorchScript's registry only (absent before this field) */
    notInDispatcher?: string[] };
  groups: Group[];
}

/** The cache folder for this PyTorch and this dump script: .cache/opinfo/<version>-<sha256[:12]>. */
export function corpusDirName(): string {
  const p = pythonTorch();
  if (!p.ok) throw new Error(`PyTorch is required for the OpInfo corpus: ${p.reason}`);
  const hash = createHash("sha256").update(fs.readFileSync(DUMP_SCRIPT)).digest("hex").slice(0, 12);
  return path.join(REPO_ROOT, ".cache", "opinfo", `${p.version}-${hash}`);
}

/** The corpus folder, dumping the corpus first when it is not cached (about 40 s). */
export function corpusDir(): string {
  const dir = corpusDirName();
  if (!fs.existsSync(path.join(dir, "corpus.json"))) {
    const r = spawnSync(PYTHON, [DUMP_SCRIPT, dir], { encoding: "utf8", maxBuffer: 1 << 28, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${DUMP_SCRIPT} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`);
    // corpora of other PyTorch versions or dump scripts are stale: keep only this one
    const parent = path.dirname(dir);
    for (const d of fs.readdirSync(parent)) if (path.join(parent, d) !== dir) fs.rmSync(path.join(parent, d), { recursive: true, force: true });
  }
  return dir;
}

export function loadCorpus(dir: string): Corpus {
  return JSON.parse(fs.readFileSync(path.join(dir, "corpus.json"), "utf8")) as Corpus;
}

/** A sample's name in reports and finding files: opinfo/dtype#index. */
export const sampleId = (g: Group, s: Sample) => `${g.opinfo}/${g.dtype}#${s.index}`;

// ---------------------------------------------------------------- stored values -> JS values

export class Unpassable extends Error {}

function parseFloatish(x: number | string): number {
  return x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : (x as number);
}

/** A fresh copy of the bytes, aligned for its typed array. */
function bytesOf(blob: Buffer, t: StoredTensor): ArrayBuffer {
  const out = new ArrayBuffer(t.bytes);
  new Uint8Array(out).set(blob.subarray(t.offset, t.offset + t.bytes));
  return out;
}

export function tensorOf(blob: Buffer, t: StoredTensor): Tensor {
  const buf = bytesOf(blob, t);
  const shape = t.shape;
  switch (t.dtype) {
    case "float32": return torch.fromTypedArray(new Float32Array(buf), shape);
    case "float64": return torch.fromTypedArray(new Float64Array(buf), shape);
    case "float16": case "bfloat16": return torch.fromTypedArray(new Float32Array(buf), shape, { dtype: t.dtype });
    case "complex64": return torch.fromTypedArray(new Float32Array(buf), shape, { dtype: "complex64" });
    case "complex128": return torch.fromTypedArray(new Float64Array(buf), shape, { dtype: "complex128" });
    case "int64": return torch.fromTypedArray(new BigInt64Array(buf), shape);
    case "int32": return torch.fromTypedArray(new Int32Array(buf), shape);
    case "int16": return torch.fromTypedArray(new Int16Array(buf), shape);
    case "int8": return torch.fromTypedArray(new Int8Array(buf), shape);
    case "uint8": return torch.fromTypedArray(new Uint8Array(buf), shape);
    case "bool": return torch.fromTypedArray(new Uint8Array(buf), shape, { dtype: "bool" });
  }
  throw new Unpassable(`tensor of dtype ${t.dtype as string}`);
}

/** The JS value a user writes for a stored Python value. */
export function toJs(v: Stored, blob: Buffer): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((e) => toJs(e, blob));
  if ("tensor" in v) return tensorOf(blob, v.tensor);
  if ("float" in v) {
    const x = parseFloatish(v.float);
    // JS cannot tell 2.0 from 2: a whole Python float is marked, as the README tells users to
    return Number.isInteger(x) ? torch.scalar(x) : x;
  }
  if ("int" in v) return BigInt(v.int);
  if ("dtype" in v) return v.dtype;
  if ("device" in v) return v.device;
  if ("layout" in v) return v.layout;
  if ("memoryFormat" in v) return v.memoryFormat;
  // a complex Scalar as src/core/ops.ts takes it (the addon's share: /tmp/team/fuzz-findings.md)
  if ("complex" in v) return { tstorchComplex: [parseFloatish(v.complex[0]), parseFloatish(v.complex[1])] };
  if ("sparse" in v) return (torch.ops.aten as unknown as Record<string, (t: Tensor) => Tensor>).to_sparse(tensorOf(blob, v.sparse));
  throw new Unpassable(`stored value ${JSON.stringify(v)}`);
}

/** The arguments of torch.ops.aten.NAME(...) for a sample: positional, then kwargs as an options object. */
export function argsOf(s: Sample, blob: Buffer): unknown[] {
  const args = (s.args ?? []).map((a) => toJs(a, blob));
  const kw = Object.entries(s.kwargs ?? {});
  if (kw.length > 0) args.push(Object.fromEntries(kw.map(([k, v]) => [k, toJs(v, blob)])));
  return args;
}

/** Renders a sample as the TypeScript call a user would write (for findings). */
export function describeCall(g: Group, s: Sample): string {
  const show = (v: Stored): string => {
    if (v === null) return "null";
    if (typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
    if ("tensor" in v) return `Tensor[${v.tensor.shape}] ${v.tensor.dtype}`;
    if ("sparse" in v) return `sparse Tensor[${v.sparse.shape}] ${v.sparse.dtype}`;
    if ("float" in v) {
      const x = parseFloatish(v.float);
      return Number.isInteger(x) ? `torch.scalar(${x})` : String(x);
    }
    if ("int" in v) return `${v.int}n`;
    if ("complex" in v) return `complex(${v.complex.join(", ")})`;
    return JSON.stringify(Object.values(v)[0]);
  };
  const parts = (s.args ?? []).map(show);
  const kw = Object.entries(s.kwargs ?? {});
  if (kw.length > 0) parts.push(`{ ${kw.map(([k, v]) => `${k}: ${show(v)}`).join(", ")} }`);
  return `torch.ops.aten.${g.aten}(${parts.join(", ")})`;
}

// ---------------------------------------------------------------- comparing results

export const RTOL = 1e-4;
export const ATOL = 1e-5;

/** Why `got` differs from PyTorch's `want`, or null when equal (shape and dtype only for random ops). */
export function compare(got: unknown, want: Stored, blob: Buffer, random: boolean, where = "result"): string | null {
  if (want === null) return got === null || got === undefined ? null : `${where}: expected None, got ${kind(got)}`;
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${where}: expected a tuple/list of ${want.length}, got ${kind(got)}`;
    if (got.length !== want.length) return `${where}: expected ${want.length} outputs, got ${got.length}`;
    for (let i = 0; i < want.length; i++) {
      const d = compare(got[i], want[i], blob, random, `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof want === "object" && "tensor" in want) {
    if (!(got instanceof torch.Tensor)) return `${where}: expected a Tensor, got ${kind(got)}`;
    return compareTensor(got, want.tensor, blob, random, where);
  }
  if (typeof want === "object" && "sparse" in want) {
    if (!(got instanceof torch.Tensor)) return `${where}: expected a sparse Tensor, got ${kind(got)}`;
    const dense = (torch.ops.aten as unknown as Record<string, (t: Tensor) => Tensor>).to_dense(got);
    return compareTensor(dense, want.sparse, blob, random, `${where} (to_dense)`);
  }
  if (typeof want === "object" && "float" in want) {
    const w = parseFloatish(want.float);
    if (typeof got !== "number") return `${where}: expected float ${w}, got ${kind(got)}`;
    return close(got, w) ? null : `${where}: expected ${w}, got ${got}`;
  }
  if (typeof want === "object" && "complex" in want) {
    const c = (got as { tstorchComplex?: unknown } | null)?.tstorchComplex;
    if (!Array.isArray(c)) return `${where}: expected complex ${want.complex}, got ${kind(got)}`;
    const ok = close(c[0] as number, parseFloatish(want.complex[0])) && close(c[1] as number, parseFloatish(want.complex[1]));
    return ok ? null : `${where}: expected complex ${want.complex}, got ${c}`;
  }
  if (typeof want === "object" && "dtype" in want) return got === want.dtype ? null : `${where}: expected dtype ${want.dtype}, got ${String(got)}`;
  const w = typeof want === "object" && "int" in want ? BigInt(want.int) : want;
  // an int result may come back as a number or an exact bigint
  if ((typeof w === "number" || typeof w === "bigint") && (typeof got === "number" || typeof got === "bigint")) {
    return BigInt(got) === BigInt(w) ? null : `${where}: expected ${w}, got ${got}`;
  }
  return got === w ? null : `${where}: expected ${JSON.stringify(w)}, got ${kind(got)} ${String(got)}`;
}

function kind(v: unknown): string {
  if (v instanceof torch.Tensor) return `Tensor[${v.shape}] ${v.dtype}`;
  if (Array.isArray(v)) return `array(${v.length})`;
  return v === null ? "null" : typeof v;
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= ATOL + RTOL * Math.abs(b);
}

function compareTensor(got: Tensor, want: StoredTensor, blob: Buffer, random: boolean, where: string): string | null {
  if (got.isDisposed) return `${where}: the result tensor is disposed`;
  if (got.dtype !== want.dtype) return `${where}: dtype ${got.dtype}, PyTorch's is ${want.dtype}`;
  if (got.shape.join(",") !== want.shape.join(",")) return `${where}: shape [${got.shape}], PyTorch's is [${want.shape}]`;
  if (random) return null;
  const g = got.toTypedArray();
  const buf = bytesOf(blob, want);
  const w = ((): ArrayLike<number | bigint> => {
    switch (want.dtype) {
      case "float64": case "complex128": return new Float64Array(buf);
      case "float32": case "float16": case "bfloat16": case "complex64": case "complex32": return new Float32Array(buf);
      case "int64": return new BigInt64Array(buf);
      case "int32": return new Int32Array(buf);
      case "int16": return new Int16Array(buf);
      case "int8": return new Int8Array(buf);
      default: return new Uint8Array(buf);
    }
  })();
  if (g.length !== w.length) return `${where}: ${g.length} elements, PyTorch's has ${w.length}`;
  const exact = !/^(float|bfloat|complex)/.test(want.dtype);
  for (let i = 0; i < w.length; i++) {
    const a = g[i], b = w[i];
    const ok = exact ? a === b : close(a as number, b as number);
    if (!ok) return `${where}: element ${i} is ${a}, PyTorch's is ${b} (dtype ${want.dtype}, shape [${want.shape}])`;
  }
  return null;
}

// ---------------------------------------------------------------- replaying one sample

export type Outcome =
  | { status: "equal" }
  | { status: "different"; why: string }
  | { status: "refused"; why: string } // tstorch threw where PyTorch accepted
  | { status: "unpassable"; why: string }; // the sample holds a value JS cannot express

/** Runs one sample through torch.ops.aten and compares with PyTorch's stored result. */
export function replay(g: Group, s: Sample, blob: Buffer): Outcome {
  if (s.unpassable) return { status: "unpassable", why: s.unpassable };
  return torch.scope(() => {
    let args: unknown[];
    try {
      args = argsOf(s, blob);
    } catch (e) {
      if (e instanceof Unpassable) return { status: "unpassable", why: e.message } as Outcome;
      throw e;
    }
    let got: unknown;
    try {
      got = (torch.ops.aten as unknown as Record<string, (...a: unknown[]) => unknown>)[g.aten](...args);
    } catch (e) {
      return { status: "refused", why: (e as Error).message } as Outcome;
    }
    let why: string | null;
    try {
      why = compare(got, s.result ?? null, blob, s.random === true);
    } catch (e) {
      // the call returned, but its result cannot be read
      return { status: "refused", why: `reading the result: ${(e as Error).message}` } as Outcome;
    }
    return (why === null ? { status: "equal" } : { status: "different", why }) as Outcome;
  });
}

/** A short class for a failure message: the error's first line with numbers and shapes blanked. */
export function failureClass(o: Outcome): string {
  if (o.status === "equal") return "equal";
  const first = o.why.split("\n")[0];
  const generic = first
    .replace(/Tensor\[[^\]]*\]/g, "Tensor")
    .replace(/\[[\d, ]*\]/g, "[…]")
    .replace(/-?\d+(\.\d+)?(e-?\d+)?/g, "N")
    .slice(0, 160);
  return `${o.status}: ${generic}`;
}
