// nn.Unfold (im2col: sliding blocks of [N, C, H, W] as columns [N, C·kh·kw, L]) and nn.Fold (col2im:
// columns summed back into [N, C, H, W]), over aten::im2col and aten::col2im.
import { ops } from "../core/ops.js";
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

export class Unfold extends Module {
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  constructor(readonly kernelSize: Pair, o: FoldOptions = {}) {
    super();
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
    checkPairs("Unfold", { kernelSize, dilation: this.dilation, padding: this.padding, stride: this.stride }, { kernelSize: 1, dilation: 1, padding: 0, stride: 1 });
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`tstorch: Unfold expects a 3-D or 4-D input, got ${x.ndim}-D`);
    return aten.im2col(x, pair(this.kernelSize), pair(this.dilation), pair(this.padding), pair(this.stride));
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}

export class Fold extends Module {
  readonly dilation: Pair;
  readonly padding: Pair;
  readonly stride: Pair;
  constructor(readonly outputSize: Pair, readonly kernelSize: Pair, o: FoldOptions = {}) {
    super();
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
    checkPairs("Fold", { outputSize, kernelSize, dilation: this.dilation, padding: this.padding, stride: this.stride }, { outputSize: 1, kernelSize: 1, dilation: 1, padding: 0, stride: 1 });
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`tstorch: Fold expects a 2-D or 3-D input, got ${x.ndim}-D`);
    return aten.col2im(x, pair(this.outputSize), pair(this.kernelSize), pair(this.dilation), pair(this.padding), pair(this.stride));
  }
  override extraRepr(): string {
    return `output_size=${show(this.outputSize)}, kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}
