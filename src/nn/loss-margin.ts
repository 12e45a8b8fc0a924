// The margin, embedding and likelihood losses of torch.nn (MarginRankingLoss ... GaussianNLLLoss):
// PyTorch's constructor arguments (its positional order, then one trailing options object),
// forward(input, target[, ...]). Each forward is the torch.nn.functional loss of functional-losses.ts
// (one home per loss) or libtorch's kernel where PyTorch's module calls that directly. Class weights
// are a buffer named "weight".
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { reductionCode, Reduction, Tensor } from "../core/tensor.js";
import { PairwiseDistance } from "./distance.js";
import {
  checkReduction, cosineEmbeddingLoss, gaussianNll, hingeEmbeddingLoss, marginRankingLoss, multilabelSoftMarginLoss, poissonNllLoss,
  tripletMarginLoss, tripletMarginWithDistanceLoss, type GaussianNLLLossOptions, type MarginOptions, type PoissonNLLLossOptions,
  type TripletMarginLossOptions, type TripletMarginWithDistanceLossOptions as FunctionalTripletOptions, type WeightedLossOptions,
} from "./functional-losses.js";
import { Module } from "./module.js";

export type { GaussianNLLLossOptions, PoissonNLLLossOptions, TripletMarginLossOptions };
const aten = ops.aten;

abstract class LossBase<In extends unknown[] = [Tensor, Tensor]> extends Module<In, Tensor> {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    this.reduction = checkReduction(this.constructor.name, reduction);
  }
}

export type MarginLossOptions = MarginOptions;
type MarginArgs = PyArgs<[margin: number], MarginLossOptions>;

/** A loss whose only option besides the reduction is a margin (PyTorch's positional first argument). */
abstract class MarginLossBase<In extends unknown[]> extends LossBase<In> {
  readonly margin: number;
  constructor(args: readonly unknown[], dflt: number) {
    const o = pyArgs<MarginLossOptions>(new.target.name, ["margin"], args);
    super(o.reduction);
    this.margin = o.margin ?? dflt;
  }
  protected get opts(): MarginLossOptions { return { margin: this.margin, reduction: this.reduction }; }
}

/** max(0, −y·(x1 − x2) + margin) with y ∈ {1, −1}: forward(x1, x2, y). */
export class MarginRankingLoss extends MarginLossBase<[Tensor, Tensor, Tensor]> {
  constructor(...args: MarginArgs) { super(args, 0); }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor { return marginRankingLoss(x1, x2, y, this.opts); }
}

/** x where y = 1, max(0, margin − x) where y = −1. */
export class HingeEmbeddingLoss extends MarginLossBase<[Tensor, Tensor]> {
  constructor(...args: MarginArgs) { super(args, 1.0); }
  forward(input: Tensor, target: Tensor): Tensor { return hingeEmbeddingLoss(input, target, this.opts); }
}

/** 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1: forward(x1, x2, y). */
export class CosineEmbeddingLoss extends MarginLossBase<[Tensor, Tensor, Tensor]> {
  constructor(...args: MarginArgs) { super(args, 0); }
  forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor { return cosineEmbeddingLoss(x1, x2, y, this.opts); }
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
  constructor(...args: PyArgs<[weight: Tensor | null], WeightedLossOptions>) {
    const o = pyArgs<WeightedLossOptions>("MultiLabelSoftMarginLoss", ["weight"], args);
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
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
  constructor(...args: PyArgs<[p: number, margin: number, weight: Tensor | null], MultiMarginLossOptions>) {
    const o = pyArgs<MultiMarginLossOptions>("MultiMarginLoss", ["p", "margin", "weight"], args);
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

/** max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance: forward(anchor, positive, negative). */
export class TripletMarginLoss extends LossBase<[Tensor, Tensor, Tensor]> {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(...args: PyArgs<[margin: number, p: number, eps: number, swap: boolean], TripletMarginLossOptions>) {
    const o = pyArgs<TripletMarginLossOptions>("TripletMarginLoss", ["margin", "p", "eps", "swap"], args);
    super(o.reduction);
    this.margin = o.margin ?? 1.0;
    this.p = o.p ?? 2.0;
    this.eps = o.eps ?? 1e-6;
    this.swap = o.swap ?? false;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

export interface TripletMarginWithDistanceLossOptions extends Omit<FunctionalTripletOptions, "distanceFunction"> {
  /** Defaults to PairwiseDistance() (the Euclidean distance). */
  distanceFunction?: ((a: Tensor, b: Tensor) => Tensor) | Module<[Tensor, Tensor], Tensor> | null;
}

/** TripletMarginLoss with any distance function (keyword-only options, as in PyTorch). */
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
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    const d = this.distanceFunction;
    const distanceFunction = d instanceof Module ? (a: Tensor, b: Tensor) => d.forward(a, b) : d;
    return tripletMarginWithDistanceLoss(anchor, positive, negative, { distanceFunction, margin: this.margin, swap: this.swap, reduction: this.reduction });
  }
}

/** Negative log likelihood of a Poisson target. */
export class PoissonNLLLoss extends LossBase {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(...args: PyArgs<[logInput: boolean, full: boolean], PoissonNLLLossOptions>) {
    const o = pyArgs<PoissonNLLLossOptions>("PoissonNLLLoss", ["logInput", "full"], args);
    super(o.reduction);
    this.logInput = o.logInput ?? true;
    this.full = o.full ?? false;
    this.eps = o.eps ?? 1e-8;
  }
  forward(logInput: Tensor, target: Tensor): Tensor {
    return poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
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
    return gaussianNll("GaussianNLLLoss", input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}
