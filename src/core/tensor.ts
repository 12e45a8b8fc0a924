// The Tensor class: a libtorch tensor seen from TypeScript, with PyTorch's method names camelCased.
// As tch-rs keeps wrappers/tensor.rs to what ATen does not have (memory, metadata, autograd) and
// splits the rest by concern (src/tensor/{convert,display,index,ops}.rs), this file holds the class
// and those members; the other hand-written methods live in one file per concern (tensor-*.ts, put on
// the prototype at the end of this file; nn/tensor-losses.ts, which nn puts there itself); the generated surface
// (src/generated/tensor-methods.js) adds every other ATen method.
import { DType, dtypeName } from "./dtype.js";
import { Device } from "./device.js";
import { DEAD, DEFERRABLE, callPooled, parkHandle, releaseHandle, takeDeferrable } from "./handle-pool.js";
import { explainDisposed } from "./freed-by.js";
import { Handle, native } from "./native.js";
import { opIds } from "./op-ids.js";
import { track } from "./scope.js";
import { ag } from "../autograd/native.js";
import { handleFromTransferable, NOT_CLONEABLE, type TransferableTensorInput } from "./transfer.js";
import { tensorHandle, wrapOrNull } from "./tensor-args.js";
import { TensorConversion } from "./tensor-conversion.js";
import { TensorDisplay } from "./tensor-display.js";
import { TensorIndexing } from "./tensor-indexing.js";
import { TensorMath } from "./tensor-math.js";
import { TensorReduction } from "./tensor-reduction.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds("retains_grad", "detach");

export type { ToOptions } from "./tensor-conversion.js";
export { checkClassTargets, reductionCode, type Reduction } from "./reduction.js";

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

/** @internal wraps a handle from the addon. */
export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}

/** The members of the concern files, as the class's own (their classes are never instantiated). */
export interface Tensor extends TensorConversion, TensorDisplay, TensorIndexing, TensorMath, TensorReduction {}

export class Tensor {
  /** @internal first own property, so that structuredClone/postMessage of a Tensor fail naming tstorch and the fix (see transfer.ts) */
  readonly _notCloneable: symbol = NOT_CLONEABLE;
  /** @internal the addon's handle; after dispose() the addon reports any use of it. */
  _h: Handle;
  /** @internal small and out of autograd's reach when made: dispose() may defer the freeing to the next call (handle-pool.ts) */
  [DEFERRABLE]: boolean;
  /** @internal see scope.keep */
  declare _kept?: boolean;
  /** @internal see scope.persist */
  declare _persistent?: boolean;

  /** @internal use torch.tensor(), torch.zeros(), ... */
  constructor(h: Handle) {
    this._h = h;
    this[DEFERRABLE] = takeDeferrable();
    track(this);
  }
  /** The tensor that `t.toTransferable()` described (a new tensor over a copy of `m.data`). */
  static fromTransferable(m: TransferableTensorInput): Tensor {
    return wrap(handleFromTransferable(m));
  }

  // ---------------------------------------------------------------- memory
  /** Frees the native (CPU or GPU) memory now. Later use throws. Safe to call twice. */
  dispose(): void {
    const h = this._h;
    if (h === DEAD) return;
    this._h = DEAD; // later uses fail as "used after dispose"; h is recycled
    if (this[DEFERRABLE]) parkHandle(h);
    else releaseHandle(h);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return native.isDisposed(this._h);
  }
  /** PyTorch's `t.element_size()`: bytes per element. */
  elementSize(): number {
    return native.elementSize(this._h);
  }
  /** PyTorch's `t.storage_offset()`: where the first element is in the storage, in elements. */
  storageOffset(): number {
    return native.storageOffset(this._h);
  }
  /** PyTorch's `t.data_ptr()`: the address of the first element, a bigint (exact, unlike a double). */
  dataPtr(): bigint {
    return native.dataPtr(this._h);
  }

  // ---------------------------------------------------------------- metadata
  get shape(): number[] {
    try {
      return native.shape(this._h);
    } catch (e) {
      throw explainDisposed(e, [this._h], DEAD); // names what freed it (freed-by.ts)
    }
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
  /** PyTorch's `t.get_device()`: the CUDA device index, -1 on the CPU. */
  getDevice(): number {
    return this.device.index ?? -1;
  }
  get ndim(): number {
    return native.dim(this._h);
  }
  dim(): number {
    return native.dim(this._h);
  }
  /** PyTorch's alias of dim(). */
  ndimension(): number {
    return native.dim(this._h);
  }
  numel(): number {
    return native.numel(this._h);
  }
  /** PyTorch's alias of numel(). */
  nelement(): number {
    return native.numel(this._h);
  }
  isContiguous(): boolean {
    return native.isContiguous(this._h);
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
    native.setGrad(this._h, g === null ? null : tensorHandle(g, "g", "grad"));
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
  /** PyTorch's `t.retains_grad` (a property there too): whether a non-leaf keeps its .grad (retainGrad()). */
  get retainsGrad(): boolean {
    return callPooled(aten.retains_grad, this._h) as boolean;
  }
  /** Accumulates gradients into the leaves (torch.autograd.backward of this tensor; src/autograd/grad.ts). */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor | readonly Tensor[] } = {}): void {
    const inputs = opts.inputs === undefined ? null : (opts.inputs instanceof Tensor ? [opts.inputs] : [...opts.inputs]).map((t) => tensorHandle(t, "inputs", "backward"));
    if (inputs !== null && inputs.length === 0) throw new Error("tstorch: backward: 'inputs' cannot be empty");
    try {
      ag.autogradBackward([this._h], gradient ? [tensorHandle(gradient, "gradient", "backward")] : null, opts.retainGraph, opts.createGraph ?? false, inputs);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace("Specify retain_graph=True", "Pass { retainGraph: true }");
      throw e;
    }
  }
  /** Clears the gradient (set to none, PyTorch's default). */
  zeroGrad(): void {
    native.setGrad(this._h, null);
  }
  /**
   * PyTorch's `p.data`: a tensor sharing this one's storage, outside autograd (requires_grad false),
   * a new handle on each read (a scope frees it, or dispose() it). `p.data = t` makes this tensor
   * (same object, same autograd identity) use t's storage, shape and dtype (aten::set_data).
   */
  get data(): Tensor {
    return wrap(callPooled(aten.detach, this._h));
  }
  set data(t: Tensor) {
    tensorHandle(t, "data", "data");
    this.setData(t); // aten::set_data, installed from the generated surface
  }
}

/** Puts the concern classes' members (methods, getters, symbol-keyed ones) on Tensor.prototype (nn adds its own). */
export function addTensorMembers(...concerns: (abstract new () => object)[]): void {
  for (const c of concerns) {
    for (const key of Reflect.ownKeys(c.prototype)) {
      if (key === "constructor") continue;
      Object.defineProperty(Tensor.prototype, key, Object.getOwnPropertyDescriptor(c.prototype, key) as PropertyDescriptor);
    }
  }
}
addTensorMembers(TensorConversion, TensorDisplay, TensorIndexing, TensorMath, TensorReduction);
