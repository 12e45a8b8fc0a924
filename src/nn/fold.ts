// nn.Unfold (im2col: sliding blocks of [N, C, H, W] as columns [N, C·kh·kw, L]) and nn.Fold (col2im:
// columns summed back into [N, C, H, W]), over aten::im2col and aten::col2im; F.unfold and F.fold
// are what the modules call.
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Pair, pair } from "./conv.js";
import { Module } from "./module.js";

const aten = ops.aten;

export interface FoldOptions {
  dilation?: Pair;
  padding?: Pair;
  stride?: Pair;
}

function show(v: Pair): string {
  return typeof v === "number" ? String(v) : `(${v[0]}, ${v[1]})`;
}

function checkPairs(name: string, entries: Record<string, Pair>, min: Record<string, number>): void {
  for (const [k, v] of Object.entries(entries)) {
    const p = pair(v);
    if (p.some((e) => !Number.isInteger(e) || e < min[k])) throw new Error(`tstorch: ${name} ${k} must be integers >= ${min[k]}, got ${JSON.stringify(v)}`);
  }
}

/** What follows the kernel size in PyTorch's fold/unfold (functions and modules): dilation, padding, stride. */
export type FoldArgs = PyArgs<[dilation: Pair, padding: Pair, stride: Pair], FoldOptions>;
function foldOptions(what: string, args: readonly unknown[]): Required<FoldOptions> {
  const o = pyArgs<FoldOptions>(what, ["dilation", "padding", "stride"], args);
  return { dilation: o.dilation ?? 1, padding: o.padding ?? 0, stride: o.stride ?? 1 };
}
const MIN = { outputSize: 1, kernelSize: 1, dilation: 1, padding: 0, stride: 1 };

/** F.unfold(input, kernelSize, dilation?, padding?, stride?): sliding blocks of [N, C, H, W] as columns [N, C·kh·kw, L]. */
export function unfold(input: Tensor, kernelSize: Pair, ...args: FoldArgs): Tensor {
  const o = foldOptions("unfold", args);
  checkPairs("unfold", { kernelSize, ...o }, MIN);
  if (input.ndim !== 3 && input.ndim !== 4) throw new Error(`tstorch: unfold expects a 3-D or 4-D input, got ${input.ndim}-D`);
  return aten.im2col(input, pair(kernelSize), pair(o.dilation), pair(o.padding), pair(o.stride));
}

/** F.fold(input, outputSize, kernelSize, dilation?, padding?, stride?): columns summed back into [N, C, H, W]. */
export function fold(input: Tensor, outputSize: Pair, kernelSize: Pair, ...args: FoldArgs): Tensor {
  const o = foldOptions("fold", args);
  checkPairs("fold", { outputSize, kernelSize, ...o }, MIN);
  if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`tstorch: fold expects a 2-D or 3-D input, got ${input.ndim}-D`);
  return aten.col2im(input, pair(outputSize), pair(kernelSize), pair(o.dilation), pair(o.padding), pair(o.stride));
}

export class Unfold extends Module {
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  /** PyTorch's Unfold(kernel_size, dilation, padding, stride). */
  constructor(readonly kernelSize: Pair, ...args: FoldArgs) {
    super();
    ({ dilation: this.dilation, padding: this.padding, stride: this.stride } = foldOptions("Unfold", args));
    checkPairs("Unfold", { kernelSize, dilation: this.dilation, padding: this.padding, stride: this.stride }, MIN);
  }
  forward(x: Tensor): Tensor {
    return unfold(x, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}

export class Fold extends Module {
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  /** PyTorch's Fold(output_size, kernel_size, dilation, padding, stride). */
  constructor(readonly outputSize: Pair, readonly kernelSize: Pair, ...args: FoldArgs) {
    super();
    ({ dilation: this.dilation, padding: this.padding, stride: this.stride } = foldOptions("Fold", args));
    checkPairs("Fold", { outputSize, kernelSize, dilation: this.dilation, padding: this.padding, stride: this.stride }, MIN);
  }
  forward(x: Tensor): Tensor {
    return fold(x, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `output_size=${show(this.outputSize)}, kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}
