// nn.Conv1d, nn.Conv3d and nn.ConvTranspose1d (Conv2d / ConvTranspose2d are in conv.ts), through
// aten::conv1d / conv3d / conv_transpose1d. Weight layouts are PyTorch's: Conv [out, in/groups,
// *kernel], ConvTranspose [in, out/groups, *kernel]; initialisation as Conv2d's ("torch" or "tch").
import { empty } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { Tensor } from "../core/tensor.js";
import { InitScheme, initWeightAndBias_ } from "./init.js";
import type { ParamOptions } from "./linear.js";
import { Module } from "./module.js";

const aten = ops.aten;

export type IntN = number | readonly number[];

function tuple(v: IntN, n: number, what: string): number[] {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (t.length !== n || t.some((d) => !Number.isInteger(d))) throw new Error(`tstorch: ${what} must be an int or ${n} ints, got ${JSON.stringify(v)}`);
  return t;
}

function checkGroups(name: string, inC: number, outC: number, groups: number): void {
  if (!Number.isInteger(groups) || groups <= 0) throw new Error(`tstorch: ${name} groups must be a positive integer`);
  if (inC % groups !== 0) throw new Error(`tstorch: ${name} in_channels must be divisible by groups`);
  if (outC % groups !== 0) throw new Error(`tstorch: ${name} out_channels must be divisible by groups`);
}

export interface ConvNdOptions extends ParamOptions {
  stride?: IntN;
  /** Ints, or "same" / "valid" as in PyTorch ("same" needs stride 1). */
  padding?: IntN | "same" | "valid";
  dilation?: IntN;
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;

  constructor(private readonly n: 1 | 3, readonly inChannels: number, readonly outChannels: number, kernelSize: IntN, opts: ConvNdOptions) {
    super();
    const name = `Conv${n}d`;
    this.groups = opts.groups ?? 1;
    checkGroups(name, inChannels, outChannels, this.groups);
    this.kernelSize = tuple(kernelSize, n, "kernelSize");
    this.stride = tuple(opts.stride ?? 1, n, "stride");
    const p = opts.padding ?? 0;
    this.padding = p === "same" || p === "valid" ? p : tuple(p, n, "padding");
    if (p === "same" && this.stride.some((s) => s !== 1)) throw new Error("tstorch: padding='same' is not supported for strided convolutions");
    this.dilation = tuple(opts.dilation ?? 1, n, "dilation");
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([outChannels, inChannels / this.groups, ...this.kernelSize], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outChannels], t));
    this.resetParameters(opts.init ?? "torch");
  }

  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "conv");
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== this.n + 1 && x.ndim !== this.n + 2) {
      throw new Error(`tstorch: Conv${this.n}d expected ${this.n + 1}-D (unbatched) or ${this.n + 2}-D (batched) input, got ${x.ndim}-D input of shape [${x.shape.join(", ")}]`);
    }
    const op = this.n === 1 ? aten.conv1d : aten.conv3d;
    if (typeof this.padding === "string") return op.padding(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups) as Tensor;
    return op.default(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups) as Tensor;
  }

  override extraRepr(): string {
    const tup = (a: number[]) => `(${a.join(", ")}${a.length === 1 ? "," : ""})`;
    const pad = typeof this.padding === "string" ? `'${this.padding}'` : tup(this.padding);
    return `${this.inChannels}, ${this.outChannels}, kernel_size=${tup(this.kernelSize)}, stride=${tup(this.stride)}` +
      (typeof this.padding === "string" || this.padding.some((d) => d !== 0) ? `, padding=${pad}` : "") +
      (this.dilation.some((d) => d !== 1) ? `, dilation=${tup(this.dilation)}` : "") +
      (this.groups !== 1 ? `, groups=${this.groups}` : "") + (this.bias === null ? ", bias=False" : "");
  }
}

/** Over [N, C, L] (or unbatched [C, L]) inputs. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, opts: ConvNdOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

/** Over [N, C, D, H, W] (or unbatched [C, D, H, W]) inputs. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, opts: ConvNdOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
}

export interface ConvTranspose1dOptions extends ParamOptions {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** The gradient of Conv1d with respect to its input, as a layer ([N, C, L] inputs). */
export class ConvTranspose1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, opts: ConvTranspose1dOptions = {}) {
    super();
    this.groups = opts.groups ?? 1;
    checkGroups("ConvTranspose1d", inChannels, outChannels, this.groups);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.outputPadding = opts.outputPadding ?? 0;
    this.dilation = opts.dilation ?? 1;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([inChannels, outChannels / this.groups, kernelSize], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outChannels], t));
    this.resetParameters(opts.init ?? "torch");
  }

  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "conv");
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`tstorch: ConvTranspose1d expected 2-D (unbatched) or 3-D (batched) input, got ${x.ndim}-D`);
    return aten.conv_transpose1d(x, this.weight, this.bias, [this.stride], [this.padding], [this.outputPadding], this.groups, [this.dilation]) as Tensor;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},), stride=(${this.stride},)` +
      (this.padding !== 0 ? `, padding=(${this.padding},)` : "") +
      (this.outputPadding !== 0 ? `, output_padding=(${this.outputPadding},)` : "") +
      (this.groups !== 1 ? `, groups=${this.groups}` : "") + (this.bias === null ? ", bias=False" : "");
  }
}
