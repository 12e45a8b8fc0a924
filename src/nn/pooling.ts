// Pooling layers: thin modules over the functional forms (no parameters).
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../core/functional.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Pair, pair } from "./conv.js";
import { Module } from "./module.js";

/** What max and average pooling share: the window's step and padding, and ceil mode for the output size. */
interface Pool2dOptions {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

/** What MaxPool2d and AvgPool2d share: the window, its step and padding, ceil mode, and the arguments as given. */
abstract class Pool2dBase extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  /** The arguments as given (an int or a pair): PyTorch's repr prints them so. */
  protected readonly given: Pair[];
  constructor(kernelSize: Pair, opts: Pool2dOptions & { stride?: Pair | null }) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? kernelSize);
    this.padding = pair(opts.padding ?? 0);
    this.given = [kernelSize, opts.stride ?? kernelSize, opts.padding ?? 0];
    this.ceilMode = opts.ceilMode ?? false;
  }
}

export interface MaxPool2dOptions extends Pool2dOptions {
  dilation?: Pair;
}

export class MaxPool2d extends Pool2dBase {
  readonly dilation: [number, number];
  /** PyTorch's MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False). */
  constructor(
    kernelSize: Pair,
    ...args: PyArgs<[stride: Pair | null, padding: Pair, dilation: Pair, returnIndices: false, ceilMode: boolean], MaxPool2dOptions & { returnIndices?: false }>
  ) {
    const opts = pyArgs<MaxPool2dOptions & { returnIndices?: boolean; stride?: Pair | null }>("MaxPool2d", ["stride", "padding", "dilation", "returnIndices", "ceilMode"], args);
    if (opts.returnIndices === true) throw new Error("tstorch: MaxPool2d returnIndices: use nn.MaxPool1d/MaxPool3d's form or F.maxPool2dWithIndices; MaxPool2d returns the pooled tensor only");
    super(kernelSize, opts);
    this.dilation = pair(opts.dilation ?? 1);
    this.given.push(opts.dilation ?? 1);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }
  override extraRepr(): string {
    const [k, s, p, d] = this.given.map(showPair);
    return `kernel_size=${k}, stride=${s}, padding=${p}, dilation=${d}, ceil_mode=${this.ceilMode ? "True" : "False"}`;
  }
}

export interface AvgPool2dOptions extends Pool2dOptions {
  countIncludePad?: boolean;
}

export class AvgPool2d extends Pool2dBase {
  readonly countIncludePad: boolean;
  /** PyTorch's AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True). */
  constructor(kernelSize: Pair, ...args: PyArgs<[stride: Pair | null, padding: Pair, ceilMode: boolean, countIncludePad: boolean], AvgPool2dOptions>) {
    const opts = pyArgs<AvgPool2dOptions & { stride?: Pair | null }>("AvgPool2d", ["stride", "padding", "ceilMode", "countIncludePad"], args);
    super(kernelSize, opts);
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    const [k, s, p] = this.given.map(showPair);
    return `kernel_size=${k}, stride=${s}, padding=${p}`;
  }
}

/** An int or a pair as Python prints it: 2, (2, 3). */
function showPair(v: Pair): string {
  return typeof v === "number" ? String(v) : `(${v[0]}, ${v[1]})`;
}

export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];
  constructor(outputSize: Pair) {
    super();
    this.outputSize = pair(outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=(${this.outputSize})`;
  }
}
