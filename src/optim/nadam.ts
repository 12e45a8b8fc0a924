// NAdam (Adam with Nesterov momentum): torch/optim/nadam.py. The class gathers each group's
// parameters, gradients, moments, momentum products and steps; singleTensorNadam
// (_single_tensor_nadam, the CPU default) and multiTensorNadam (_multi_tensor_nadam,
// `foreach: true`) compute, operation for operation, in place, under noGrad. The running product
// of the momentum coefficients lives, as in PyTorch, in a 0-d float32 tensor. Where 1.13 and 2
// differ the linked version's arithmetic is used: 1.13's single-tensor form computes the next
// product as mu_product·mu·mu_next in float32 (mu counted twice, fixed in 2), its multi-tensor form
// and 2 as mu_product·mu_next in doubles; 2 moves the first moment with lerp_. maximize and
// decoupledWeightDecay are PyTorch 2's options (tstorch has them with 1.13 too).
import { full, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { checkAdamLike, firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { pyPow, usesLerp } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachFirstMoment, foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface NAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** How fast the momentum coefficient approaches beta1 (default 4e-3). */
  momentumDecay?: number;
  /** NAdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  decoupledWeightDecay?: boolean;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type NAdamGroup = ParamGroup & Required<NAdamOptions>;

const DEFAULTS: Required<NAdamOptions> = {
  lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, decoupledWeightDecay: false, foreach: false, maximize: false,
};

/** What both forms take: one group's parameters with a gradient, their gradients, moments, momentum products and (already counted) steps. */
interface NAdamTensors {
  params: Tensor[];
  grads: Tensor[];
  expAvgs: Tensor[];
  expAvgSqs: Tensor[];
  muProducts: Tensor[];
  steps: number[];
}

export class NAdam extends Optimizer<NAdamGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay, momentumDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number, momentumDecay: number], NAdamOptions>) {
    super(params, optimizerDefaults("NAdam", ["lr", "betas", "eps", "weightDecay", "momentumDecay"], args, DEFAULTS));
  }

  protected override validateGroup(g: NAdamGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
    checkAtLeastZero(g, { momentumDecay: "momentum_decay" });
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "NAdam", (g, params, grads) => {
      const t: NAdamTensors = {
        params, grads,
        ...this.gatherStates(params, { expAvgs: "exp_avg", expAvgSqs: "exp_avg_sq", muProducts: "mu_product" }, (p) => ({
          mu_product: full([], 1, { dtype: "float32" }), exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p),
        })),
      };
      (g.foreach ? multiTensorNadam : singleTensorNadam)(t, g);
    });
    return loss;
  }
}

/** The momentum coefficient mu at a step: beta1·(1 - 0.5·0.96^(step·momentumDecay)). */
function momentumAt(step: number, g: NAdamGroup): number {
  return g.betas[0] * (1 - 0.5 * pyPow(0.96, step * g.momentumDecay));
}

/** PyTorch's _single_tensor_nadam: one parameter at a time. */
function singleTensorNadam(t: NAdamTensors, g: NAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, weightDecay, eps } = g;
  eachParam(t.params, (i) => {
    const [param, expAvg, expAvgSq, muProduct, step] = [t.params[i], t.expAvgs[i], t.expAvgSqs[i], t.muProducts[i], t.steps[i]];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    const biasCorrection2 = 1 - pyPow(beta2, step);
    if (weightDecay !== 0) {
      if (g.decoupledWeightDecay) param.mul_(1 - lr * weightDecay);
      else grad = grad.add(param, weightDecay);
    }
    // the momentum cache mu^t and mu^(t+1)
    const mu = momentumAt(step, g);
    const muNext = momentumAt(step + 1, g);
    muProduct.mul_(mu);
    const v2 = torchVersion()[0] >= 2;
    const muProductNext = v2 ? (muProduct.item() as number) * muNext : (muProduct.mul(mu).mul(muNext).item() as number);
    firstMoment(expAvg, grad, beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const denom = expAvgSq.div(biasCorrection2).sqrt().add_(eps);
    param.addcdiv_(grad, denom, (-lr * (1 - mu)) / (1 - (muProduct.item() as number)));
    param.addcdiv_(expAvg, denom, (-lr * muNext) / (1 - muProductNext));
  });
}

/** PyTorch's _multi_tensor_nadam: one _foreach_ op per step of the algorithm for the group (the denominator as sqrt(v) / sqrt(bias_correction2) + eps, as there). */
function multiTensorNadam(t: NAdamTensors, g: NAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, weightDecay, eps } = g;
  const mus = t.steps.map((s) => momentumAt(s, g));
  const muNexts = t.steps.map((s) => momentumAt(s + 1, g));
  foreachInPlace("mul", "ScalarList", t.muProducts, mus);
  let grads = foreachMaybeNeg(t.grads, g.maximize);
  if (weightDecay !== 0 && g.decoupledWeightDecay) foreachInPlace("mul", "Scalar", t.params, 1 - lr * weightDecay);
  else grads = foreachWeightDecay(grads, t.params, weightDecay);
  foreachFirstMoment(t.expAvgs, grads, beta1, usesLerp());
  foreachInPlace("mul", "Scalar", t.expAvgSqs, beta2);
  foreachInPlace("addcmul", "Scalar", t.expAvgSqs, grads, grads, 1 - beta2);
  const denom = foreachNew("sqrt", "", t.expAvgSqs);
  // sqrt(bias_correction2): math.sqrt in 1.13, `** 0.5` (C's pow) in 2
  const sqrt = torchVersion()[0] >= 2 ? (x: number) => pyPow(x, 0.5) : Math.sqrt;
  foreachInPlace("div", "ScalarList", denom, t.steps.map((s) => sqrt(1 - pyPow(beta2, s))));
  foreachInPlace("add", "Scalar", denom, eps);
  const products = t.muProducts.map((m) => m.item() as number);
  foreachInPlace("addcdiv", "ScalarList", t.params, grads, denom, products.map((mp, i) => ((lr * (1 - mus[i])) / (1 - mp)) * -1));
  foreachInPlace("addcdiv", "ScalarList", t.params, t.expAvgs, denom, products.map((mp, i) => ((lr * muNexts[i]) / (1 - mp * muNexts[i])) * -1));
}
