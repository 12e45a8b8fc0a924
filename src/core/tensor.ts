// The Tensor class: a libtorch tensor seen from TypeScript, with PyTorch's method names camelCased.
import { inspect } from "node:util";
import { DType, dtypeCode, dtypeName, isComplexDType, isDTypeName, typedArrayFromBuffer, TypedArray } from "./dtype.js";
import { DeviceLike, Device, deviceString } from "./device.js";
import { DEAD, callPooled, releaseHandle } from "./handle-pool.js";
import { Handle, native } from "./native.js";
import { K } from "./op-ids.js";
import { track } from "./scope.js";
import { ag } from "../autograd/native.js";
import { handleFromTransferable, NOT_CLONEABLE, transferableOf, type TransferableTensor, type TransferableTensorInput } from "./transfer.js";

/** A float-typed Scalar: JS cannot tell 2.0 from 2, so whole numbers are int Scalars unless marked. */
export interface FloatScalar {
  readonly tstorchFloat: number;
}
export type Scalar = number | boolean | FloatScalar;
/** `torch.scalar(2, "float")`: a Scalar that libtorch sees as a float even when it is whole. */
export function scalar(x: number, kind?: "float"): FloatScalar;
export function scalar(x: number, kind: "int"): number;
export function scalar(x: number, kind: "float" | "int" = "float"): Scalar {
  if (kind === "int") {
    if (!Number.isInteger(x)) throw new Error(`tstorch: scalar(${x}, "int") is not a whole number`);
    return x;
  }
  return { tstorchFloat: x };
}

export type Shape = readonly number[];
/** What toArray() gives: a number (or boolean, or bigint on request) for a 0-d tensor, nested arrays otherwise. */
export type TensorData = number | bigint | boolean | TensorData[];
export type MemoryFormat = "contiguous" | "preserve" | "channelsLast";
const MEMORY_FORMATS: Record<MemoryFormat, number> = { contiguous: 0, preserve: 1, channelsLast: 2 };
export function memoryFormatCode(m: MemoryFormat): number {
  const c = MEMORY_FORMATS[m];
  if (c === undefined) throw new Error(`tstorch: unknown memory format '${m}'`);
  return c;
}

const call = callPooled;
const callInPlace = native.callInPlace;
/** The handle of a Tensor argument, or an error naming the method and the argument. */
function th(v: unknown, arg: string, method: string): Handle {
  if (v instanceof Tensor) return v._h;
  const got = v === undefined ? "nothing" : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
  throw new Error(`tstorch: Tensor.${method}(): argument '${arg}' must be a Tensor, got ${got}`);
}
/** @internal wraps a handle from the addon (null stays null). */
export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}
function wrapOrNull(h: Handle | null): Tensor | null {
  return h === null ? null : new Tensor(h);
}
function wrapAll(hs: Handle[]): Tensor[] {
  return hs.map((h) => new Tensor(h));
}
function dims(d: number | readonly number[]): number[] {
  return typeof d === "number" ? [d] : [...d];
}
function shapeArgs(args: (number | Shape)[]): number[] {
  return args.length === 1 && typeof args[0] !== "number" ? [...(args[0] as Shape)] : (args as number[]);
}

export interface ToOptions {
  dtype?: DType;
  device?: DeviceLike;
  nonBlocking?: boolean;
  copy?: boolean;
  memoryFormat?: MemoryFormat;
}

export class Tensor {
  /** @internal first own property, so that structuredClone/postMessage of a Tensor fail naming tstorch and the fix (see transfer.ts) */
  readonly _notCloneable: symbol = NOT_CLONEABLE;
  /** @internal the addon's handle; after dispose() the addon reports any use of it. */
  _h: Handle;
  /** @internal see scope.keep */
  declare _kept?: boolean;
  /** @internal see scope.persist */
  declare _persistent?: boolean;

  /** @internal use torch.tensor(), torch.zeros(), ... */
  constructor(h: Handle) {
    this._h = h;
    track(this);
  }

  // ---------------------------------------------------------------- memory
  /** Frees the native (CPU or GPU) memory now. Later use throws. Safe to call twice. */
  dispose(): void {
    const h = this._h;
    if (h === DEAD) return;
    this._h = DEAD; // later uses fail as "used after dispose"; h is recycled
    releaseHandle(h);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return native.isDisposed(this._h);
  }

