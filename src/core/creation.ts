// Creating tensors: from JS data, and PyTorch's factory functions.
import { factoryDevice, getDefaultDtype } from "./defaults.js";
import { DType, dtypeCode, dtypeOfTypedArray } from "./dtype.js";
import { DeviceLike, deviceString } from "./device.js";
import { callPooled } from "./handle-pool.js";
import { native } from "./native.js";
import { opIds } from "./op-ids.js";
import { Scalar, Shape, Tensor, wrap } from "./tensor.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "zeros", "ones", "empty_memory_format", "full", "rand", "randn", "randint_low", "randperm", "arange_start_step",
  "linspace", "eye", "eye_m", "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "cat",
  "stack", "where_self"
);

export interface TensorOptions {
  dtype?: DType;
  device?: DeviceLike;
  requiresGrad?: boolean;
}

export type NestedArray = number | bigint | boolean | readonly NestedArray[];

const call = callPooled;

/**
 * `torch.tensor(data, { dtype, device, requiresGrad })`. `data` is a (nested) array of numbers,
 * bigints or booleans, or a typed array (1-d). JS has one number type and cannot tell 2.0 from 2,
 * so plain numbers give the default dtype (float32 unless setDefaultDtype changed it, as PyTorch's
 * floats do) unless `dtype` says otherwise; bigints give int64 (exact beyond 2^53), booleans bool; typed arrays keep their
 * element type (BigInt64Array is int64).
 */
export function tensor(data: NestedArray | ArrayBufferView, opts: TensorOptions = {}): Tensor {
  let t: Tensor;
  if (ArrayBuffer.isView(data)) {
    t = fromTypedArray(data, [Math.floor(data.byteLength / bytesPerElement(data))]);
  } else {
    // the shape comes from the first element at each depth; flatten() checks every other one
    const shape: number[] = [];
    const seen = new Set<unknown>();
    for (let x: NestedArray = data; Array.isArray(x); x = (x as readonly NestedArray[])[0]) {
      if (seen.has(x)) throw new Error("tstorch: tensor(): the nested array contains itself (a cycle)");
      seen.add(x);
      if (shape.length >= MAX_DIMS) throw new Error(`tstorch: tensor(): data nested deeper than ${MAX_DIMS} levels`);
      shape.push(x.length);
      if (x.length === 0) break;
    }
    const flat: (number | bigint | boolean)[] = [];
    flatten(data, 0, shape, flat);
    t = fromFlat(flat, shape, opts.dtype);
  }
  return finish(t, opts);
}

/** libtorch's own limit on a tensor's dimensions. */
const MAX_DIMS = 64;

/** A tensor over a copy of `data` with the given shape (the typed array's length must match). */
export function fromTypedArray(data: ArrayBufferView, shape: Shape, opts: TensorOptions = {}): Tensor {
  if ((opts.dtype === "complex64" && data instanceof Float32Array) || (opts.dtype === "complex128" && data instanceof Float64Array)) {
    // interleaved (re, im) pairs: the bytes already are complex64/complex128 elements
    return finish(wrap(native.fromBuffer(data, dtypeCode(opts.dtype), [...shape])), { ...opts, dtype: undefined });
  }
  let src = data;
  let dt = dtypeOfTypedArray(data);
  if (dt === null) {
    // Uint16/Uint32 have no libtorch dtype: widen like numpy-to-torch users expect
    if (data instanceof Uint16Array || data instanceof Uint32Array) {
      src = data instanceof Uint16Array ? Int32Array.from(data) : BigInt64Array.from(data, (v) => BigInt(v));
      dt = data instanceof Uint16Array ? "int32" : "int64";
    } else {
      throw new Error(`tstorch: unsupported typed array ${data.constructor.name}`);
    }
  }
  return finish(wrap(native.fromBuffer(src, dtypeCode(dt), [...shape])), opts);
}

