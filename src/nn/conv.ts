// The convolution layers' shared base (PyTorch's _ConvNd), and nn.Conv2d / nn.ConvTranspose2d (the 1-D
// and 3-D layers are in conv-nd.ts). Weight layouts follow PyTorch: Conv [out, in/groups, *kernel],
// ConvTranspose [in, out/groups, *kernel] (so PyTorch's, and tch's, fan_in for a transposed
// convolution is out/groups·prod(kernel)). A paddingMode other than "zeros" pads the input with
// aten::pad first and convolves without padding, as PyTorch's _conv_forward does.
import { empty } from "../core/creation.js";
import { conv2d, convTranspose2d } from "../core/functional.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { InitScheme, initWeightAndBias_ } from "./init.js";
import type { ParamOptions } from "./linear.js";
import { Module } from "./module.js";

const aten = ops.aten;

export type Pair = number | readonly [number, number];
/** One int for every spatial dimension, or one per dimension. */
export type IntN = number | readonly number[];
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PADDING_MODES: readonly string[] = ["zeros", "reflect", "replicate", "circular"];

export function pair(v: Pair): [number, number] {
  return typeof v === "number" ? [v, v] : [v[0], v[1]];
}

export function tuple(v: IntN, n: number, what: string): number[] {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (t.length !== n || t.some((d) => !Number.isInteger(d))) throw new Error(`tstorch: ${what} must be an int or ${n} ints, got ${JSON.stringify(v)}`);
  return t;
}

interface ConvCommonOptions extends ParamOptions {
  stride?: IntN;
  dilation?: IntN;
  groups?: number;
  bias?: boolean;
}

export interface ConvNdOptions extends ConvCommonOptions {
  /** Ints, or "same" / "valid" as in PyTorch ("same" needs stride 1). */
  padding?: IntN | "same" | "valid";
  /** How the input is padded: PyTorch's padding_mode (default "zeros"). */
  paddingMode?: PaddingMode;
}

export interface ConvTransposeNdOptions extends ConvCommonOptions {
  padding?: IntN;
  outputPadding?: IntN;
  /** Only "zeros", as in PyTorch. */
  paddingMode?: PaddingMode;
}

interface BaseOptions extends ConvCommonOptions {
  padding?: IntN | "same" | "valid";
  outputPadding?: IntN;
  paddingMode?: PaddingMode;
}

