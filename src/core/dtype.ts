// Tensor element types: PyTorch's names, libtorch's ScalarType codes, and JS typed arrays.

export type DType =
  | "uint8" | "int8" | "int16" | "int32" | "int64" | "float16" | "float32" | "float64" | "bool" | "bfloat16"
  | "complex32" | "complex64" | "complex128";

/** c10::ScalarType values. */
const CODES: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, complex32: 8, complex64: 9, complex128: 10,
  bool: 11, bfloat16: 15,
};
/** libtorch's other ScalarTypes, named in the error that says tstorch cannot hold them. */
const UNSUPPORTED: Record<number, string> = {
  12: "qint8", 13: "quint8", 14: "qint32", 16: "quint4x2", 17: "quint2x4",
};
const NAMES: Record<number, DType> = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

/** PyTorch-style aliases (torch.float, torch.long, ...). */
const ALIASES: Record<string, DType> = {
  float: "float32", double: "float64", half: "float16", long: "int64", int: "int32", short: "int16",
  byte: "uint8", char: "int8", boolean: "bool", chalf: "complex32", cfloat: "complex64", cdouble: "complex128",
};

export function dtypeCode(d: DType | string): number {
  const name = (ALIASES[d] ?? d) as DType;
  const code = CODES[name];
  if (code === undefined) throw new Error(`tstorch: unknown dtype '${d}' (expected one of ${Object.keys(CODES).join(", ")})`);
  return code;
}

export function dtypeName(code: number): DType {
  const n = NAMES[code];
  if (n === undefined) {
    const what = UNSUPPORTED[code] ?? `code ${code}`;
    throw new Error(`tstorch: tensors of dtype ${what} are not supported (tstorch holds ${Object.keys(CODES).join(", ")})`);
  }
  return n;
}

export function isDTypeName(x: unknown): x is DType {
  return typeof x === "string" && (x in CODES || x in ALIASES);
}

export function isFloatingDType(d: DType): boolean {
  return d === "float16" || d === "float32" || d === "float64" || d === "bfloat16";
}

/** complex32/64/128: their elements read and write as interleaved (re, im) pairs (complex32 through complex64). */
export function isComplexDType(d: DType): boolean {
  return d === "complex64" || d === "complex128" || d === "complex32";
}

export type TypedArray =
  | Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array | Uint8ClampedArray | Uint16Array | Uint32Array;

/**
 * The typed array a tensor of this dtype is read into (float16/bfloat16 read as float32;
 * complex64/complex128 as interleaved re, im pairs in a Float32Array/Float64Array twice as long).
 */
export type TypedArrayFor<D extends DType> = D extends "float64" | "complex128" ? Float64Array
  : D extends "int64" ? BigInt64Array
  : D extends "int32" ? Int32Array
  : D extends "int16" ? Int16Array
  : D extends "int8" ? Int8Array
  : D extends "uint8" | "bool" ? Uint8Array
  : Float32Array;

/** The dtype a typed array holds natively, or null when libtorch has no such dtype. */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | null {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint8";
  if (a instanceof BigInt64Array) return "int64";
  return null;
}

export function typedArrayFromBuffer(d: DType, buf: ArrayBuffer): TypedArray {
  switch (d) {
    case "float32": case "complex64": return new Float32Array(buf);
    case "float64": case "complex128": return new Float64Array(buf);
    case "int64": return new BigInt64Array(buf);
    case "int32": return new Int32Array(buf);
    case "int16": return new Int16Array(buf);
    case "int8": return new Int8Array(buf);
    case "uint8": case "bool": return new Uint8Array(buf);
    default: throw new Error(`tstorch: no typed array for ${d}`);
  }
}
