// Adamax (Adam with the infinity norm): torch/optim/adamax.py. The class gathers each group's
// parameters, gradients, moments and steps; singleTensorAdamax (_single_tensor_adamax, the CPU
// default) and multiTensorAdamax (_multi_tensor_adamax, `foreach: true`) compute, operation for
// operation, in place, under noGrad. PyTorch 2 moves the first moment with lerp_, 1.13 with
// mul_/add_: the linked version's form is used (usesLerp).
import { zerosLike } from "../core/creation.js";
import { native } from "../core/native.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { pyPow, usesLerp } from "./scalar-math.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachFirstMoment, foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface AdamaxOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type AdamaxGroup = ParamGroup & Required<AdamaxOptions>;

const DEFAULTS: Required<AdamaxOptions> = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients, moments and (already counted) steps. */
interface AdamaxTensors {
  params: Tensor[];
  grads: Tensor[];
  expAvgs: Tensor[];
  expInfs: Tensor[];
  steps: number[];
}

let maximumOut: number | undefined;

export class Adamax extends Optimizer<AdamaxGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number], AdamaxOptions>) {
    super(params, optimizerDefaults("Adamax", ["lr", "betas", "eps", "weightDecay"], args, DEFAULTS));
  }

  protected override validateGroup(g: AdamaxGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "Adamax", (g, params, grads) => {
      const t: AdamaxTensors = {
        params, grads,
        ...this.gatherStates(params, { expAvgs: "exp_avg", expInfs: "exp_inf" }, (p) => ({ exp_avg: zerosLike(p), exp_inf: zerosLike(p) })),
      };
      (g.foreach ? multiTensorAdamax : singleTensorAdamax)(t, g);
    });
    return loss;
  }
}

/** PyTorch's checks of lr (the base class), eps, betas and weight decay, with its messages. */
export function checkAdamLike(g: { eps: number; betas: readonly [number, number]; weightDecay: number }): void {
  checkAtLeastZero(g, { eps: "epsilon" });
  if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new Error(`tstorch: invalid beta parameter at index 0: ${g.betas[0]}`);
  if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new Error(`tstorch: invalid beta parameter at index 1: ${g.betas[1]}`);
  checkAtLeastZero(g, { weightDecay: "weight_decay" });
}

/** exp_avg ← beta·exp_avg + (1 - beta)·grad, in the linked PyTorch's form. */
export function firstMoment(expAvg: Tensor, grad: Tensor, beta: number): void {
  if (usesLerp()) expAvg.lerp_(grad, 1 - beta);
  else expAvg.mul_(beta).add_(grad, 1 - beta);
}

/** PyTorch's _single_tensor_adamax: one parameter at a time. */
function singleTensorAdamax(t: AdamaxTensors, g: AdamaxGroup): void {
  const [beta1, beta2] = g.betas;
  eachParam(t.params, (i) => {
    const [param, expAvg, expInf] = [t.params[i], t.expAvgs[i], t.expInfs[i]];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
    firstMoment(expAvg, grad, beta1);
    // the exponentially weighted infinity norm: max(beta2·exp_inf, |grad| + eps), in place
    // (1.13 writes it as amax over a stacked pair: the same values)
    maximumOut ??= native.opId("maximum", "out");
    native.callInPlace(maximumOut, expInf.mul_(beta2)._h, grad.abs().add_(g.eps)._h, expInf._h);
    const clr = g.lr / (1 - pyPow(beta1, t.steps[i]));
    param.addcdiv_(expAvg, expInf, -clr);
  });
}

/** PyTorch's _multi_tensor_adamax: one _foreach_ op per step of the algorithm for the group. */
function multiTensorAdamax(t: AdamaxTensors, g: AdamaxGroup): void {
  const [beta1, beta2] = g.betas;
  const grads = foreachWeightDecay(foreachMaybeNeg(t.grads, g.maximize), t.params, g.weightDecay);
  foreachFirstMoment(t.expAvgs, grads, beta1, usesLerp());
  foreachInPlace("mul", "Scalar", t.expInfs, beta2);
  const norms = foreachNew("abs", "", grads);
  foreachInPlace("add", "Scalar", norms, g.eps);
  foreachInPlace("maximum", "List", t.expInfs, norms);
  const clr = t.steps.map((s) => -1 * (g.lr / (1 - pyPow(beta1, s))));
  foreachInPlace("addcdiv", "ScalarList", t.params, t.expAvgs, t.expInfs, clr);
}
