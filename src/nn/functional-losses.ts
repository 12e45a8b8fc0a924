// torch.nn.functional's margin, embedding and likelihood losses (margin_ranking_loss ...
// gaussian_nll_loss) with PyTorch's positional order and a trailing options object. The ones PyTorch
// binds to one ATen kernel call that kernel; the ones it writes in Python (multilabel_soft_margin_loss,
// gaussian_nll_loss, triplet_margin_with_distance_loss) compose the same ATen ops in the same order.
// The loss modules of loss-margin.ts call these: one home per loss. PyTorch's deprecated
// size_average / reduce positionals are left out (reduction says the same).
import { noGrad } from "../core/autograd.js";
import { crossEntropy, linear } from "../core/functional.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { reductionCode, type Reduction, Tensor } from "../core/tensor.js";

const aten = ops.aten;

/** PyTorch's check of a reduction string ("x is not a valid value for reduction"). */
export function checkReduction(what: string, r: string | undefined): Reduction {
  const v = r ?? "mean";
  if (v !== "mean" && v !== "sum" && v !== "none") throw new Error(`tstorch: ${what}: ${v} is not a valid value for reduction`);
  return v;
}

/** The reduction the Python-written losses apply last. */
export function reduceLoss(loss: Tensor, r: Reduction): Tensor {
  return r === "none" ? loss : r === "mean" ? loss.mean() : loss.sum();
}

export interface MarginOptions {
  margin?: number;
  reduction?: Reduction;
}
type MarginArgs = PyArgs<[margin: number], MarginOptions>;

function marginOptions(what: string, args: readonly unknown[], dflt: number): { margin: number; reduction: Reduction } {
  const o = pyArgs<MarginOptions>(what, ["margin"], args);
  return { margin: o.margin ?? dflt, reduction: checkReduction(what, o.reduction) };
}

/** max(0, −target·(input1 − input2) + margin) (F.margin_ranking_loss). */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const o = marginOptions("marginRankingLoss", args, 0);
  if (input1.ndim !== input2.ndim || input1.ndim !== target.ndim) {
    throw new Error(`tstorch: marginRankingLoss: all input tensors should have the same dimension but got sizes: input1 ${shapeString(input1.shape)}, input2 ${shapeString(input2.shape)}, target ${shapeString(target.shape)}`);
  }
  return aten.margin_ranking_loss(input1, input2, target, o.margin, reductionCode(o.reduction));
}

/** input where target = 1, max(0, margin − input) where target = −1 (F.hinge_embedding_loss). */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const o = marginOptions("hingeEmbeddingLoss", args, 1.0);
  return aten.hinge_embedding_loss(input, target, o.margin, reductionCode(o.reduction));
}

/** 1 − cos(input1, input2) where target = 1, max(0, cos − margin) where target = −1 (F.cosine_embedding_loss). */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const o = marginOptions("cosineEmbeddingLoss", args, 0);
  return aten.cosine_embedding_loss(input1, input2, target, o.margin, reductionCode(o.reduction));
}

export interface WeightedLossOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
}

/** Multi-label one-versus-all logistic loss over [N, C], averaged over the classes (F.multilabel_soft_margin_loss). */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, ...args: PyArgs<[weight: Tensor | null], WeightedLossOptions>): Tensor {
  const o = pyArgs<WeightedLossOptions>("multilabelSoftMarginLoss", ["weight"], args);
  const r = checkReduction("multilabelSoftMarginLoss", o.reduction);
  return scope(() => {
    let loss = target.mul(aten.log_sigmoid(input)).add(target.neg().add(1).mul(aten.log_sigmoid(input.neg()))).neg();
    if (o.weight !== undefined && o.weight !== null) loss = loss.mul(o.weight);
    const classDim = input.ndim - 1;
    return reduceLoss(loss.sum(classDim).div(input.shape[classDim]), r);
  });
}

export interface PoissonNLLLossOptions {
  /** The input is the log of the rate (default true). */
  logInput?: boolean;
  /** Add the Stirling approximation term (default false). */
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/** Negative log likelihood of a Poisson target (F.poisson_nll_loss). */
export function poissonNllLoss(input: Tensor, target: Tensor, ...args: PyArgs<[logInput: boolean, full: boolean], PoissonNLLLossOptions>): Tensor {
  const o = pyArgs<PoissonNLLLossOptions>("poissonNllLoss", ["logInput", "full"], args);
  const r = checkReduction("poissonNllLoss", o.reduction);
  return aten.poisson_nll_loss(input, target, o.logInput ?? true, o.full ?? false, o.eps ?? 1e-8, reductionCode(r));
}

export interface GaussianNLLLossOptions {
  /** Add the constant 0.5·log(2π) (default false). */
  full?: boolean;
  /** The variance is clamped to at least eps (without stopping its gradient, as in PyTorch). */
  eps?: number;
  reduction?: Reduction;
}

/** 0.5·(log var + (input − target)² / var) (F.gaussian_nll_loss); var may lack the last dimension or have it of size 1. */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, ...args: PyArgs<[full: boolean, eps: number], GaussianNLLLossOptions>): Tensor {
  return gaussianNll("gaussianNllLoss", input, target, variance, pyArgs<GaussianNLLLossOptions>("gaussianNllLoss", ["full", "eps"], args));
}