function bytesPerElement(a: ArrayBufferView): number {
  return (a as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
}

function flatten(x: NestedArray, depth: number, shape: number[], out: (number | bigint | boolean)[]): void {
  if (Array.isArray(x)) {
    // a cycle deeper down than the first elements ends here: depth never exceeds the shape's length
    if (depth >= shape.length) throw new Error("tstorch: ragged nested array (an array where a number was expected)");
    if (shape[depth] !== x.length) {
      throw new Error(`tstorch: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${x.length}`);
    }
    for (const e of x) flatten(e, depth + 1, shape, out);
    return;
  }
  if (typeof x !== "number" && typeof x !== "boolean" && typeof x !== "bigint") {
    throw new Error(`tstorch: tensor() data must hold numbers, bigints or booleans, found ${x === null ? "null" : typeof x}`);
  }
  if (shape.length !== depth) throw new Error("tstorch: ragged nested array (a number where an array was expected)");
  out.push(x);
}

const INT_DTYPES = new Set<DType>(["int64", "int32", "int16", "int8", "uint8"]);

function fromFlat(flat: (number | bigint | boolean)[], shape: number[], dtype?: DType): Tensor {
  if (flat.length > 0 && flat.every((v) => typeof v === "boolean")) {
    return wrap(native.fromBuffer(Uint8Array.from(flat, (v) => (v ? 1 : 0)), dtypeCode("bool"), shape));
  }
  const anyBig = flat.some((v) => typeof v === "bigint");
  // int64 data (bigints, or whole numbers with an integer dtype asked for) goes through
  // BigInt64Array so that values beyond 2^53 stay exact
  if (anyBig || (dtype !== undefined && INT_DTYPES.has(dtype))) {
    const big = BigInt64Array.from(flat, (v, i) => toBigInt(v, i));
    return wrap(native.fromBuffer(big, dtypeCode("int64"), shape));
  }
  const nums = flat.map(Number);
  // libtorch's default dtype (setDefaultDtype); a dtype other than float32 goes through float64 so that
  // e.g. tensor(0.1, { dtype: "float64" }) is exactly 0.1
  const target = dtype ?? getDefaultDtype();
  if (target !== "float32") {
    const t = wrap(native.fromBuffer(Float64Array.from(nums), dtypeCode("float64"), shape));
    return dtype === undefined && target !== "float64" ? convert(t, target) : t;
  }
  return wrap(native.fromBuffer(Float32Array.from(nums), dtypeCode("float32"), shape));
}

function convert(t: Tensor, dtype: DType): Tensor {
  const out = t.to({ dtype });
  t.dispose();
  return out;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function toBigInt(v: number | bigint | boolean, i: number): bigint {
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) throw new Error(`tstorch: tensor(): element ${i} (${v}) is outside int64's range`);
    return v;
  }
  if (typeof v === "boolean") return v ? 1n : 0n;
  // PyTorch truncates fractions toward zero for an integer dtype; NaN and infinities have no value there
  if (!Number.isFinite(v)) throw new Error(`tstorch: tensor(): element ${i} (${v}) cannot be stored in an integer dtype`);
  return BigInt(Math.trunc(v));
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  const opts = { ...options, device: factoryDevice(options.device) };
  let out = t;
  if ((opts.dtype !== undefined && opts.dtype !== out.dtype) || opts.device !== undefined) {
    const moved = out.to({ dtype: opts.dtype, device: opts.device });
    out.dispose();
    out = moved;
  }
  if (opts.requiresGrad) out.requiresGrad_(true);
  return out;
}

