// nn.Conv2d and nn.ConvTranspose2d. Weight layouts follow PyTorch: Conv2d [out, in/groups, kH, kW],
// ConvTranspose2d [in, out/groups, kH, kW] (so PyTorch's, and tch's, fan_in for a transposed
// convolution is out/groups·kH·kW).
import { empty } from "../core/creation.js";
import { conv2d, convTranspose2d } from "../core/functional.js";
import { Tensor } from "../core/tensor.js";
import { InitScheme, initWeightAndBias_ } from "./init.js";
import type { ParamOptions } from "./linear.js";
import { Module } from "./module.js";

export type Pair = number | readonly [number, number];

export function pair(v: Pair): [number, number] {
  return typeof v === "number" ? [v, v] : [v[0], v[1]];
}

export interface Conv2dOptions extends ParamOptions {
  stride?: Pair;
  /** An int, a pair, or "same" / "valid" as in PyTorch ("same" needs stride 1). */
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

function checkGroups(inC: number, outC: number, groups: number): void {
  if (!Number.isInteger(groups) || groups <= 0) throw new Error("tstorch: groups must be a positive integer");
  if (inC % groups !== 0) throw new Error("tstorch: in_channels must be divisible by groups");
  if (outC % groups !== 0) throw new Error("tstorch: out_channels must be divisible by groups");
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: Conv2dOptions = {}) {
    super();
    this.groups = opts.groups ?? 1;
    checkGroups(inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    const p = opts.padding ?? 0;
    this.padding = p === "same" || p === "valid" ? p : pair(p);
    if (p === "same" && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new Error("tstorch: padding='same' is not supported for strided convolutions");
    }
    this.dilation = pair(opts.dilation ?? 1);
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([outChannels, inChannels / this.groups, ...this.kernelSize], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outChannels], t));
    this.resetParameters(opts.init ?? "torch");
  }

  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "conv");
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const pad = typeof this.padding === "string" ? `'${this.padding}'` : `(${this.padding.join(", ")})`;
    return `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(", ")}), stride=(${this.stride.join(", ")}), padding=${pad}` +
      (this.dilation.some((d) => d !== 1) ? `, dilation=(${this.dilation.join(", ")})` : "") +
      (this.groups !== 1 ? `, groups=${this.groups}` : "") + (this.bias === null ? ", bias=False" : "");
  }
}

export interface ConvTranspose2dOptions extends ParamOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: ConvTranspose2dOptions = {}) {
    super();
    this.groups = opts.groups ?? 1;
    checkGroups(inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.outputPadding = pair(opts.outputPadding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", empty([inChannels, outChannels / this.groups, ...this.kernelSize], t));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : empty([outChannels], t));
    this.resetParameters(opts.init ?? "torch");
  }

  resetParameters(scheme: InitScheme = "torch"): void {
    initWeightAndBias_(this.weight, this.bias, scheme, "conv");
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(", ")}), stride=(${this.stride.join(", ")})` +
      (this.padding.some((d) => d !== 0) ? `, padding=(${this.padding.join(", ")})` : "") +
      (this.outputPadding.some((d) => d !== 0) ? `, output_padding=(${this.outputPadding.join(", ")})` : "") +
      (this.groups !== 1 ? `, groups=${this.groups}` : "") + (this.bias === null ? ", bias=False" : "");
  }
}