/** PyTorch's _ConvNd: the options, their checks, the parameters and extra_repr of every convolution layer. */
export abstract class ConvBase extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  /** Zeros for a convolution (not transposed), as in PyTorch. */
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** F.pad's argument for a paddingMode other than "zeros": last dimension first, each side's amount. */
  protected readonly reversedPaddingRepeatedTwice: number[];

  protected constructor(
    readonly n: 1 | 2 | 3,
    readonly transposed: boolean,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntN,
    opts: BaseOptions,
  ) {
    super();
    const name = `${transposed ? "ConvTranspose" : "Conv"}${n}d`;
    this.groups = opts.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new Error(`tstorch: ${name} groups must be a positive integer`);
    if (inChannels % this.groups !== 0) throw new Error(`tstorch: ${name} in_channels must be divisible by groups`);
    if (outChannels % this.groups !== 0) throw new Error(`tstorch: ${name} out_channels must be divisible by groups`);
    const mode = opts.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(mode)) {
      throw new Error(`tstorch: ${name} paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(", ")}, but got paddingMode='${mode}'`);
    }
    if (transposed && mode !== "zeros") throw new Error(`tstorch: only "zeros" padding mode is supported for ${name}`);
    this.paddingMode = mode;
    this.kernelSize = tuple(kernelSize, n, "kernelSize");
    this.stride = tuple(opts.stride ?? 1, n, "stride");
    const p = opts.padding ?? 0;
    if (typeof p === "string") {
      if (transposed) throw new Error(`tstorch: ${name} padding must be ints, got '${p}'`);
      if (p !== "same" && p !== "valid") throw new Error(`tstorch: ${name} invalid padding string '${p}', should be one of 'valid', 'same'`);
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new Error("tstorch: padding='same' is not supported for strided convolutions");
      this.padding = p;
    } else {
      this.padding = tuple(p, n, "padding");
    }
    this.dilation = tuple(opts.dilation ?? 1, n, "dilation");
    this.outputPadding = tuple(opts.outputPadding ?? 0, n, "outputPadding");
    // PyTorch's _reversed_padding_repeated_twice ("same" puts the odd element on the right)
    const pads = this.kernelSize.map((k, i): [number, number] => {
      if (this.padding === "valid") return [0, 0];
      if (this.padding === "same") {
        const total = this.dilation[i]! * (k - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [this.padding[i]!, this.padding[i]!];
    });
    this.reversedPaddingRepeatedTwice = pads.reverse().flat();
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    const shape = transposed ? [inChannels, outChannels / this.groups] : [outChannels, inChannels / this.groups];
    this.weight = this.registerParameter("weight", empty([...shape, ...this.kernelSize], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outChannels], t));
    this.resetParameters(opts.init ?? "torch");
  }

  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "conv");
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return this.convolve(x, this.outputPadding);
  }

  protected checkInput(x: Tensor): void {
    const n = this.n;
    if (x.ndim !== n + 1 && x.ndim !== n + 2) {
      throw new Error(`tstorch: ${this.transposed ? "ConvTranspose" : "Conv"}${n}d expected ${n + 1}-D (unbatched) or ${n + 2}-D (batched) input, got ${x.ndim}-D input of shape [${x.shape.join(", ")}]`);
    }
  }

  /** The convolution itself; `outputPadding` is used by the transposed layers only. */
  protected convolve(x: Tensor, outputPadding: number[]): Tensor {
    const n = this.n;
    // 2-D convolutions keep the functional path (a direct binding: ~10 µs less per call than generic aten dispatch)
    const { stride, dilation, groups } = this;
    if (n === 2 && this.transposed) {
      return convTranspose2d(x, this.weight, this.bias, { stride, padding: this.padding as number[], outputPadding, groups, dilation });
    }
    if (n === 2 && this.paddingMode === "zeros") return conv2d(x, this.weight, this.bias, { stride, padding: this.padding, dilation, groups });
    if (this.transposed) {
      const op = n === 1 ? aten.conv_transpose1d : n === 2 ? aten.conv_transpose2d : aten.conv_transpose3d;
      return op(x, this.weight, this.bias, this.stride, this.padding as number[], outputPadding, this.groups, this.dilation) as Tensor;
    }
    const op = n === 1 ? aten.conv1d : n === 2 ? aten.conv2d : aten.conv3d;
    if (this.paddingMode !== "zeros") {
      // the aten::pad op of PyTorch's F.pad (reflection_pad / replication_pad / _pad_circular), then no padding
      const padded = aten.pad(x, this.reversedPaddingRepeatedTwice, this.paddingMode) as Tensor;
      try {
        return op.default(padded, this.weight, this.bias, this.stride, new Array<number>(n).fill(0), this.dilation, this.groups) as Tensor;
      } finally {
        padded.dispose();
      }
    }
    if (typeof this.padding === "string") return op.padding(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups) as Tensor;
    return op.default(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups) as Tensor;
  }

  /** PyTorch's _ConvNd.extra_repr. */
  override extraRepr(): string {
    const tup = (a: number[]) => `(${a.join(", ")}${a.length === 1 ? "," : ""})`;
    const some = (a: number[], v: number) => a.some((d) => d !== v);
    return `${this.inChannels}, ${this.outChannels}, kernel_size=${tup(this.kernelSize)}, stride=${tup(this.stride)}` +
      (typeof this.padding === "string" ? `, padding=${this.padding}` : some(this.padding, 0) ? `, padding=${tup(this.padding)}` : "") +
      (some(this.dilation, 1) ? `, dilation=${tup(this.dilation)}` : "") +
      (some(this.outputPadding, 0) ? `, output_padding=${tup(this.outputPadding)}` : "") +
      (this.groups !== 1 ? `, groups=${this.groups}` : "") + (this.bias === null ? ", bias=False" : "") +
      (this.paddingMode !== "zeros" ? `, padding_mode=${this.paddingMode}` : "");
  }
}

