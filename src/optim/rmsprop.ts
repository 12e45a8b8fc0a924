// RMSprop: torch/optim/rmsprop.py, centered and momentum variants. The class gathers each group's
// parameters, gradients and state; singleTensorRmsprop (_single_tensor_rmsprop, the CPU default)
// and multiTensorRmsprop (_multi_tensor_rmsprop, `foreach: true`) compute, operation for
// operation, in place, under noGrad. PyTorch 2 moves the centered gradient average with lerp_,
// 1.13 with mul_/add_: the linked version's form is used.
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput, ParamState } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { usesLerp } from "./scalar-math.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachFirstMoment, foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface RMSpropOptions {
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment. */
  centered?: boolean;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type RMSpropGroup = ParamGroup & Required<RMSpropOptions>;

const DEFAULTS: Required<RMSpropOptions> = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients and state (gradAvgs when centered, momentumBuffers with momentum). */
interface RMSpropTensors {
  params: Tensor[];
  grads: Tensor[];
  squareAvgs: Tensor[];
  gradAvgs: Tensor[];
  momentumBuffers: Tensor[];
}

export class RMSprop extends Optimizer<RMSpropGroup> {
  /** PyTorch's positional order (lr, alpha, eps, weightDecay, momentum, centered), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean], RMSpropOptions>) {
    super(params, optimizerDefaults("RMSprop", ["lr", "alpha", "eps", "weightDecay", "momentum", "centered"], args, DEFAULTS));
  }

  protected override validateGroup(g: RMSpropGroup): void {
    super.validateGroup(g);
    checkAtLeastZero(g, { eps: "epsilon", momentum: "momentum", weightDecay: "weight_decay", alpha: "alpha" });
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "RMSprop", (g, params, grads) => {
      const t: RMSpropTensors = { params, grads, squareAvgs: [], gradAvgs: [], momentumBuffers: [] };
      for (const p of params) {
        const state = this.lazyState(p, () => ({
          square_avg: zerosLike(p),
          ...(g.momentum > 0 ? { momentum_buffer: zerosLike(p) } : {}),
          ...(g.centered ? { grad_avg: zerosLike(p) } : {}),
        }));
        this.countStep(state);
        t.squareAvgs.push(state.square_avg as Tensor);
        if (g.centered) t.gradAvgs.push(required(state, "grad_avg", "centered"));
        if (g.momentum > 0) t.momentumBuffers.push(required(state, "momentum_buffer", "momentum"));
      }
      (g.foreach ? multiTensorRmsprop : singleTensorRmsprop)(t, g);
    });
    return loss;
  }
}

/** A state tensor an option needs, which the first step creates only when the option is on. */
function required(state: ParamState, name: string, option: string): Tensor {
  const v = state[name];
  if (v == null) throw new Error(`tstorch: RMSprop: ${option} was switched on after the first step (no ${name} state)`);
  return v as Tensor;
}

/** PyTorch's _single_tensor_rmsprop: one parameter at a time. */
function singleTensorRmsprop(t: RMSpropTensors, g: RMSpropGroup): void {
  const { alpha } = g;
  eachParam(t.params, (i) => {
    const [param, squareAvg] = [t.params[i], t.squareAvgs[i]];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
    squareAvg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
    let avg: Tensor;
    if (g.centered) {
      const gradAvg = t.gradAvgs[i];
      firstMoment(gradAvg, grad, alpha);
      avg = squareAvg.addcmul(gradAvg, gradAvg, { value: -1 }).sqrt_();
    } else {
      avg = squareAvg.sqrt();
    }
    avg.add_(g.eps);
    if (g.momentum > 0) {
      const buf = t.momentumBuffers[i];
      buf.mul_(g.momentum).addcdiv_(grad, avg);
      param.add_(buf, -g.lr);
    } else {
      param.addcdiv_(grad, avg, -g.lr);
    }
  });
}

/** PyTorch's _multi_tensor_rmsprop: one _foreach_ op per step of the algorithm for the group. */
function multiTensorRmsprop(t: RMSpropTensors, g: RMSpropGroup): void {
  const { alpha } = g;
  const grads = foreachWeightDecay(foreachMaybeNeg(t.grads, g.maximize), t.params, g.weightDecay);
  foreachInPlace("mul", "Scalar", t.squareAvgs, alpha);
  foreachInPlace("addcmul", "Scalar", t.squareAvgs, grads, grads, 1 - alpha);
  let avg: Tensor[];
  if (g.centered) {
    foreachFirstMoment(t.gradAvgs, grads, alpha, usesLerp());
    avg = foreachNew("addcmul", "Scalar", t.squareAvgs, t.gradAvgs, t.gradAvgs, -1);
    foreachInPlace("sqrt", "", avg);
  } else {
    avg = foreachNew("sqrt", "", t.squareAvgs);
  }
  foreachInPlace("add", "Scalar", avg, g.eps);
  if (g.momentum > 0) {
    foreachInPlace("mul", "Scalar", t.momentumBuffers, g.momentum);
    foreachInPlace("addcdiv", "Scalar", t.momentumBuffers, grads, avg, 1);
    foreachInPlace("add", "List", t.params, t.momentumBuffers, -g.lr);
  } else {
    foreachInPlace("addcdiv", "Scalar", t.params, grads, avg, -g.lr);
  }
}
