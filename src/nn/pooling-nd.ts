// The 1-d and 3-d pooling layers, the adaptive max pools, LPPool and MaxUnpool: thin modules over
// libtorch's pooling kernels (aten::max_pool1d_with_indices, aten::adaptive_max_pool2d, ...).
// With returnIndices: true a max pool's forward returns [output, indices] (what MaxUnpool takes).
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { IntN, tuple } from "./conv.js";
import { Module } from "./module.js";

const aten = ops.aten;

/** PyTorch prints an int argument as given: one int stays an int, a list a tuple. */
function show(v: IntN | null | readonly (number | null)[]): string {
  if (v === null) return "None";
  if (typeof v === "number") return String(v);
  return `(${v.map((e) => (e === null ? "None" : String(e))).join(", ")}${v.length === 1 ? "," : ""})`;
}

function checkRank(name: string, x: Tensor, spatial: number): void {
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new Error(`tstorch: ${name}: expected ${spatial + 1}-D or ${spatial + 2}-D input, got ${x.ndim}-D input of shape [${x.shape.join(", ")}]`);
  }
}

export interface MaxPoolOptions<R extends boolean = boolean> {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: IntN | null;
  padding?: IntN;
  dilation?: IntN;
  returnIndices?: R;
  ceilMode?: boolean;
}

type PoolOut<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

