// Lazy modules (torch.nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*):
// the input size (in_features, in_channels, num_features) is read from the first input. Until then
// their parameters are UninitializedParameters (empty); the first forward materializes them in place
// (same objects, so an optimiser built earlier stays valid), initialises them as the eager layer does
// (the same random draws in the same order as PyTorch's), and the module becomes the eager class
// (PyTorch's cls_to_become): a LazyLinear is a Linear from then on.
import { empty } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { noGrad } from "../core/autograd.js";
import { DEAD } from "../core/handle-pool.js";
import { native } from "../core/native.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Conv2d, ConvTranspose2d, type IntN } from "./conv.js";
import { Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d, type ConvNdOptions, type ConvTransposeNdOptions } from "./conv-nd.js";
import { InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, type InstanceNormOptions } from "./group-norm.js";
import type { InitScheme } from "./init.js";
import { Linear, type LinearOptions } from "./linear.js";
import { replaceTensor } from "./module-attr.js";
import type { AnyModule } from "./module.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, type BatchNormOptions } from "./normalization.js";
import { Parameter } from "./parameter.js";

/** Gives `t` the storage of a new uninitialised tensor of `shape` (same dtype, device, requires_grad), keeping the object. */
function swapIn(t: Tensor, shape: readonly number[], o: { dtype?: DType; device?: DeviceLike }): void {
  const fresh = empty(shape, { dtype: o.dtype ?? t.dtype, device: o.device ?? t.device });
  const rg = t.requiresGrad;
  const old = t._h;
  t._h = fresh._h;
  fresh._h = old;
  fresh.dispose();
  if (rg) native.setRequiresGrad(t._h, true);
}

/** A parameter whose shape is not known yet (torch.nn.UninitializedParameter); materialize() gives it one. */
export class UninitializedParameter extends Parameter {
  constructor(requiresGrad = true, opts: { dtype?: DType; device?: DeviceLike } = {}) {
    const e = empty([0], { dtype: opts.dtype ?? "float32", device: opts.device });
    super(e, requiresGrad);
    e.dispose();
  }
  /** Allocates `shape` (uninitialised values) in place; the object becomes a plain Parameter. */
  materialize(shape: readonly number[], opts: { dtype?: DType; device?: DeviceLike } = {}): void {
    swapIn(this, shape, opts);
    Object.setPrototypeOf(this, Parameter.prototype);
  }
}

/** A buffer whose shape is not known yet (torch.nn.UninitializedBuffer). */
export class UninitializedBuffer extends Tensor {
  constructor(requiresGrad = false, opts: { dtype?: DType; device?: DeviceLike } = {}) {
    const e = empty([0], { dtype: opts.dtype ?? "float32", device: opts.device });
    const h = e._h;
    e._h = DEAD;
    super(h);
    if (requiresGrad) this.requiresGrad_(true);
    persist(this);
  }
  /** Allocates `shape` in place; the object becomes a plain Tensor. */
  materialize(shape: readonly number[], opts: { dtype?: DType; device?: DeviceLike } = {}): void {
    swapIn(this, shape, opts);
    Object.setPrototypeOf(this, Tensor.prototype);
  }
}

/** Whether a module still has uninitialized parameters or buffers (PyTorch's has_uninitialized_params). */
export function hasUninitializedParams(m: AnyModule): boolean {
  for (const t of [...m._parameters.values(), ...m._buffers.values()]) {
    if (t instanceof UninitializedParameter || t instanceof UninitializedBuffer) return true;
  }
  return false;
}

/** Swaps the named parameters/buffers of `m` for uninitialized ones (the eager constructor made empty placeholders). */
function uninit(m: AnyModule, names: string[]): void {
  for (const n of names) {
    const cur = m._parameters.get(n) ?? m._buffers.get(n) ?? null;
    if (cur === null || cur === undefined) continue;
    const isParam = m._parameters.has(n);
    const u = isParam ? new UninitializedParameter(true, { dtype: cur.dtype, device: cur.device }) : new UninitializedBuffer(false, { dtype: cur.dtype, device: cur.device });
    replaceTensor(m, n, u);
    // fields that held the placeholder under another spelling (runningMean for running_mean) follow
    for (const k of Object.keys(m)) if ((m as unknown as Record<string, unknown>)[k] === cur) setField(m, k, u);
    cur.dispose();
  }
}

function materialize(m: AnyModule, name: string, shape: readonly number[]): void {
  const t = m._parameters.get(name) ?? m._buffers.get(name) ?? null;
  if (t instanceof UninitializedParameter || t instanceof UninitializedBuffer) t.materialize(shape);
}