  // ---------------------------------------------------------------- metadata
  get shape(): number[] {
    return native.shape(this._h);
  }
  /** PyTorch's `t.size()` (the shape) and `t.size(dim)` (one dimension's length; negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number;
  size(dim?: number): number[] | number {
    const s = native.shape(this._h);
    if (dim === undefined) return s;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new Error(`tstorch: dimension ${dim} out of range for a ${s.length}-d tensor`);
    return s[d];
  }
  stride(): number[] {
    return native.strides(this._h);
  }
  get dtype(): DType {
    return dtypeName(native.dtype(this._h));
  }
  get device(): Device {
    return Device.parse(native.device(this._h));
  }
  get ndim(): number {
    return native.dim(this._h);
  }
  dim(): number {
    return native.dim(this._h);
  }
  numel(): number {
    return native.numel(this._h);
  }
  isContiguous(): boolean {
    return native.isContiguous(this._h);
  }

  // ---------------------------------------------------------------- data out
  /** The elements, contiguous, as a typed array (int64 as BigInt64Array, bool as Uint8Array, float16/bfloat16 as Float32Array). */
  toTypedArray(): TypedArray {
    const d = this.dtype;
    if (d === "float16" || d === "bfloat16" || d === "complex32") {
      // half-precision elements are read through their single-precision type
      const f = this.to(d === "complex32" ? "complex64" : "float32");
      try {
        return new Float32Array(native.toBuffer(f._h));
      } finally {
        f.dispose();
      }
    }
    return typedArrayFromBuffer(d, native.toBuffer(this._h));
  }
  /**
   * Nested JS arrays of numbers (booleans for bool tensors); a 0-d tensor gives a number. int64
   * elements are numbers, exact up to 2^53; `{ bigint: true }` gives them as exact bigints. The
   * element type can be stated: `x.toArray<number[][]>()`.
   */
  toArray<T extends TensorData = TensorData>(opts: { bigint?: boolean } = {}): T {
    const dt = this.dtype;
    if (isComplexDType(dt)) {
      throw new Error(`tstorch: toArray() of a ${dt} tensor: JS has no complex numbers; use torch.viewAsReal(x).toArray() for [re, im] pairs, or x.toTypedArray() (interleaved)`);
    }
    const flat = this.toTypedArray();
    const isBool = dt === "bool";
    const big = opts.bigint === true;
    const conv = (i: number): number | bigint | boolean => {
      const v = flat[i];
      return isBool ? v !== 0 : typeof v === "bigint" ? (big ? v : Number(v)) : (v as number);
    };
    const shape = this.shape;
    let i = 0;
    const build = (d: number): unknown => {
      if (d === shape.length) return conv(i++);
      const out = new Array(shape[d]);
      for (let k = 0; k < shape[d]; k++) out[k] = build(d + 1);
      return out;
    };
    return build(0) as T;
  }
  /**
   * The value of a one-element tensor (a boolean for a bool tensor, as PyTorch's item() gives).
   * An int64 value beyond Number.MAX_SAFE_INTEGER has no exact JS number: item() throws for it
   * rather than round; `item({ bigint: true })` gives int64 values as exact bigints.
   */
  item(opts?: { bigint?: false }): number;
  item(opts: { bigint: boolean }): number | bigint;
  item(opts: { bigint?: boolean } = {}): number | bigint {
    const v = native.item(this._h) as number;
    // the addon's number is the int64 converted to a double: exact inside +-(2^53 - 1)
    if (typeof v !== "number" || (v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER)) {
      return opts.bigint === true && typeof v === "number" && this.dtype === "int64" ? BigInt(v) : v;
    }
    if (this.dtype !== "int64") return v; // a float: the double is its value
    const exact = (this.toTypedArray() as BigInt64Array)[0];
    if (opts.bigint === true) return exact;
    throw new Error(`tstorch: item(): the int64 value ${exact} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), a JS number would round it to ${v}; use item({ bigint: true }) for the exact bigint`);
  }
  /**
   * The tensor as plain data for `worker.postMessage` / `structuredClone`, which cannot take a
   * Tensor: `{ dtype, shape, data: ArrayBuffer, device, requiresGrad }`, a copy of the elements.
   * `worker.postMessage(m, [m.data])` moves the copy without another; the receiver rebuilds the
   * tensor with `torch.Tensor.fromTransferable(m)`. The autograd graph does not travel.
   */
  toTransferable(): TransferableTensor {
    return transferableOf(this._h);
  }
  /** The tensor that `t.toTransferable()` described (a new tensor over a copy of `m.data`). */
  static fromTransferable(m: TransferableTensorInput): Tensor {
    return wrap(handleFromTransferable(m));
  }

