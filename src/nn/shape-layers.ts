// Parameter-free layers that reshape or drop whole channels: nn.Unflatten, nn.Dropout1d, nn.Dropout2d.
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { DropoutBase, type DropoutArgs } from "./dropout-more.js";
import { inPlace } from "./inplace.js";
import { Module } from "./module.js";

const aten = ops.aten;

/** Expands dimension `dim` into `sizes` (the inverse of Flatten). */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];
  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`tstorch: Unflatten dim must be an integer, got ${dim}`);
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(x: Tensor): Tensor {
    return aten.unflatten.int(x, this.dim, this.unflattenedSize) as Tensor;
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(", ")}${this.unflattenedSize.length === 1 ? "," : ""})`;
  }
}

abstract class ChannelDropout extends DropoutBase {
  constructor(args: readonly unknown[], private readonly spatial: number) {
    super(args);
  }
  forward(x: Tensor): Tensor {
    const batched = this.spatial + 2;
    if (x.ndim !== batched && x.ndim !== batched - 1) {
      throw new Error(`tstorch: ${this.constructor.name}: expected ${batched - 1}-D or ${batched}-D input, got ${x.ndim}-D input`);
    }
    if (!this.training || this.p === 0) return x;
    if (x.ndim === batched) return this.run(x, (y) => aten.feature_dropout(y, this.p, true) as Tensor, (y) => aten.feature_dropout_(y, this.p, true));
    if (this.inplace) return inPlace(x, () => scope(() => { aten.feature_dropout_(x.unsqueeze(0), this.p, true); }));
    return scope(() => (aten.feature_dropout(x.unsqueeze(0), this.p, true) as Tensor).squeeze(0));
  }
}

/** Zeroes whole channels of [N, C, L] (or [C, L]) inputs with probability p in training mode, scaling the rest by 1/(1-p). */
export class Dropout1d extends ChannelDropout {
  constructor(...args: DropoutArgs) {
    super(args, 1);
  }
}
/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) inputs with probability p in training mode. */
export class Dropout2d extends ChannelDropout {
  constructor(...args: DropoutArgs) {
    super(args, 2);
  }
}
