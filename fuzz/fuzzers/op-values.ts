// Values that fit a schema argument's type: small random tensors of a fitting dtype, ints, floats,
// bools, lists, null for optionals. Names steer the choice where the name says what fits
// (a `dim` within the rank, an `index` of int64 in range, a `mask` of bools).
import * as torch from "../../src/index.js";
import type { Rng } from "../rng.js";
import type { FuzzArg } from "./op-schemas.js";

export type DT = torch.DType;
export const DTYPES: DT[] = ["float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16", "bfloat16"];

/** A tensor of `shape` and `dtype` with small random values (0 and 1 for bool, [0, hi) for ints). */
export function randomTensor(rng: Rng, shape: number[], dtype: DT, hi = 3): torch.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === "int64") {
    const a = new BigInt64Array(n);
    for (let i = 0; i < n; i++) a[i] = BigInt(rng.int(0, hi - 1));
    return torch.fromTypedArray(a, shape);
  }
  if (dtype === "float64") {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.next() * 2 - 0.5;
    return torch.fromTypedArray(a, shape);
  }
  if (dtype === "float32" || dtype === "float16" || dtype === "bfloat16") {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.next() * 2 - 0.5;
    const t = torch.fromTypedArray(a, shape);
    return dtype === "float32" ? t : t.to(dtype);
  }
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = dtype === "bool" ? rng.int(0, 1) : rng.int(0, hi - 1);
  return torch.fromTypedArray(a, shape).to(dtype);
}

const STRINGS: Record<string, string[]> = {
  reduce: ["sum", "mean", "amax", "prod"],
  reduction: ["sum", "mean", "none"],
  mode: ["constant", "reflect", "bilinear", "nearest", "reduced"],
  padding_mode: ["zeros", "reflect"],
  approximate: ["none", "tanh"],
  rounding_mode: ["trunc", "floor"],
  indexing: ["ij", "xy"],
  interpolation: ["linear", "nearest", "lower"],
  side: ["left", "right"],
  equation: ["ij->ji", "i,i->", "ii->i"],
  padding: ["same", "valid"],
  UPLO: ["L", "U"],
  uplo: ["L", "U"],
  driver: ["gelsd", "gelsy"],
  ord: ["fro", "nuc"],
  norm: ["backward", "ortho"],
  dtype: ["float"],
  layout: ["strided"],
};

export interface ShapeContext {
  /** the shape most tensors of the case get, so that elementwise operators fit */
  base: number[];
  dtype: DT;
}

function listLength(type: string, rng: Rng): number {
  const m = /\[(\d+)\]/.exec(type);
  return m ? Number(m[1]) : rng.int(1, 2);
}

/** A value that fits `arg` (for an optional, sometimes null). */
export function fittingValue(arg: FuzzArg, ctx: ShapeContext, rng: Rng): unknown {
  const optional = arg.type.endsWith("?");
  if (optional && rng.bool(0.35)) return null;
  const base = optional ? arg.type.slice(0, -1) : arg.type;
  const rank = ctx.base.length;
  const n = arg.name.toLowerCase();
  const listOf = /^(.*)\[(\d*)\]$/.exec(base);
  if (listOf) {
    const elem = listOf[1];
    if (elem === "Tensor" || elem === "Tensor?") {
      const k = rng.int(1, 3);
      return Array.from({ length: k }, () => (elem === "Tensor?" && rng.bool(0.2) ? null : tensorFor(arg.name, ctx, rng)));
    }
    if (elem === "int" || elem === "SymInt") {
      const len = listLength(base, rng);
      if (/size|shape|sizes/.test(n)) return rank > 0 ? [...ctx.base] : [2, 3];
      if (/dim|axis|axes|dims/.test(n)) return Array.from({ length: Math.min(len, Math.max(rank, 1)) }, (_, i) => (rank > 0 ? i % rank : 0));
      if (/kernel|output_size/.test(n)) return Array.from({ length: len }, () => rng.int(1, 2));
      if (/stride|dilation/.test(n)) return Array.from({ length: len }, () => 1);
      if (/pad/.test(n)) return Array.from({ length: len }, () => rng.int(0, 1));
      return Array.from({ length: len }, () => rng.int(0, 2));
    }
    if (elem === "float") return Array.from({ length: listLength(base, rng) }, () => rng.next() * 2);
    if (elem === "bool") return Array.from({ length: listLength(base, rng) }, () => rng.bool());
    if (elem === "Scalar") return Array.from({ length: listLength(base, rng) }, () => rng.int(0, 2));
    if (elem === "str") return ["a"];
    return optional ? null : [];
  }
  switch (base) {
    case "Tensor": return tensorFor(arg.name, ctx, rng);
    case "int": case "SymInt":
      if (/dim/.test(n)) return rank > 0 ? rng.int(-rank, rank - 1) : 0;
      if (/reduction/.test(n)) return rng.int(0, 2);
      if (/groups|chunks|repeats|^k$|^n$|steps|num_classes|ndim|split_size|sections/.test(n)) return rng.int(1, 2);
      return rng.int(0, 2);
    case "float": return /^p$|eps|momentum|alpha|beta|lambd|negative_slope|dropout/.test(n) ? rng.pick([0.5, 0.1, 1e-5]) : rng.next() * 2 - 0.5;
    case "bool": return rng.bool();
    case "Scalar": return rng.bool(0.5) ? rng.int(0, 3) : torch.scalar(rng.next() * 2);
    case "ScalarType": return rng.pick(["float32", "float64", "int64"]);
    case "Layout": return "strided";
    case "MemoryFormat": return rng.pick(["contiguous", "preserve"]);
    case "Device": return "cpu";
    case "str": return rng.pick(STRINGS[arg.name] ?? STRINGS[n] ?? ["none", "sum", "mean", ""]);
    default: return null; // Generator, Storage, Dimname, Stream, classes: only null passes
  }
}

/** A tensor for an argument named `name`: index-like names get int64 in range, masks bool. */
export function tensorFor(name: string, ctx: ShapeContext, rng: Rng): torch.Tensor {
  const n = name.toLowerCase();
  const shape = rng.bool(0.8) ? ctx.base : randomShape(rng);
  if (/index|indices|target|labels|offsets|lengths|indptr|crow|col|row/.test(n)) return randomTensor(rng, shape, "int64", 2);
  if (/mask/.test(n)) return randomTensor(rng, shape, "bool");
  return randomTensor(rng, shape, rng.bool(0.85) ? ctx.dtype : rng.pick(DTYPES));
}

export function randomShape(rng: Rng): number[] {
  const rank = rng.pick([0, 1, 1, 2, 2, 2, 3, 4]);
  return Array.from({ length: rank }, () => rng.int(1, 4));
}