function factoryArgs(opts: TensorOptions): [number | null, null, string | null, null] {
  const device = factoryDevice(opts.device);
  return [
    opts.dtype === undefined ? null : dtypeCode(opts.dtype),
    null,
    device === undefined ? null : deviceString(device),
    null,
  ];
}
function grad(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A shape as one array or as varargs, optionally followed by the options: `zeros([2, 3])`, `zeros(2, 3)`, `zeros(2, 3, { dtype })`. */
export type ShapeArgs = readonly [Shape, TensorOptions?] | readonly [...number[]] | readonly [...number[], TensorOptions];
function shapeAndOptions(args: ShapeArgs): [number[], TensorOptions] {
  let opts: TensorOptions = {};
  let dims = args as readonly unknown[];
  const last = dims[dims.length - 1];
  if (typeof last === "object" && last !== null && !Array.isArray(last)) {
    opts = last as TensorOptions;
    dims = dims.slice(0, -1);
  }
  if (dims.length === 1 && Array.isArray(dims[0])) return [[...(dims[0] as Shape)], opts];
  for (const d of dims) {
    if (typeof d !== "number") throw new Error(`tstorch: a shape is an array of numbers or numbers as arguments, got ${Array.isArray(d) ? "an array among numbers" : typeof d}`);
  }
  return [dims as number[], opts];
}

export function zeros(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions(args);
  return grad(wrap(call(aten.zeros, [...shape], ...factoryArgs(opts))), opts);
}
export function ones(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions(args);
  return grad(wrap(call(aten.ones, [...shape], ...factoryArgs(opts))), opts);
}
export function empty(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions(args);
  return grad(wrap(call(aten.empty_memory_format, [...shape], ...factoryArgs(opts), null)), opts);
}
/** Filled with `value`; the dtype follows the value (int64 for whole numbers) unless given. */
export function full(shape: Shape, value: Scalar, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.full, [...shape], value, ...factoryArgs(opts))), opts);
}
export function rand(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions(args);
  return grad(wrap(call(aten.rand, [...shape], ...factoryArgs(opts))), opts);
}
export function randn(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions(args);
  return grad(wrap(call(aten.randn, [...shape], ...factoryArgs(opts))), opts);
}
/** Integers in [low, high); `randint(high, shape)` or `randint(low, high, shape)`. */
export function randint(low: number, high: number | Shape, shape?: Shape | TensorOptions, opts: TensorOptions = {}): Tensor {
  if (typeof high !== "number") return randint(0, low, high, (shape as TensorOptions | undefined) ?? {});
  const o = { dtype: "int64" as DType, ...opts };
  return wrap(call(aten.randint_low, low, high, [...(shape as Shape)], ...factoryArgs(o)));
}
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  return wrap(call(aten.randperm, n, ...factoryArgs({ dtype: "int64", ...opts })));
}
/**
 * `arange(end)`, `arange(start, end, step?)`, each optionally followed by the options; int64 when
 * all bounds are whole numbers, unless a dtype is given (as in PyTorch).
 */
export function arange(end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number | undefined, step: number, opts?: TensorOptions): Tensor;
export function arange(start: number, endOrOpts?: number | TensorOptions, stepOrOpts?: number | TensorOptions, lastOpts: TensorOptions = {}): Tensor {
  let opts = lastOpts;
  let end: number | undefined;
  let step = 1;
  if (typeof endOrOpts === "object") opts = endOrOpts;
  else end = endOrOpts;
  if (typeof stepOrOpts === "object") opts = stepOrOpts;
  else if (stepOrOpts !== undefined) step = stepOrOpts;
  const [s, e] = end === undefined ? [0, start] : [start, end];
  return grad(wrap(call(aten.arange_start_step, s, e, step, ...factoryArgs(opts))), opts);
}
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.linspace, { tstorchFloat: start }, { tstorchFloat: end }, steps, ...factoryArgs(opts))), opts);
}
export function eye(n: number, m?: number, opts: TensorOptions = {}): Tensor {
  return grad(wrap(m === undefined ? call(aten.eye, n, ...factoryArgs(opts)) : call(aten.eye_m, n, m, ...factoryArgs(opts))), opts);
}

function likeArgs(opts: TensorOptions): [number | null, null, string | null, null, null] {
  // *_like follow their input's device, not the default one (as in PyTorch)
  return [opts.dtype === undefined ? null : dtypeCode(opts.dtype), null, opts.device === undefined ? null : deviceString(opts.device), null, null];
}
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.zeros_like, t._h, ...likeArgs(opts))), opts);
}
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.ones_like, t._h, ...likeArgs(opts))), opts);
}
export function emptyLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.empty_like, t._h, ...likeArgs(opts))), opts);
}
export function fullLike(t: Tensor, value: Scalar, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.full_like, t._h, value, ...likeArgs(opts))), opts);
}
export function randLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.rand_like, t._h, ...likeArgs(opts))), opts);
}
export function randnLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return grad(wrap(call(aten.randn_like, t._h, ...likeArgs(opts))), opts);
}

// ---------------------------------------------------------------- joining
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(call(aten.cat, tensors.map((t) => t._h), dim));
}
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return wrap(call(aten.stack, tensors.map((t) => t._h), dim));
}
/** Elementwise `cond ? a : b` (PyTorch's torch.where). */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return wrap(call(aten.where_self, cond._h, a._h, b._h));
}