  // ---------------------------------------------------------------- autograd
  get requiresGrad(): boolean {
    return native.requiresGrad(this._h);
  }
  set requiresGrad(v: boolean) {
    native.setRequiresGrad(this._h, v);
  }
  requiresGrad_(v = true): this {
    native.setRequiresGrad(this._h, v);
    return this;
  }
  /** The accumulated gradient (a new handle each read: dispose it or use a scope), or null. */
  get grad(): Tensor | null {
    return wrapOrNull(native.grad(this._h));
  }
  set grad(g: Tensor | null) {
    native.setGrad(this._h, g === null ? null : th(g, "g", "grad"));
  }
  get isLeaf(): boolean {
    return native.isLeaf(this._h);
  }
  /** Name of the autograd node that made this tensor (e.g. "MulBackward0"), or null. */
  get gradFn(): string | null {
    return native.gradFnName(this._h);
  }
  retainGrad(): this {
    native.retainGrad(this._h);
    return this;
  }
  /** Accumulates gradients into the leaves (torch.autograd.backward of this tensor; src/autograd/grad.ts). */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor | readonly Tensor[] } = {}): void {
    const inputs = opts.inputs === undefined ? null : (opts.inputs instanceof Tensor ? [opts.inputs] : [...opts.inputs]).map((t) => th(t, "inputs", "backward"));
    if (inputs !== null && inputs.length === 0) throw new Error("tstorch: backward: 'inputs' cannot be empty");
    try {
      ag.autogradBackward([this._h], gradient ? [th(gradient, "gradient", "backward")] : null, opts.retainGraph, opts.createGraph ?? false, inputs);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace("Specify retain_graph=True", "Pass { retainGraph: true }");
      throw e;
    }
  }
  /** Clears the gradient (set to none, PyTorch's default). */
  zeroGrad(): void {
    native.setGrad(this._h, null);
  }
  detach(): Tensor {
    return wrap(call(K.detach, this._h));
  }
  /**
   * PyTorch's `p.data`: a tensor sharing this one's storage, outside autograd (requires_grad false),
   * a new handle on each read (a scope frees it, or dispose() it). `p.data = t` makes this tensor
   * (same object, same autograd identity) use t's storage, shape and dtype (aten::set_data).
   */
  get data(): Tensor {
    return wrap(call(K.detach, this._h));
  }
  set data(t: Tensor) {
    th(t, "data", "data");
    this.setData(t); // aten::set_data, installed from the generated surface
  }

  // ---------------------------------------------------------------- conversion
  /** `t.to("cuda")`, `t.to("float64")`, `t.to(other)`, `t.to({ device, dtype })`. */
  to(target: DeviceLike | DType | Tensor | ToOptions, opts: Omit<ToOptions, "dtype" | "device"> = {}): Tensor {
    if (target instanceof Tensor) return wrap(call(K.to_other, this._h, th(target, "target", "to"), opts.nonBlocking, opts.copy));
    let o: ToOptions;
    if (typeof target === "string" && isDTypeName(target)) o = { dtype: target as DType, ...opts };
    else if (typeof target === "string" && !/^(cpu|cuda)(:\d+)?$/.test(target.trim())) {
      throw new Error(`tstorch: to('${target}'): neither a dtype (float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool) nor a device ('cpu', 'cuda', 'cuda:N')`);
    } else if (typeof target === "string" || target instanceof Device) o = { device: target, ...opts };
    else o = { ...target, ...opts };
    return wrap(
      call(
        K.to_dtype_layout, this._h,
        o.dtype === undefined ? null : dtypeCode(o.dtype), null,
        o.device === undefined ? null : deviceString(o.device), null,
        o.nonBlocking ?? false, o.copy ?? false,
        o.memoryFormat === undefined ? null : memoryFormatCode(o.memoryFormat),
      ),
    );
  }
  cpu(): Tensor { return this.to("cpu"); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  float(): Tensor { return this.to("float32"); }
  double(): Tensor { return this.to("float64"); }
  half(): Tensor { return this.to("float16"); }
  bfloat16(): Tensor { return this.to("bfloat16"); }
  long(): Tensor { return this.to("int64"); }
  int(): Tensor { return this.to("int32"); }
  bool(): Tensor { return this.to("bool"); }
  clone(memoryFormat?: MemoryFormat): Tensor {
    return wrap(call(K.clone, this._h, memoryFormat === undefined ? null : memoryFormatCode(memoryFormat)));
  }
  contiguous(memoryFormat: MemoryFormat = "contiguous"): Tensor {
    return wrap(call(K.contiguous, this._h, memoryFormatCode(memoryFormat)));
  }

  // ---------------------------------------------------------------- arithmetic (broadcasting, promotion)
  add(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    return wrap(o instanceof Tensor ? call(K.add_Tensor, this._h, th(o, "other", "add"), alpha) : call(K.add_Scalar, this._h, o, alpha));
  }
  sub(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    return wrap(o instanceof Tensor ? call(K.sub_Tensor, this._h, th(o, "other", "sub"), alpha) : call(K.sub_Scalar, this._h, o, alpha));
  }
  /** `s - this` for a scalar s. */
  rsub(o: Scalar): Tensor {
    return wrap(call(K.rsub_Scalar, this._h, o));
  }
  mul(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? call(K.mul_Tensor, this._h, th(o, "other", "mul")) : call(K.mul_Scalar, this._h, o));
  }
  div(o: Tensor | Scalar, roundingMode?: "trunc" | "floor"): Tensor {
    if (roundingMode !== undefined) {
      const t = o instanceof Tensor ? o : fullLike(this, o);
      return wrap(call(K.div_Tensor_mode, this._h, th(t, "other", "div"), roundingMode));
    }
    return wrap(o instanceof Tensor ? call(K.div_Tensor, this._h, th(o, "other", "div")) : call(K.div_Scalar, this._h, o));
  }
  remainder(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? call(K.remainder_Tensor, this._h, th(o, "other", "remainder")) : call(K.remainder_Scalar, this._h, o));
  }
  pow(e: Tensor | Scalar): Tensor {
    return wrap(e instanceof Tensor ? call(K.pow_Tensor_Tensor, this._h, th(e, "exponent", "pow")) : call(K.pow_Tensor_Scalar, this._h, e));
  }
  maximum(o: Tensor): Tensor { return wrap(call(K.maximum, this._h, th(o, "other", "maximum"))); }
  minimum(o: Tensor): Tensor { return wrap(call(K.minimum, this._h, th(o, "other", "minimum"))); }
  neg(): Tensor { return wrap(call(K.neg, this._h)); }
  abs(): Tensor { return wrap(call(K.abs, this._h)); }
  exp(): Tensor { return wrap(call(K.exp, this._h)); }
  log(): Tensor { return wrap(call(K.log, this._h)); }
  log2(): Tensor { return wrap(call(K.log2, this._h)); }
  log1p(): Tensor { return wrap(call(K.log1p, this._h)); }
  expm1(): Tensor { return wrap(call(K.expm1, this._h)); }
  sqrt(): Tensor { return wrap(call(K.sqrt, this._h)); }
  rsqrt(): Tensor { return wrap(call(K.rsqrt, this._h)); }
  sin(): Tensor { return wrap(call(K.sin, this._h)); }
  cos(): Tensor { return wrap(call(K.cos, this._h)); }
  tan(): Tensor { return wrap(call(K.tan, this._h)); }
  tanh(): Tensor { return wrap(call(K.tanh, this._h)); }
  sigmoid(): Tensor { return wrap(call(K.sigmoid, this._h)); }
  relu(): Tensor { return wrap(call(K.relu, this._h)); }
  gelu(approximate: "none" | "tanh" = "none"): Tensor { return wrap(call(K.gelu, this._h, approximate)); }
  silu(): Tensor { return wrap(call(K.silu, this._h)); }
  leakyRelu(negativeSlope = 0.01): Tensor { return wrap(call(K.leaky_relu, this._h, scalar(negativeSlope))); }
  erf(): Tensor { return wrap(call(K.erf, this._h)); }
  floor(): Tensor { return wrap(call(K.floor, this._h)); }
  ceil(): Tensor { return wrap(call(K.ceil, this._h)); }
  round(): Tensor { return wrap(call(K.round, this._h)); }
  sign(): Tensor { return wrap(call(K.sign, this._h)); }
  reciprocal(): Tensor { return wrap(call(K.reciprocal, this._h)); }
  square(): Tensor { return wrap(call(K.square, this._h)); }
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor { return wrap(call(K.clamp, this._h, min ?? null, max ?? null)); }

  // in place (return this, like PyTorch)
  /** In-place ops run through native.callInPlace: no alias handle is made; they return `this`. */
  private inplace(_ran: void): this {
    return this;
  }
  add_(o: Tensor | Scalar, alpha?: Scalar): this {
    return this.inplace(o instanceof Tensor ? callInPlace(K.add__Tensor, this._h, th(o, "other", "add_"), alpha) : callInPlace(K.add__Scalar, this._h, o, alpha));
  }
  sub_(o: Tensor | Scalar, alpha?: Scalar): this {
    return this.inplace(o instanceof Tensor ? callInPlace(K.sub__Tensor, this._h, th(o, "other", "sub_"), alpha) : callInPlace(K.sub__Scalar, this._h, o, alpha));
  }
  mul_(o: Tensor | Scalar): this {
    return this.inplace(o instanceof Tensor ? callInPlace(K.mul__Tensor, this._h, th(o, "other", "mul_")) : callInPlace(K.mul__Scalar, this._h, o));
  }
  div_(o: Tensor | Scalar): this {
    return this.inplace(o instanceof Tensor ? callInPlace(K.div__Tensor, this._h, th(o, "other", "div_")) : callInPlace(K.div__Scalar, this._h, o));
  }
  addcmul_(a: Tensor, b: Tensor, value: Scalar = 1): this { return this.inplace(callInPlace(K.addcmul_, this._h, th(a, "a", "addcmul_"), th(b, "b", "addcmul_"), value)); }
  addcdiv_(a: Tensor, b: Tensor, value: Scalar = 1): this { return this.inplace(callInPlace(K.addcdiv_, this._h, th(a, "a", "addcdiv_"), th(b, "b", "addcdiv_"), value)); }
  lerp_(end: Tensor, weight: Scalar): this { return this.inplace(callInPlace(K.lerp__Scalar, this._h, th(end, "end", "lerp_"), weight)); }
  zero_(): this { return this.inplace(callInPlace(K.zero_, this._h)); }
  fill_(v: Scalar): this { return this.inplace(callInPlace(K.fill__Scalar, this._h, v)); }
  copy_(src: Tensor): this { return this.inplace(callInPlace(K.copy_, this._h, th(src, "src", "copy_"))); }
  uniform_(from = 0, to = 1): this { return this.inplace(callInPlace(K.uniform_, this._h, from, to, null)); }
  normal_(mean = 0, std = 1): this { return this.inplace(callInPlace(K.normal_, this._h, mean, std, null)); }
  clamp_(min?: Scalar | null, max?: Scalar | null): this { return this.inplace(callInPlace(K.clamp_, this._h, min ?? null, max ?? null)); }
  sqrt_(): this { return this.inplace(callInPlace(K.sqrt_, this._h)); }
  relu_(): this { return this.inplace(callInPlace(K.relu_, this._h)); }

  // ---------------------------------------------------------------- comparison and logic
  eq(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.eq_Tensor, this._h, th(o, "other", "eq")) : call(K.eq_Scalar, this._h, o)); }
  ne(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.ne_Tensor, this._h, th(o, "other", "ne")) : call(K.ne_Scalar, this._h, o)); }
  lt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.lt_Tensor, this._h, th(o, "other", "lt")) : call(K.lt_Scalar, this._h, o)); }
  le(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.le_Tensor, this._h, th(o, "other", "le")) : call(K.le_Scalar, this._h, o)); }
  gt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.gt_Tensor, this._h, th(o, "other", "gt")) : call(K.gt_Scalar, this._h, o)); }
  ge(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? call(K.ge_Tensor, this._h, th(o, "other", "ge")) : call(K.ge_Scalar, this._h, o)); }
  logicalAnd(o: Tensor): Tensor { return wrap(call(K.logical_and, this._h, th(o, "other", "logicalAnd"))); }
  logicalOr(o: Tensor): Tensor { return wrap(call(K.logical_or, this._h, th(o, "other", "logicalOr"))); }
  logicalNot(): Tensor { return wrap(call(K.logical_not, this._h)); }
  isnan(): Tensor { return wrap(call(K.isnan, this._h)); }
  /** Elementwise `cond ? this : other`. */
  where(cond: Tensor, other: Tensor): Tensor { return wrap(call(K.where_self, th(cond, "cond", "where"), this._h, th(other, "other", "where"))); }
  maskedFill(mask: Tensor, value: Scalar): Tensor { return wrap(call(K.masked_fill_Scalar, this._h, th(mask, "mask", "maskedFill"), value)); }
  allclose(o: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return call(K.allclose, this._h, th(o, "other", "allclose"), rtol, atol, false) as boolean; }
  equal(o: Tensor): boolean { return call(K.equal, this._h, th(o, "other", "equal")) as boolean; }

  // ---------------------------------------------------------------- reductions
  sum(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? call(K.sum, this._h, dt) : call(K.sum_dim, this._h, dims(dim), keepdim, dt));
  }
  mean(dim?: number | readonly number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return wrap(dim === undefined ? call(K.mean, this._h, dt) : call(K.mean_dim, this._h, dims(dim), keepdim, dt));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(dim === undefined ? call(K.prod, this._h, null) : call(K.prod_dim, this._h, dim, keepdim, null));
  }
  /** Largest element; with `dim`, {values, indices} along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(call(K.max, this._h));
    const [values, indices] = wrapAll(call(K.max_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(call(K.min, this._h));
    const [values, indices] = wrapAll(call(K.min_dim, this._h, dim, keepdim));
    return { values, indices };
  }
  amax(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(call(K.amax, this._h, dims(dim), keepdim)); }
  amin(dim: number | readonly number[] = [], keepdim = false): Tensor { return wrap(call(K.amin, this._h, dims(dim), keepdim)); }
  argmax(dim?: number, keepdim = false): Tensor { return wrap(call(K.argmax, this._h, dim ?? null, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return wrap(call(K.argmin, this._h, dim ?? null, keepdim)); }
  /** Standard deviation with Bessel's correction by default (PyTorch's unbiased=True). */
  std(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(call(K.std_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  var(dim?: number | readonly number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(call(K.var_correction, this._h, dim === undefined ? null : dims(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return wrap(call(K.logsumexp, this._h, dims(dim), keepdim)); }
  norm(p: number = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    if (dim === undefined) return wrap(call(K.norm_Scalar, this._h, p));
    return wrap(call(K.norm_ScalarOpt_dim, this._h, p, dims(dim), keepdim));
  }
  all(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? call(K.all, this._h) : call(K.all_dim, this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return wrap(dim === undefined ? call(K.any, this._h) : call(K.any_dim, this._h, dim, keepdim)); }
  softmax(dim: number): Tensor { return wrap(call(K.softmax, this._h, dim, null)); }
  logSoftmax(dim: number): Tensor { return wrap(call(K.log_softmax, this._h, dim, null)); }
  // cumsum, topk, sort, ... come from the generated surface (src/generated/tensor-methods.js (.d.ts))

  // ---------------------------------------------------------------- linear algebra
  matmul(o: Tensor): Tensor { return wrap(call(K.matmul, this._h, th(o, "other", "matmul"))); }
  mm(o: Tensor): Tensor { return wrap(call(K.mm, this._h, th(o, "other", "mm"))); }
  bmm(o: Tensor): Tensor { return wrap(call(K.bmm, this._h, th(o, "other", "bmm"))); }
  dot(o: Tensor): Tensor { return wrap(call(K.dot, this._h, th(o, "other", "dot"))); }
  t(): Tensor { return wrap(call(K.t, this._h)); }
  /** The dimensions reversed (PyTorch's `x.T`; for a matrix, its transpose). */
  get T(): Tensor {
    const n = this.ndim;
    return this.permute(Array.from({ length: n }, (_, i) => n - 1 - i));
  }
  /** The last two dimensions swapped (PyTorch's `x.mT`, a batch of matrices transposed). */
  get mT(): Tensor {
    if (this.ndim < 2) throw new Error(`tstorch: x.mT needs at least 2 dimensions, the tensor has ${this.ndim}`);
    return this.transpose(-2, -1);
  }

  // ---------------------------------------------------------------- shape
  reshape(...shape: (number | Shape)[]): Tensor { return wrap(call(K.reshape, this._h, shapeArgs(shape))); }
  view(...shape: (number | Shape)[]): Tensor { return wrap(call(K.view, this._h, shapeArgs(shape))); }
  permute(...order: (number | Shape)[]): Tensor { return wrap(call(K.permute, this._h, shapeArgs(order))); }
  transpose(d0: number, d1: number): Tensor { return wrap(call(K.transpose, this._h, d0, d1)); }
  flatten(startDim = 0, endDim = -1): Tensor { return wrap(call(K.flatten, this._h, startDim, endDim)); }
  squeeze(dim?: number): Tensor { return wrap(dim === undefined ? call(K.squeeze, this._h) : call(K.squeeze_dim, this._h, dim)); }
  unsqueeze(dim: number): Tensor { return wrap(call(K.unsqueeze, this._h, dim)); }
  expand(...shape: (number | Shape)[]): Tensor { return wrap(call(K.expand, this._h, shapeArgs(shape), false)); }
  expandAs(o: Tensor): Tensor { return this.expand(o.shape); }
  repeat(...times: (number | Shape)[]): Tensor { return wrap(call(K.repeat, this._h, shapeArgs(times))); }
  narrow(dim: number, start: number, length: number): Tensor { return wrap(call(K.narrow, this._h, dim, start, length)); }
  select(dim: number, index: number): Tensor { return wrap(call(K.select, this._h, dim, index)); }
  /** Python's `t[..., start:end:step]` along `dim`. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return wrap(call(K.slice, this._h, dim, start ?? null, end ?? null, step));
  }
  /** `t[i]` */
  get(i: number): Tensor { return this.select(0, i); }
  indexSelect(dim: number, index: Tensor): Tensor { return wrap(call(K.index_select, this._h, dim, th(index, "index", "indexSelect"))); }
  gather(dim: number, index: Tensor): Tensor { return wrap(call(K.gather, this._h, dim, th(index, "index", "gather"), false)); }
  /** Advanced indexing `t[i0, i1, ...]` with index tensors (null for a full slice). */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return wrap(call(K.index, this._h, indices.map((t) => (t === null ? null : th(t, "t", "index")))));
  }
  indexPut_(indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): this {
    return this.inplace(callInPlace(K.index_put_, this._h, indices.map((t) => (t === null ? null : th(t, "t", "indexPut_"))), th(values, "values", "indexPut_"), accumulate));
  }
  split(size: number | readonly number[], dim = 0): Tensor[] {
    return wrapAll(typeof size === "number" ? call(K.split, this._h, size, dim) : call(K.split_with_sizes, this._h, [...size], dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] { return wrapAll(call(K.chunk, this._h, chunks, dim)); }
  unbind(dim = 0): Tensor[] { return wrapAll(call(K.unbind, this._h, dim)); }
  flip(dims_: number | readonly number[]): Tensor { return wrap(call(K.flip, this._h, dims(dims_))); }
  pad(pad: readonly number[], value = 0): Tensor { return wrap(call(K.constant_pad_nd, this._h, [...pad], value)); }
  oneHot(numClasses = -1): Tensor { return wrap(call(K.one_hot, this._h, numClasses)); }

  // ---------------------------------------------------------------- nn (as tensor methods, tch style)
  maxPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0, dilation: number | readonly number[] = 1, ceilMode = false): Tensor {
    return wrap(call(K.max_pool2d, this._h, kernelSize, stride ?? [], padding, dilation, ceilMode));
  }
  avgPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0): Tensor {
    return wrap(call(K.avg_pool2d, this._h, kernelSize, stride ?? [], padding, false, true, null));
  }
  dropout(p: number, train: boolean): Tensor { return wrap(call(K.dropout, this._h, p, train)); }
  /** tch's cross_entropy_for_logits: mean cross-entropy of logits [N, C] against class indices [N]. */
  crossEntropyForLogits(targets: Tensor): Tensor {
    checkClassTargets("crossEntropyForLogits", this, targets, false);
    return wrap(call(K.cross_entropy_loss, this._h, th(targets, "targets", "crossEntropyForLogits"), null, 1, -100, 0.0));
  }
  /** tch's accuracy_for_logits: the fraction of rows whose argmax equals the target (a 0-d float tensor). */
  accuracyForLogits(targets: Tensor): Tensor {
    const am = wrap(call(K.argmax, this._h, -1, false));
    const eq = wrap(call(K.eq_Tensor, th(am, "am", "accuracyForLogits"), th(targets, "targets", "accuracyForLogits")));
    const f = wrap(call(K.to_dtype_layout, th(eq, "eq", "accuracyForLogits"), dtypeCode("float32"), null, null, null, false, false, null));
    const m = wrap(call(K.mean, th(f, "f", "accuracyForLogits"), null));
    am.dispose();
    eq.dispose();
    f.dispose();
    return m;
  }
  mseLoss(target: Tensor, reduction: "mean" | "sum" | "none" = "mean"): Tensor {
    return wrap(call(K.mse_loss, this._h, th(target, "target", "mseLoss"), reductionCode(reduction)));
  }

  // ---------------------------------------------------------------- display
  toString(): string {
    if (native.isDisposed(this._h)) return "Tensor(disposed)";
    const n = this.numel();
    const complex = isComplexDType(this.dtype);
    const body = n <= 64 && !complex ? ` ${JSON.stringify(this.toArray(), (_, v) => (typeof v === "bigint" ? Number(v) : v))}` : "";
    return `Tensor(shape=[${this.shape.join(", ")}], dtype=${this.dtype}, device=${native.device(this._h)}${
      this.requiresGrad ? ", requiresGrad" : ""
    })${body}`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export type Reduction = "mean" | "sum" | "none";
export function reductionCode(r: Reduction): number {
  switch (r) {
    case "none": return 0;
    case "mean": return 1;
    case "sum": return 2;
  }
  throw new Error(`tstorch: unknown reduction '${r}' (expected 'mean', 'sum' or 'none')`);
}

/**
 * @internal Losses over classes take int64 class indices (or, where `probabilities` allows, float
 * class probabilities of the input's shape). libtorch alone only says "expected scalar type Long
 * but found Float": say what is wrong with the target and how to fix it.
 */
export function checkClassTargets(fn: string, input: Tensor, target: Tensor, probabilities: boolean): void {
  if (!(target instanceof Tensor)) {
    throw new Error(`tstorch: ${fn}: the target must be a Tensor of class indices (int64)${probabilities ? " or class probabilities" : ""}, got ${target === undefined ? "nothing" : typeof target}`);
  }
  const dt = target.dtype;
  if (dt === "int64") return;
  const floating = dt === "float32" || dt === "float64" || dt === "float16" || dt === "bfloat16";
  const ts = target.shape;
  const is = input.shape;
  if (probabilities && floating && ts.length === is.length && ts.every((d, i) => d === is[i])) return;
  throw new Error(
    `tstorch: ${fn}: target has dtype ${dt} and shape [${ts.join(", ")}] for input of shape [${is.join(", ")}]; ` +
      `class-index targets must be int64 (use target.long())` +
      (probabilities ? `, class-probability targets must be floating point with the input's shape` : ""),
  );
}

function fullLike(t: Tensor, v: Scalar): Tensor {
  return wrap(call(K.full_like, t._h, v, null, null, null, null, null));
}