abstract class MaxPoolNd<R extends boolean> extends Module<[Tensor], PoolOut<R>> {
  readonly stride: IntN;
  readonly padding: IntN;
  readonly dilation: IntN;
  readonly returnIndices: R;
  readonly ceilMode: boolean;
  constructor(private readonly spatial: number, readonly kernelSize: IntN, o: MaxPoolOptions<R>) {
    super();
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.returnIndices = (o.returnIndices ?? false) as R;
    this.ceilMode = o.ceilMode ?? false;
    const name = this.constructor.name;
    const k = tuple(kernelSize, spatial, `${name} kernelSize`);
    const p = tuple(this.padding, spatial, `${name} padding`);
    tuple(this.stride, spatial, `${name} stride`);
    tuple(this.dilation, spatial, `${name} dilation`);
    if (p.some((pi, i) => pi > k[i] / 2)) throw new Error(`tstorch: ${name}: padding should be at most half of the kernel size, got padding ${show(this.padding)} and kernelSize ${show(kernelSize)}`);
  }
  forward(x: Tensor): PoolOut<R> {
    checkRank(this.constructor.name, x, this.spatial);
    const op = this.spatial === 1 ? aten.max_pool1d_with_indices : this.spatial === 2 ? aten.max_pool2d_with_indices : aten.max_pool3d_with_indices;
    const [out, indices] = op(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
    if (this.returnIndices) return [out, indices] as PoolOut<R>;
    indices.dispose();
    return out as PoolOut<R>;
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceil_mode=${this.ceilMode ? "True" : "False"}`;
  }
}

/** What follows kernelSize in PyTorch's MaxPool1d/2d/3d: stride, padding, dilation, return_indices, ceil_mode. */
export type MaxPoolArgs<R extends boolean> = PyArgs<[stride: IntN | null, padding: IntN, dilation: IntN, returnIndices: R, ceilMode: boolean], MaxPoolOptions<R>>;
const MAX_POOL_NAMES = ["stride", "padding", "dilation", "returnIndices", "ceilMode"];

export class MaxPool1d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntN, ...args: MaxPoolArgs<R>) { super(1, kernelSize, pyArgs("MaxPool1d", MAX_POOL_NAMES, args)); }
}
export class MaxPool3d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntN, ...args: MaxPoolArgs<R>) { super(3, kernelSize, pyArgs("MaxPool3d", MAX_POOL_NAMES, args)); }
}

export interface AvgPoolOptions {
  stride?: IntN | null;
  padding?: IntN;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** AvgPool3d only: the divisor instead of the window size. */
  divisorOverride?: number | null;
}

/** [N, C, L] or [C, L]. */
export class AvgPool1d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  /** PyTorch's AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True). */
  constructor(kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, padding: IntN, ceilMode: boolean, countIncludePad: boolean], Omit<AvgPoolOptions, "divisorOverride">>) {
    super();
    const o = pyArgs<AvgPoolOptions>("AvgPool1d", ["stride", "padding", "ceilMode", "countIncludePad"], args);
    this.kernelSize = tuple(kernelSize, 1, "AvgPool1d kernelSize");
    this.stride = tuple(o.stride ?? kernelSize, 1, "AvgPool1d stride");
    this.padding = tuple(o.padding ?? 0, 1, "AvgPool1d padding");
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    checkRank("AvgPool1d", x, 1);
    return aten.avg_pool1d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad);
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/** [N, C, D, H, W] or [C, D, H, W]. */
export class AvgPool3d extends Module {
  readonly stride: IntN;
  readonly padding: IntN;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  /** PyTorch's AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None). */
  constructor(
    readonly kernelSize: IntN,
    ...args: PyArgs<[stride: IntN | null, padding: IntN, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null], AvgPoolOptions>
  ) {
    super();
    const o = pyArgs<AvgPoolOptions>("AvgPool3d", ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"], args);
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
    this.divisorOverride = o.divisorOverride ?? null;
    tuple(kernelSize, 3, "AvgPool3d kernelSize");
    tuple(this.stride, 3, "AvgPool3d stride");
    tuple(this.padding, 3, "AvgPool3d padding");
    if (this.divisorOverride !== null && !(Number.isInteger(this.divisorOverride) && this.divisorOverride !== 0)) {
      throw new Error(`tstorch: AvgPool3d divisorOverride must be a non-zero integer, got ${this.divisorOverride}`);
    }
  }
  forward(x: Tensor): Tensor {
    checkRank("AvgPool3d", x, 3);
    return aten.avg_pool3d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad, this.divisorOverride);
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/** An output size per spatial dimension; null keeps that dimension's input size (PyTorch's None). */
export type AdaptiveSize = number | null | readonly (number | null)[];

function adaptiveSize(name: string, size: AdaptiveSize, x: Tensor, spatial: number): number[] {
  const s = typeof size === "number" || size === null ? new Array<number | null>(spatial).fill(size) : [...size];
  if (s.length !== spatial) throw new Error(`tstorch: ${name}: outputSize must have ${spatial} elements, got ${s.length}`);
  return s.map((v, i) => (v === null ? x.shape[x.ndim - spatial + i] : v));
}

function checkAdaptiveSize(name: string, size: AdaptiveSize, spatial: number): void {
  const s = typeof size === "number" || size === null ? [size] : [...size];
  if (typeof size !== "number" && size !== null && s.length !== spatial) throw new Error(`tstorch: ${name}: outputSize must be an int or ${spatial} ints, got ${JSON.stringify(size)}`);
  if (s.some((v) => v !== null && !(Number.isInteger(v) && v >= 0))) throw new Error(`tstorch: ${name}: outputSize must be non-negative integers (or null), got ${JSON.stringify(size)}`);
}

abstract class AdaptiveMaxPoolNd<R extends boolean> extends Module<[Tensor], PoolOut<R>> {
  readonly returnIndices: R;
  constructor(private readonly spatial: number, readonly outputSize: AdaptiveSize, returnIndices: R) {
    super();
    checkAdaptiveSize(this.constructor.name, outputSize, spatial);
    this.returnIndices = returnIndices;
  }
  forward(x: Tensor): PoolOut<R> {
    const name = this.constructor.name;
    checkRank(name, x, this.spatial);
    const size = adaptiveSize(name, this.outputSize, x, this.spatial);
    let out: Tensor;
    let indices: Tensor;
    if (this.spatial === 1) {
      [out, indices] = aten.adaptive_max_pool1d(x, size);
    } else {
      [out, indices] = (this.spatial === 2 ? aten.adaptive_max_pool2d : aten.adaptive_max_pool3d)(x, size);
    }
    if (this.returnIndices) return [out, indices] as PoolOut<R>;
    indices.dispose();
    return out as PoolOut<R>;
  }
  override extraRepr(): string { return `output_size=${show(this.outputSize)}`; }
}

export class AdaptiveMaxPool1d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, returnIndices: R = false as R) { super(1, outputSize, returnIndices); }
}
export class AdaptiveMaxPool2d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, returnIndices: R = false as R) { super(2, outputSize, returnIndices); }
}
export class AdaptiveMaxPool3d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, returnIndices: R = false as R) { super(3, outputSize, returnIndices); }
}

abstract class AdaptiveAvgPoolNd extends Module {
  constructor(private readonly spatial: number, readonly outputSize: AdaptiveSize) {
    super();
    checkAdaptiveSize(this.constructor.name, outputSize, spatial);
  }
  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    checkRank(name, x, this.spatial);
    const size = adaptiveSize(name, this.outputSize, x, this.spatial);
    return this.spatial === 1 ? aten.adaptive_avg_pool1d(x, size) : aten.adaptive_avg_pool3d(x, size);
  }
  override extraRepr(): string { return `output_size=${show(this.outputSize)}`; }
}

export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize) { super(1, outputSize); }
}
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize) { super(3, outputSize); }
}

export interface LPPoolOptions {
  /** Defaults to the kernel size. */
  stride?: IntN | null;
  ceilMode?: boolean;
}

/**
 * Power-average pooling, (Σ x^p)^(1/p) over each window. PyTorch composes it from avg_pool (the
 * window mean times the window size), and so does this.
 */
abstract class LPPoolNd extends Module {
  readonly stride: IntN | null;
  readonly ceilMode: boolean;
  constructor(private readonly spatial: number, readonly normType: number, readonly kernelSize: IntN, o: LPPoolOptions) {
    super();
    if (!(typeof normType === "number" && normType > 0)) throw new Error(`tstorch: ${this.constructor.name} normType must be a positive number, got ${normType}`);
    this.stride = o.stride ?? null;
    this.ceilMode = o.ceilMode ?? false;
    tuple(kernelSize, spatial, `${this.constructor.name} kernelSize`);
    if (this.stride !== null) tuple(this.stride, spatial, `${this.constructor.name} stride`);
  }
  forward(x: Tensor): Tensor {
    checkRank(this.constructor.name, x, this.spatial);
    const k = tuple(this.kernelSize, this.spatial, "kernelSize");
    const stride = this.stride ?? this.kernelSize;
    return scope(() => {
      const powered = x.pow(this.normType);
      const avg = this.spatial === 1 ? aten.avg_pool1d(powered, k, stride, 0, this.ceilMode)
        : this.spatial === 2 ? aten.avg_pool2d(powered, k, stride, 0, this.ceilMode)
          : aten.avg_pool3d(powered, k, stride, 0, this.ceilMode);
      const windowSize = k.reduce((a, b) => a * b, 1);
      return avg.sign().mul(avg.abs().relu()).mul(windowSize).pow(1 / this.normType);
    });
  }
  override extraRepr(): string {
    return `norm_type=${this.normType}, kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, ceil_mode=${this.ceilMode ? "True" : "False"}`;
  }
}

export class LPPool1d extends LPPoolNd {
  constructor(normType: number, kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolOptions>) {
    super(1, normType, kernelSize, pyArgs("LPPool1d", ["stride", "ceilMode"], args));
  }
}
export class LPPool2d extends LPPoolNd {
  constructor(normType: number, kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolOptions>) {
    super(2, normType, kernelSize, pyArgs("LPPool2d", ["stride", "ceilMode"], args));
  }
}

/** PyTorch 2.2's nn.LPPool3d. */
export class LPPool3d extends LPPoolNd {
  constructor(normType: number, kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolOptions>) {
    super(3, normType, kernelSize, pyArgs("LPPool3d", ["stride", "ceilMode"], args));
  }
}

export interface MaxUnpoolOptions {
  /** Defaults to the kernel size. */
  stride?: IntN | null;
  padding?: IntN;
}

/**
 * The partial inverse of MaxPool: scatters each value to the position its index names, zeros
 * elsewhere. forward(x, indices, outputSize?) — outputSize (the spatial sizes, or the whole shape)
 * picks among the sizes the pooled input may have had.
 */
abstract class MaxUnpoolNd extends Module<[Tensor, Tensor, (readonly number[] | null)?], Tensor> {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  constructor(private readonly spatial: number, kernelSize: IntN, o: MaxUnpoolOptions) {
    super();
    const name = this.constructor.name;
    this.kernelSize = tuple(kernelSize, spatial, `${name} kernelSize`);
    this.stride = tuple(o.stride ?? kernelSize, spatial, `${name} stride`);
    this.padding = tuple(o.padding ?? 0, spatial, `${name} padding`);
  }
  /** PyTorch's _unpool_output_size: the default, or the given size checked against the range a pool could come from. */
  private outputSize(x: Tensor, given: readonly number[] | null | undefined): number[] {
    const n = this.spatial;
    const dflt = Array.from({ length: n }, (_, d) => (x.shape[x.ndim - n + d] - 1) * this.stride[d] + this.kernelSize[d] - 2 * this.padding[d]);
    if (given === null || given === undefined) return dflt;
    let size = [...given];
    if (size.length === n + 2) size = size.slice(2);
    else if (size.length === n + 1) size = size.slice(1);
    if (size.length !== n) throw new Error(`tstorch: ${this.constructor.name}: outputSize should have ${n} or ${n + 2} elements, got ${given.length}`);
    for (let d = 0; d < n; d++) {
      const lo = dflt[d] - this.stride[d];
      const hi = dflt[d] + this.stride[d];
      if (!(size[d] > lo && size[d] < hi)) {
        throw new Error(`tstorch: ${this.constructor.name}: invalid outputSize [${size.join(", ")}] (dim ${d} must be between ${lo + 1} and ${hi - 1})`);
      }
    }
    return size;
  }
  forward(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null): Tensor {
    const name = this.constructor.name;
    checkRank(name, x, this.spatial);
    const size = this.outputSize(x, outputSize);
    if (this.spatial === 1) {
      // PyTorch's own route: the 1-d case as a 2-d unpool with a trailing unit dimension
      return scope(() => aten.max_unpool2d(x.unsqueeze(-1), indices.unsqueeze(-1), [size[0], 1]).squeeze(-1));
    }
    if (this.spatial === 2) return aten.max_unpool2d(x, indices, size);
    return aten.max_unpool3d(x, indices, size, this.stride, this.padding);
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

export class MaxUnpool1d extends MaxUnpoolNd {
  constructor(kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, padding: IntN], MaxUnpoolOptions>) {
    super(1, kernelSize, pyArgs("MaxUnpool1d", ["stride", "padding"], args));
  }
}
export class MaxUnpool2d extends MaxUnpoolNd {
  constructor(kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, padding: IntN], MaxUnpoolOptions>) {
    super(2, kernelSize, pyArgs("MaxUnpool2d", ["stride", "padding"], args));
  }
}
export class MaxUnpool3d extends MaxUnpoolNd {
  constructor(kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, padding: IntN], MaxUnpoolOptions>) {
    super(3, kernelSize, pyArgs("MaxUnpool3d", ["stride", "padding"], args));
  }
}