function setField(m: object, name: string, value: unknown): void {
  Object.defineProperty(m, name, { value, writable: true, configurable: true, enumerable: true });
}

// ---------------------------------------------------------------- Linear

/** Linear whose inFeatures is the last dimension of the first input (torch.nn.LazyLinear). */
export class LazyLinear extends Linear {
  private readonly lazyInit: InitScheme;
  constructor(outFeatures: number, opts: LinearOptions = {}) {
    super(0, outFeatures, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inFeatures !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    if (!hasUninitializedParams(this)) return;
    if (input.ndim < 1) throw new Error("tstorch: LazyLinear: the input needs at least one dimension (its last is in_features)");
    const inF = input.shape[input.ndim - 1];
    noGrad(() => {
      setField(this, "inFeatures", inF);
      materialize(this, "weight", [this.outFeatures, inF]);
      materialize(this, "bias", [this.outFeatures]);
    });
    Object.setPrototypeOf(this, Linear.prototype);
    this.resetParameters(this.lazyInit);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

// ---------------------------------------------------------------- convolutions

type ConvClass = typeof Conv1d | typeof Conv2d | typeof Conv3d | typeof ConvTranspose1d | typeof ConvTranspose2d | typeof ConvTranspose3d;

/** The shared first-call logic of the lazy convolutions (PyTorch's _LazyConvXdMixin). */
function initConv(m: (Conv1d | Conv2d | Conv3d) & { lazyInit: InitScheme }, input: Tensor, n: number, transposed: boolean, become: ConvClass): void {
  if (!hasUninitializedParams(m)) return;
  const name = `Lazy${transposed ? "ConvTranspose" : "Conv"}${n}d`;
  if (input.ndim !== n + 1 && input.ndim !== n + 2) {
    throw new Error(`tstorch: Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${name}, but got input of size: [${input.shape}]`);
  }
  const inC = input.ndim === n + 2 ? input.shape[1] : input.shape[0];
  if (inC % m.groups !== 0) throw new Error("tstorch: in_channels must be divisible by groups");
  const shape = transposed ? [inC, m.outChannels / m.groups, ...m.kernelSize] : [m.outChannels, inC / m.groups, ...m.kernelSize];
  noGrad(() => {
    setField(m, "inChannels", inC);
    materialize(m, "weight", shape);
    materialize(m, "bias", [m.outChannels]);
  });
  Object.setPrototypeOf(m, become.prototype);
  m.resetParameters(m.lazyInit);
}

/** Conv1d whose inChannels comes from the first input (torch.nn.LazyConv1d(out_channels, kernel_size, ...)). */
export class LazyConv1d extends Conv1d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 1, false, Conv1d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** Conv2d whose inChannels comes from the first input (torch.nn.LazyConv2d(out_channels, kernel_size, ...)). */
export class LazyConv2d extends Conv2d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 2, false, Conv2d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** Conv3d whose inChannels comes from the first input (torch.nn.LazyConv3d(out_channels, kernel_size, ...)). */
export class LazyConv3d extends Conv3d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 3, false, Conv3d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** ConvTranspose1d whose inChannels comes from the first input (torch.nn.LazyConvTranspose1d(out_channels, kernel_size, ...)). */
export class LazyConvTranspose1d extends ConvTranspose1d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvTransposeNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 1, true, ConvTranspose1d);
  }
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.initializeParameters(x);
    return super.forward(x, outputSize);
  }
}

/** ConvTranspose2d whose inChannels comes from the first input (torch.nn.LazyConvTranspose2d(out_channels, kernel_size, ...)). */
export class LazyConvTranspose2d extends ConvTranspose2d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvTransposeNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 2, true, ConvTranspose2d);
  }
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.initializeParameters(x);
    return super.forward(x, outputSize);
  }
}

/** ConvTranspose3d whose inChannels comes from the first input (torch.nn.LazyConvTranspose3d(out_channels, kernel_size, ...)). */
export class LazyConvTranspose3d extends ConvTranspose3d {
  readonly lazyInit: InitScheme;
  constructor(outChannels: number, kernelSize: IntN, opts: ConvTransposeNdOptions = {}) {
    super(0, outChannels, kernelSize, opts);
    this.lazyInit = opts.init ?? "torch";
    uninit(this, ["weight", "bias"]);
  }
  override resetParameters(scheme: InitScheme = "torch"): void {
    if (!hasUninitializedParams(this) && this.inChannels !== 0) super.resetParameters(scheme);
  }
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initConv(this, input, 3, true, ConvTranspose3d);
  }
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.initializeParameters(x);
    return super.forward(x, outputSize);
  }
}

