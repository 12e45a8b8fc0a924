// nn.CosineSimilarity and nn.PairwiseDistance: forward(x1, x2) over libtorch's own kernels.
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Module } from "./module.js";

const aten = ops.aten;

/** cos(x1, x2) along dim, each norm clamped to at least eps. */
export class CosineSimilarity extends Module<[Tensor, Tensor], Tensor> {
  constructor(readonly dim = 1, readonly eps = 1e-8) { super(); }
  forward(x1: Tensor, x2: Tensor): Tensor { return aten.cosine_similarity(x1, x2, this.dim, this.eps); }
}

export interface PairwiseDistanceOptions {
  /** Keep the reduced last dimension (default false). */
  keepdim?: boolean;
}

/** ‖x1 − x2 + eps‖_p over the last dimension. */
export class PairwiseDistance extends Module<[Tensor, Tensor], Tensor> {
  readonly keepdim: boolean;
  /** PyTorch's PairwiseDistance(p, eps, keepdim). */
  constructor(readonly p = 2.0, readonly eps = 1e-6, ...args: PyArgs<[keepdim: boolean], PairwiseDistanceOptions>) {
    super();
    this.keepdim = pyArgs<PairwiseDistanceOptions>("PairwiseDistance", ["keepdim"], args).keepdim ?? false;
  }
  forward(x1: Tensor, x2: Tensor): Tensor { return aten.pairwise_distance(x1, x2, this.p, this.eps, this.keepdim); }
}