/**
 * PyTorch's _ConvTransposeNd: a transposed convolution is ambiguous in its output size (stride s
 * maps s input sizes to one), so forward may name the size it wants, as `m(x, output_size=...)` does;
 * the output padding is then derived from it and the layer's own outputPadding is not used.
 */
export abstract class ConvTransposeBase extends ConvBase {
  /** `outputSize`: the spatial sizes wanted, or the whole output shape ([N,] C, *spatial). */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x);
    return this.convolve(x, outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize));
  }

  /** PyTorch's _output_padding: each requested size must lie in [min, min + stride - 1]. */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const n = this.n;
    const lead = x.ndim - n; // the batch and channel dimensions (1 unbatched)
    const size = outputSize.length === lead + n ? outputSize.slice(lead) : [...outputSize];
    if (size.length !== n || size.some((d) => !Number.isInteger(d))) {
      throw new Error(`tstorch: ConvTranspose${n}D: for ${x.ndim}D input, outputSize must have ${n} or ${lead + n} ints (got ${JSON.stringify(outputSize)})`);
    }
    const spatial = x.shape.slice(lead);
    const mins = spatial.map((s, d) => (s - 1) * this.stride[d]! - 2 * (this.padding as number[])[d]! + this.dilation[d]! * (this.kernelSize[d]! - 1) + 1);
    const maxs = mins.map((m, d) => m + this.stride[d]! - 1);
    if (size.some((s, d) => s < mins[d]! || s > maxs[d]!)) {
      const list = (a: readonly number[]) => `[${a.join(", ")}]`;
      throw new Error(`tstorch: requested an output size of ${list(size)}, but valid sizes range from ${list(mins)} to ${list(maxs)} (for an input of ${list(spatial)})`);
    }
    return size.map((s, d) => s - mins[d]!);
  }
}

export type Conv2dOptions = ConvNdOptions;
export type ConvTranspose2dOptions = ConvTransposeNdOptions;

/**
 * What follows (inChannels, outChannels, kernelSize) in PyTorch's Conv1d/2d/3d: stride, padding,
 * dilation, groups, bias, padding_mode positionally, then the options object.
 */
export type ConvArgs = PyArgs<
  [stride: IntN, padding: IntN | "same" | "valid", dilation: IntN, groups: number, bias: boolean, paddingMode: PaddingMode],
  ConvNdOptions
>;
const CONV_NAMES = ["stride", "padding", "dilation", "groups", "bias", "paddingMode"] as const;
/** ConvTranspose's order differs: stride, padding, output_padding, groups, bias, dilation, padding_mode. */
export type ConvTransposeArgs = PyArgs<
  [stride: IntN, padding: IntN, outputPadding: IntN, groups: number, bias: boolean, dilation: IntN, paddingMode: PaddingMode],
  ConvTransposeNdOptions
>;
const CONV_TRANSPOSE_NAMES = ["stride", "padding", "outputPadding", "groups", "bias", "dilation", "paddingMode"] as const;

/** @internal the options of a convolution constructor's optional arguments. */
export function convOptions(what: string, args: readonly unknown[]): ConvNdOptions {
  return pyArgs<ConvNdOptions>(what, CONV_NAMES, args);
}
/** @internal the options of a transposed convolution constructor's optional arguments. */
export function convTransposeOptions(what: string, args: readonly unknown[]): ConvTransposeNdOptions {
  return pyArgs<ConvTransposeNdOptions>(what, CONV_TRANSPOSE_NAMES, args);
}

/** Over [N, C, H, W] (or unbatched [C, H, W]) inputs. `new nn.Conv2d(1, 32, 3, 1)` or `new nn.Conv2d(1, 32, 3, { stride: 1 })`. */
export class Conv2d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvArgs) { super(2, false, inChannels, outChannels, kernelSize, convOptions("Conv2d", args)); }
}

/** The gradient of Conv2d with respect to its input, as a layer. */
export class ConvTranspose2d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvTransposeArgs) { super(2, true, inChannels, outChannels, kernelSize, convTransposeOptions("ConvTranspose2d", args)); }
}