// ---------------------------------------------------------------- normalization

type NormClass = typeof BatchNorm1d | typeof BatchNorm2d | typeof BatchNorm3d | typeof InstanceNorm1d | typeof InstanceNorm2d | typeof InstanceNorm3d;
const NORM_TENSORS = ["weight", "bias", "running_mean", "running_var"];

const rank = (name: string, ranks: number[]) => (x: Tensor) => {
  if (!(x instanceof Tensor) || !ranks.includes(x.ndim)) {
    throw new Error(`tstorch: ${name} expected ${ranks.map((r) => `${r}D`).join(" or ")} input (got ${x instanceof Tensor ? `${x.ndim}D` : typeof x} input)`);
  }
};
const bnC = (x: Tensor) => x.shape[1];
/** InstanceNorm: channels are dim 0 of an unbatched input. */
const inC = (spatial: number) => (x: Tensor) => x.shape[x.ndim === spatial + 1 ? 0 : 1];

function initNorm(m: AnyModule & { readonly numFeatures: number }, input: Tensor, featureDim: (x: Tensor) => number, checkRank: (x: Tensor) => void, become: NormClass): void {
  if (!hasUninitializedParams(m) && m.numFeatures !== 0) return;
  checkRank(input);
  const c = featureDim(input);
  noGrad(() => {
    setField(m, "numFeatures", c);
    for (const n of NORM_TENSORS) materialize(m, n, [c]);
    // PyTorch's reset_parameters: running stats 0 / 1, weight 1, bias 0
    m._parameters.get("weight")?.fill_(1);
    m._parameters.get("bias")?.zero_();
    m._buffers.get("running_mean")?.zero_();
    m._buffers.get("running_var")?.fill_(1);
    m._buffers.get("num_batches_tracked")?.zero_();
  });
  Object.setPrototypeOf(m, become.prototype);
}

/** BatchNorm1d whose numFeatures comes from the first input (torch.nn.LazyBatchNorm1d). */
export class LazyBatchNorm1d extends BatchNorm1d {
  constructor(opts: BatchNormOptions = {}) {
    super(0, opts);
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, bnC, rank("LazyBatchNorm1d", [2, 3]), BatchNorm1d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** BatchNorm2d whose numFeatures comes from the first input (torch.nn.LazyBatchNorm2d). */
export class LazyBatchNorm2d extends BatchNorm2d {
  constructor(opts: BatchNormOptions = {}) {
    super(0, opts);
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, bnC, rank("LazyBatchNorm2d", [4]), BatchNorm2d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** BatchNorm3d whose numFeatures comes from the first input (torch.nn.LazyBatchNorm3d). */
export class LazyBatchNorm3d extends BatchNorm3d {
  constructor(opts: BatchNormOptions = {}) {
    super(0, opts);
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, bnC, rank("LazyBatchNorm3d", [5]), BatchNorm3d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** InstanceNorm1d whose numFeatures comes from the first input (torch.nn.LazyInstanceNorm1d). */
export class LazyInstanceNorm1d extends InstanceNorm1d {
  /** PyTorch's lazy instance norms default to affine and tracked running statistics (the eager ones do not). */
  constructor(opts: InstanceNormOptions = {}) {
    super(0, { affine: true, trackRunningStats: true, ...opts });
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, inC(1), rank("LazyInstanceNorm1d", [2, 3]), InstanceNorm1d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** InstanceNorm2d whose numFeatures comes from the first input (torch.nn.LazyInstanceNorm2d). */
export class LazyInstanceNorm2d extends InstanceNorm2d {
  /** PyTorch's lazy instance norms default to affine and tracked running statistics (the eager ones do not). */
  constructor(opts: InstanceNormOptions = {}) {
    super(0, { affine: true, trackRunningStats: true, ...opts });
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, inC(2), rank("LazyInstanceNorm2d", [3, 4]), InstanceNorm2d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

/** InstanceNorm3d whose numFeatures comes from the first input (torch.nn.LazyInstanceNorm3d). */
export class LazyInstanceNorm3d extends InstanceNorm3d {
  /** PyTorch's lazy instance norms default to affine and tracked running statistics (the eager ones do not). */
  constructor(opts: InstanceNormOptions = {}) {
    super(0, { affine: true, trackRunningStats: true, ...opts });
    uninit(this, NORM_TENSORS);
  }
  /** Materializes weight, bias and running statistics for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void {
    initNorm(this, input, inC(3), rank("LazyInstanceNorm3d", [4, 5]), InstanceNorm3d);
  }
  override forward(x: Tensor): Tensor {
    this.initializeParameters(x);
    return super.forward(x);
  }
}