/** gaussianNllLoss's computation, `what` naming the caller (the function or nn.GaussianNLLLoss) in errors. */
export function gaussianNll(what: string, input: Tensor, target: Tensor, variance: Tensor, o: GaussianNLLLossOptions): Tensor {
  const r = checkReduction(what, o.reduction);
  const lead = input.shape.slice(0, -1);
  return scope(() => {
    let v = variance;
    if (!sameShape(v.shape, input.shape)) {
      if (sameShape(lead, v.shape)) v = v.unsqueeze(-1);
      else if (!(sameShape(lead, v.shape.slice(0, -1)) && v.shape[v.ndim - 1] === 1)) {
        throw new Error(`tstorch: ${what}: var is of incorrect size ${shapeString(variance.shape)} for input ${shapeString(input.shape)}`);
      }
    }
    if (v.lt(0).any().item()) throw new Error(`tstorch: ${what}: var has negative entry/entries`);
    // PyTorch clamps a clone in place under no_grad: the clamp changes the value, not the gradient
    v = v.clone();
    noGrad(() => v.clampMin_(o.eps ?? 1e-6));
    let loss = v.log().add(input.sub(target).pow(2).div(v)).mul(0.5);
    if (o.full ?? false) loss = loss.add(0.5 * Math.log(2 * Math.PI));
    return reduceLoss(loss, r);
  });
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

/** max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance (F.triplet_margin_loss). */
export function tripletMarginLoss(
  anchor: Tensor, positive: Tensor, negative: Tensor,
  ...args: PyArgs<[margin: number, p: number, eps: number, swap: boolean], TripletMarginLossOptions>
): Tensor {
  const o = pyArgs<TripletMarginLossOptions>("tripletMarginLoss", ["margin", "p", "eps", "swap"], args);
  const r = checkReduction("tripletMarginLoss", o.reduction);
  return aten.triplet_margin_loss(anchor, positive, negative, o.margin ?? 1.0, o.p ?? 2, o.eps ?? 1e-6, o.swap ?? false, reductionCode(r));
}

export type DistanceFunction = (a: Tensor, b: Tensor) => Tensor;

export interface TripletMarginWithDistanceLossOptions {
  /** Defaults to F.pairwise_distance (the Euclidean distance). */
  distanceFunction?: DistanceFunction | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** TripletMarginLoss with any distance function (F.triplet_margin_with_distance_loss: keyword-only options). */
export function tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, negative: Tensor, o: TripletMarginWithDistanceLossOptions = {}): Tensor {
  const what = "tripletMarginWithDistanceLoss";
  const r = checkReduction(what, o.reduction);
  const margin = o.margin ?? 1.0;
  if (!(margin > 0)) throw new Error(`tstorch: ${what}: expected margin to be greater than 0, got ${margin} instead`);
  if (anchor.ndim !== positive.ndim || positive.ndim !== negative.ndim) {
    throw new Error(`tstorch: ${what}: the anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor ${anchor.ndim}D, positive ${positive.ndim}D, and negative ${negative.ndim}D inputs`);
  }
  const dist = o.distanceFunction ?? ((a: Tensor, b: Tensor) => aten.pairwise_distance(a, b, 2, 1e-6, false));
  return scope(() => {
    const dPos = dist(anchor, positive);
    let dNeg = dist(anchor, negative);
    if (o.swap ?? false) dNeg = dNeg.minimum(dist(positive, negative));
    return reduceLoss(dPos.add(margin).sub(dNeg).clampMin(0), r);
  });
}

export interface LinearCrossEntropyOptions {
  linearBias?: Tensor | null;
  /** Class weights [C]. */
  weight?: Tensor | null;
  reduction?: Reduction;
  /** null (PyTorch's None) ignores no class; default −100 as in cross_entropy. */
  ignoreIndex?: number | null;
  labelSmoothing?: number;
  /** PyTorch's chunking options; only null (the reference computation) here. */
  options?: null;
}

/** F.linear_cross_entropy (PyTorch 2.14): cross_entropy(linear(input, linearWeight, linearBias), target) — PyTorch's reference path. */
export function linearCrossEntropy(input: Tensor, linearWeight: Tensor, target: Tensor, o: LinearCrossEntropyOptions = {}): Tensor {
  if (o.options !== undefined && o.options !== null) throw new Error("tstorch: linearCrossEntropy: chunking options are not supported (pass null for PyTorch's reference computation)");
  const reduction = checkReduction("linearCrossEntropy", o.reduction);
  return scope(() => crossEntropy(linear(input, linearWeight, o.linearBias ?? null), target, {
    weight: o.weight ?? null, reduction, ignoreIndex: o.ignoreIndex ?? -100, labelSmoothing: o.labelSmoothing ?? 0,
  }));
}
