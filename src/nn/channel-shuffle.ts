// nn.ChannelShuffle: [N, g·c, ...] → channels interleaved across the g groups (ShuffleNet), aten::channel_shuffle.
import { ops } from "../core/ops.js";
import { Tensor } from "../core/tensor.js";
import { Module } from "./module.js";

export class ChannelShuffle extends Module {
  constructor(readonly groups: number) {
    super();
    if (!Number.isInteger(groups) || groups <= 0) throw new Error(`tstorch: ChannelShuffle groups must be a positive integer, got ${groups}`);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 3 || x.shape[1] % this.groups !== 0) {
      throw new Error(`tstorch: ChannelShuffle expects an input [N, C, *] with C divisible by groups = ${this.groups}, got [${x.shape.join(", ")}]`);
    }
    // what F.channel_shuffle calls (on 1.13 it has no derivative, as in PyTorch)
    return ops.aten.native_channel_shuffle(x, this.groups);
  }
  override extraRepr(): string { return `groups=${this.groups}`; }
}
