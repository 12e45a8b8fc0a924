// The margin, embedding and likelihood losses of torch.nn (MarginRankingLoss ... GaussianNLLLoss):
// PyTorch's constructor options as one trailing object, forward(input, target[, ...]). Each calls
// libtorch's loss kernel (aten::margin_ranking_loss, aten::multi_margin_loss, ...); the ones PyTorch
// itself writes in Python (MultiLabelSoftMarginLoss, GaussianNLLLoss, TripletMarginWithDistanceLoss)
// compose the same ATen ops in the same order. Class weights are a buffer named "weight".
import { noGrad } from "../core/autograd.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { reductionCode, Reduction, Tensor } from "../core/tensor.js";
import { PairwiseDistance } from "./distance.js";
import { Module } from "./module.js";

const aten = ops.aten;

function checkReduction(name: string, r: string): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new Error(`tstorch: ${name}: ${r} is not a valid value for reduction`);
  return r;
}

function reduce(loss: Tensor, r: Reduction): Tensor {
  return r === "none" ? loss : r === "mean" ? loss.mean() : loss.sum();
}

abstract class LossBase<In extends unknown[] = [Tensor, Tensor]> extends Module<In, Tensor> {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    this.reduction = checkReduction(this.constructor.name, reduction ?? "mean");
  }
}

export interface MarginLossOptions {
  margin?: number;
  reduction?: Reduction;
}

/** max(0, −y·(x1 − x2) + margin) with y ∈ {1, −1}: forward(x1, x2, y). */
export class MarginRankingLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly margin: number;
  constructor(o: MarginLossOptions = {}) {
    super(o.reduction);
    this.margin = o.margin ?? 0;
  }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return aten.margin_ranking_loss(x1, x2, y, this.margin, reductionCode(this.reduction));
  }
}

/** x where y = 1, max(0, margin − x) where y = −1. */
export class HingeEmbeddingLoss extends LossBase {
  readonly margin: number;
  constructor(o: MarginLossOptions = {}) {
    super(o.reduction);
    this.margin = o.margin ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return aten.hinge_embedding_loss(input, target, this.margin, reductionCode(this.reduction));
  }
}

/** 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1: forward(x1, x2, y). */
export class CosineEmbeddingLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly margin: number;
  constructor(o: MarginLossOptions = {}) {
    super(o.reduction);
    this.margin = o.margin ?? 0;
  }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return aten.cosine_embedding_loss(x1, x2, y, this.margin, reductionCode(this.reduction));
  }
}

/** Two-class logistic loss log(1 + exp(−y·x)). */
export class SoftMarginLoss extends LossBase {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  forward(input: Tensor, target: Tensor): Tensor {
    return aten.soft_margin_loss(input, target, reductionCode(this.reduction));
  }
}

/** Multi-label one-versus-all logistic loss over [N, C] (targets 0 or 1), averaged over the classes. */
export class MultiLabelSoftMarginLoss extends LossBase {
  declare weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return scope(() => {
      let loss = target.mul(aten.log_sigmoid(input)).add(target.neg().add(1).mul(aten.log_sigmoid(input.neg()))).neg();
      if (this.weight !== null) loss = loss.mul(this.weight);
      const classDim = input.ndim - 1;
      loss = loss.sum(classDim).div(input.shape[classDim]);
      return reduce(loss, this.reduction);
    });
  }
}

/** Multi-class multi-label hinge loss; the target lists class indices, ended by the first −1. */
export class MultiLabelMarginLoss extends LossBase {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  forward(input: Tensor, target: Tensor): Tensor {
    return aten.multilabel_margin_loss(input, target, reductionCode(this.reduction));
  }
}

export interface MultiMarginLossOptions {
  /** 1 or 2 (default 1). */
  p?: number;
  margin?: number;
  weight?: Tensor | null;
  reduction?: Reduction;
}

/** Multi-class hinge loss Σ_{i≠y} max(0, margin − x[y] + x[i])^p / C. */
export class MultiMarginLoss extends LossBase {
  readonly p: number;
  readonly margin: number;
  declare weight: Tensor | null;
  constructor(o: MultiMarginLossOptions = {}) {
    super(o.reduction);
    this.p = o.p ?? 1;
    if (this.p !== 1 && this.p !== 2) throw new Error(`tstorch: MultiMarginLoss: only p == 1 and p == 2 supported, got ${this.p}`);
    this.margin = o.margin ?? 1;
    if (o.weight && o.weight.ndim !== 1) throw new Error(`tstorch: MultiMarginLoss: weight must be one-dimensional, got ${o.weight.ndim}-D`);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return aten.multi_margin_loss(input, target, this.p, this.margin, this.weight, reductionCode(this.reduction));
  }
}

