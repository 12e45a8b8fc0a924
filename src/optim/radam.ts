// RAdam (rectified Adam): torch/optim/radam.py. The class gathers each group's parameters,
// gradients, moments and steps; singleTensorRadam (_single_tensor_radam, the CPU default) and
// multiTensorRadam (_multi_tensor_radam, `foreach: true`) compute, operation for operation, in
// place, under noGrad. PyTorch 2 moves the first moment with lerp_ and takes the single-tensor
// form's square roots as `x ** 0.5` (C's pow), 1.13 with mul_/add_ and math.sqrt; 2's multi-tensor
// form adds eps to the denominator and takes its square roots as `** 0.5`, 1.13's does neither: the
// linked version's form is used. maximize and decoupledWeightDecay are PyTorch 2's options
// (tstorch has them with 1.13 too).
import { onesLike, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { checkAdamLike, firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { pyPow, usesLerp } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";
import { eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachFirstMoment, foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface RAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** RAdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  decoupledWeightDecay?: boolean;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type RAdamGroup = ParamGroup & Required<RAdamOptions>;

const DEFAULTS: Required<RAdamOptions> = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients, moments and (already counted) steps. */
interface RAdamTensors {
  params: Tensor[];
  grads: Tensor[];
  expAvgs: Tensor[];
  expAvgSqs: Tensor[];
  steps: number[];
}

export class RAdam extends Optimizer<RAdamGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number], RAdamOptions>) {
    super(params, optimizerDefaults("RAdam", ["lr", "betas", "eps", "weightDecay"], args, DEFAULTS));
  }

  protected override validateGroup(g: RAdamGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "RAdam", (g, params, grads) => {
      const t: RAdamTensors = {
        params, grads,
        ...this.gatherStates(params, { expAvgs: "exp_avg", expAvgSqs: "exp_avg_sq" }, (p) => ({ exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) })),
      };
      (g.foreach ? multiTensorRadam : singleTensorRadam)(t, g);
    });
    return loss;
  }
}

/** The weight decay both forms start with: decoupled (the parameters shrink) or added to the gradients. */
function decayed(grad: Tensor, param: Tensor, g: RAdamGroup): Tensor {
  if (g.weightDecay === 0) return grad;
  if (!g.decoupledWeightDecay) return grad.add(param, g.weightDecay);
  param.mul_(1 - g.lr * g.weightDecay);
  return grad;
}

/** The maximum length of the approximated SMA (rho_inf) and its length at a step (rho_t). */
function smaLengths(step: number, beta2: number): { rhoInf: number; rhoT: number } {
  const rhoInf = 2 / (1 - beta2) - 1;
  const beta2Step = pyPow(beta2, step);
  return { rhoInf, rhoT: rhoInf - (2 * step * beta2Step) / (1 - beta2Step) };
}

/** The variance rectification term at a step, 0 while rho_t <= 5 (then the update is unadapted). */
function rectification(step: number, beta2: number, sqrt: (x: number) => number): number {
  const { rhoInf, rhoT } = smaLengths(step, beta2);
  return rhoT > 5 ? sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
}

/** PyTorch's _single_tensor_radam: one parameter at a time. */
function singleTensorRadam(t: RAdamTensors, g: RAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, eps } = g;
  const sqrt = torchVersion()[0] >= 2 ? (x: number) => pyPow(x, 0.5) : Math.sqrt;
  eachParam(t.params, (i) => {
    const [param, expAvg, expAvgSq, step] = [t.params[i], t.expAvgs[i], t.expAvgSqs[i], t.steps[i]];
    const grad = decayed(g.maximize ? t.grads[i].neg() : t.grads[i], param, g);
    firstMoment(expAvg, grad, beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const biasCorrection1 = 1 - pyPow(beta1, step);
    const biasCorrection2 = 1 - pyPow(beta2, step);
    const biasCorrectedExpAvg = expAvg.div(biasCorrection1);
    const rect = rectification(step, beta2, sqrt);
    if (rect > 0) {
      // Python's `float / tensor` is tensor.reciprocal() * float
      const adaptiveLr = expAvgSq.sqrt().add_(eps).reciprocal().mul(sqrt(biasCorrection2));
      param.add_(biasCorrectedExpAvg.mul(lr).mul(adaptiveLr).mul(rect), -1);
    } else {
      param.add_(biasCorrectedExpAvg.mul(lr), -1);
    }
  });
}

/** PyTorch's _multi_tensor_radam: one _foreach_ op per step of the algorithm for the group, in the linked version's arrangement. */
function multiTensorRadam(t: RAdamTensors, g: RAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, eps } = g;
  let grads = foreachMaybeNeg(t.grads, g.maximize);
  if (g.weightDecay !== 0 && g.decoupledWeightDecay) foreachInPlace("mul", "Scalar", t.params, 1 - lr * g.weightDecay);
  else grads = foreachWeightDecay(grads, t.params, g.weightDecay);
  foreachFirstMoment(t.expAvgs, grads, beta1, usesLerp());
  foreachInPlace("mul", "Scalar", t.expAvgSqs, beta2);
  foreachInPlace("addcmul", "Scalar", t.expAvgSqs, grads, grads, 1 - beta2);
  const v2 = torchVersion()[0] >= 2;
  const sqrt = v2 ? (x: number) => pyPow(x, 0.5) : Math.sqrt; // `** 0.5` in 2, math.sqrt in 1.13
  const rect = t.steps.map((s) => rectification(s, beta2, sqrt));
  const unrectified = rect.map((r) => (r > 0 ? 0 : 1));
  const bc1 = t.steps.map((s) => 1 - pyPow(beta1, s));
  const bc2Sqrt = t.steps.map((s) => sqrt(1 - pyPow(beta2, s)));
  const unrectStepSize = unrectified.map((u, i) => ((lr * u) / bc1[i]) * -1);
  if (v2) {
    // buffer = sqrt(1 - beta2^t)·rect_step_size / (sqrt(v) + eps) + unrect_step_size; params += m·buffer
    const buffer = foreachNew("sqrt", "", t.expAvgSqs);
    foreachInPlace("add", "Scalar", buffer, eps);
    foreachInPlace("div", "ScalarList", buffer, rect.map((r, i) => bc2Sqrt[i] * ((lr * r) / bc1[i]) * -1));
    foreachInPlace("reciprocal", "", buffer);
    foreachInPlace("add", "ScalarList", buffer, unrectStepSize);
    foreachInPlace("addcmul", "Scalar", t.params, t.expAvgs, buffer, 1);
    return;
  }
  // 1.13: params += rect_step_size·m / (sqrt(v) / sqrt(bc2)), then += unrect_step_size·m / 1 (no eps)
  const denom = foreachNew("sqrt", "", t.expAvgSqs);
  foreachInPlace("div", "ScalarList", denom, bc2Sqrt);
  foreachInPlace("addcdiv", "ScalarList", t.params, t.expAvgs, denom, rect.map((r, i) => ((lr * r) / bc1[i]) * -1));
  const ones = t.expAvgs.map((m) => onesLike(m));
  foreachInPlace("addcdiv", "ScalarList", t.params, t.expAvgs, ones, unrectStepSize);
}
