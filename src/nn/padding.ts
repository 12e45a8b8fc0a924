// Padding layers (nn.ReflectionPad1d ... nn.CircularPad3d): thin modules over aten::pad, the kernel
// F.pad calls. The padding is one int for every side or 2·d ints (left, right, top, bottom, front,
// back), last dimension first, as in PyTorch.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Module } from "./module.js";

const aten = ops.aten;

type PadMode = "reflect" | "replicate" | "constant" | "circular";
/** One int for every side, or (left, right[, top, bottom[, front, back]]) for 1, 2, 3 spatial dimensions. */
type Pad1 = number | readonly [number, number];
type Pad2 = number | readonly [number, number, number, number];
type Pad3 = number | readonly [number, number, number, number, number, number];

abstract class PadNd extends Module {
  readonly padding: number[];
  constructor(private readonly spatial: number, padding: number | readonly number[], private readonly mode: PadMode, readonly value = 0) {
    super();
    const p = typeof padding === "number" ? new Array<number>(2 * spatial).fill(padding) : [...padding];
    if (p.length !== 2 * spatial || p.some((v) => !Number.isInteger(v))) {
      throw new Error(`tstorch: ${this.constructor.name}: padding must be an int or ${2 * spatial} ints, got ${JSON.stringify(padding)}`);
    }
    this.padding = p;
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== this.spatial + 1 && x.ndim !== this.spatial + 2) {
      throw new Error(`tstorch: ${this.constructor.name}: expected ${this.spatial + 1}-D or ${this.spatial + 2}-D input, got ${x.ndim}-D input of shape [${x.shape.join(", ")}]`);
    }
    if (this.mode === "constant") return aten.constant_pad_nd(x, this.padding, this.value);
    // libtorch 1.13's circular padding wants a batch dimension: an unbatched input gets one for the call
    if (this.mode === "circular" && x.ndim === this.spatial + 1) return scope(() => aten.pad(x.unsqueeze(0), this.padding, "circular").squeeze(0));
    return aten.pad(x, this.padding, this.mode);
  }
  override extraRepr(): string {
    return `(${this.padding.join(", ")})`;
  }
}

/** Over 1 spatial dimension: mirrors the input at its edges (without repeating the edge). */
export class ReflectionPad1d extends PadNd { constructor(padding: Pad1) { super(1, padding, "reflect"); } }
/** Over 2 spatial dimensions: mirrors the input at its edges (without repeating the edge). */
export class ReflectionPad2d extends PadNd { constructor(padding: Pad2) { super(2, padding, "reflect"); } }
/** Over 3 spatial dimensions: mirrors the input at its edges (without repeating the edge). */
export class ReflectionPad3d extends PadNd { constructor(padding: Pad3) { super(3, padding, "reflect"); } }
/** Over 1 spatial dimension: repeats the edge values. */
export class ReplicationPad1d extends PadNd { constructor(padding: Pad1) { super(1, padding, "replicate"); } }
/** Over 2 spatial dimensions: repeats the edge values. */
export class ReplicationPad2d extends PadNd { constructor(padding: Pad2) { super(2, padding, "replicate"); } }
/** Over 3 spatial dimensions: repeats the edge values. */
export class ReplicationPad3d extends PadNd { constructor(padding: Pad3) { super(3, padding, "replicate"); } }
/** Over 1 spatial dimension: wraps around: the left padding comes from the right end (PyTorch 2.1). */
export class CircularPad1d extends PadNd { constructor(padding: Pad1) { super(1, padding, "circular"); } }
/** Over 2 spatial dimensions: wraps around: the left padding comes from the right end (PyTorch 2.1). */
export class CircularPad2d extends PadNd { constructor(padding: Pad2) { super(2, padding, "circular"); } }
/** Over 3 spatial dimensions: wraps around: the left padding comes from the right end (PyTorch 2.1). */
export class CircularPad3d extends PadNd { constructor(padding: Pad3) { super(3, padding, "circular"); } }

abstract class ConstantPadNd extends PadNd {
  override extraRepr(): string {
    return `padding=(${this.padding.join(", ")}), value=${this.value}`;
  }
}
/** Over 1 spatial dimension: pads with `value`. */
export class ConstantPad1d extends ConstantPadNd { constructor(padding: Pad1, value: number) { super(1, padding, "constant", value); } }
/** Over 2 spatial dimensions: pads with `value`. */
export class ConstantPad2d extends ConstantPadNd { constructor(padding: Pad2, value: number) { super(2, padding, "constant", value); } }
/** Over 3 spatial dimensions: pads with `value`. */
export class ConstantPad3d extends ConstantPadNd { constructor(padding: Pad3, value: number) { super(3, padding, "constant", value); } }

/** Zero padding (PyTorch's ZeroPad1d and ZeroPad3d came with 2.1; ZeroPad2d is older): the repr shows the padding only. */
abstract class ZeroPadNd extends ConstantPadNd {
  override extraRepr(): string { return `(${this.padding.join(", ")})`; }
}
/** Zeros over 1 spatial dimension. */
export class ZeroPad1d extends ZeroPadNd { constructor(padding: Pad1) { super(1, padding, "constant", 0); } }
/** Zeros over 2 spatial dimensions. */
export class ZeroPad2d extends ZeroPadNd { constructor(padding: Pad2) { super(2, padding, "constant", 0); } }
/** Zeros over 3 spatial dimensions. */
export class ZeroPad3d extends ZeroPadNd { constructor(padding: Pad3) { super(3, padding, "constant", 0); } }