export interface TripletMarginLossOptions {
  margin?: number;
  /** The norm of the pairwise distance (default 2). */
  p?: number;
  eps?: number;
  /** Use the distance positive–negative when smaller (the "distance swap"). */
  swap?: boolean;
  reduction?: Reduction;
}

/** max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance: forward(anchor, positive, negative). */
export class TripletMarginLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(o: TripletMarginLossOptions = {}) {
    super(o.reduction);
    this.margin = o.margin ?? 1.0;
    this.p = o.p ?? 2.0;
    this.eps = o.eps ?? 1e-6;
    this.swap = o.swap ?? false;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return aten.triplet_margin_loss(anchor, positive, negative, this.margin, this.p, this.eps, this.swap, reductionCode(this.reduction));
  }
}

export interface TripletMarginWithDistanceLossOptions {
  /** Defaults to PairwiseDistance() (the Euclidean distance). */
  distanceFunction?: ((a: Tensor, b: Tensor) => Tensor) | Module<[Tensor, Tensor], Tensor> | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** TripletMarginLoss with any distance function. */
export class TripletMarginWithDistanceLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly distanceFunction: ((a: Tensor, b: Tensor) => Tensor) | Module<[Tensor, Tensor], Tensor>;
  readonly margin: number;
  readonly swap: boolean;
  constructor(o: TripletMarginWithDistanceLossOptions = {}) {
    super(o.reduction);
    this.margin = o.margin ?? 1.0;
    this.swap = o.swap ?? false;
    if (!(this.margin > 0)) throw new Error(`tstorch: TripletMarginWithDistanceLoss: expected margin to be greater than 0, got ${this.margin}`);
    const d = o.distanceFunction ?? new PairwiseDistance();
    // a module distance is a child (PyTorch's repr shows it as "(distance_function): ...")
    this.distanceFunction = d instanceof Module ? this.registerModule("distance_function", d) : d;
  }
  private dist(a: Tensor, b: Tensor): Tensor {
    const d = this.distanceFunction;
    return d instanceof Module ? d.forward(a, b) : d(a, b);
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return scope(() => {
      const dPos = this.dist(anchor, positive);
      let dNeg = this.dist(anchor, negative);
      if (this.swap) dNeg = dNeg.minimum(this.dist(positive, negative));
      return reduce(dPos.sub(dNeg).add(this.margin).clampMin(0), this.reduction);
    });
  }
}

export interface PoissonNLLLossOptions {
  /** The input is the log of the rate (default true). */
  logInput?: boolean;
  /** Add the Stirling approximation term (default false). */
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/** Negative log likelihood of a Poisson target. */
export class PoissonNLLLoss extends LossBase {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(o: PoissonNLLLossOptions = {}) {
    super(o.reduction);
    this.logInput = o.logInput ?? true;
    this.full = o.full ?? false;
    this.eps = o.eps ?? 1e-8;
  }
  forward(logInput: Tensor, target: Tensor): Tensor {
    return aten.poisson_nll_loss(logInput, target, this.logInput, this.full, this.eps, reductionCode(this.reduction));
  }
}

export interface GaussianNLLLossOptions {
  /** Add the constant 0.5·log(2π) (default false). */
  full?: boolean;
  /** The variance is clamped to at least eps (without stopping its gradient, as in PyTorch). */
  eps?: number;
  reduction?: Reduction;
}

/** Negative log likelihood of a Gaussian target: 0.5·(log var + (input − target)² / var). forward(input, target, var). */
export class GaussianNLLLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly full: boolean;
  readonly eps: number;
  constructor(o: GaussianNLLLossOptions = {}) {
    super(o.reduction);
    this.full = o.full ?? false;
    this.eps = o.eps ?? 1e-6;
  }
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    return scope(() => {
      let v = variance;
      if (!same(v.shape, input.shape)) {
        if (same(input.shape.slice(0, -1), v.shape)) v = v.unsqueeze(-1);
        else if (!(same(input.shape.slice(0, -1), v.shape.slice(0, -1)) && v.shape[v.ndim - 1] === 1)) {
          throw new Error(`tstorch: GaussianNLLLoss: var is of incorrect size [${variance.shape.join(", ")}] for input [${input.shape.join(", ")}]`);
        }
      }
      if (v.lt(0).any().item()) throw new Error("tstorch: GaussianNLLLoss: var has negative entry/entries");
      // PyTorch clamps a clone in place under no_grad: the clamp changes the value, not the gradient
      v = v.clone();
      noGrad(() => v.clampMin_(this.eps));
      let loss = v.log().add(input.sub(target).pow(2).div(v)).mul(0.5);
      if (this.full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
      return reduce(loss, this.reduction);
    });
  }
}
