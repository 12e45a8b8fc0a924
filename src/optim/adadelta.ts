// Adadelta: torch/optim/adadelta.py. The class gathers each group's parameters, gradients and
// running averages; singleTensorAdadelta (_single_tensor_adadelta, the CPU default) and
// multiTensorAdadelta (_multi_tensor_adadelta, `foreach: true`) compute, operation for operation,
// in place, under noGrad.
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface AdadeltaOptions {
  /** Scales delta before it is applied (default 1). */
  lr?: number;
  /** Decay of the running averages of squared gradients and updates (default 0.9). */
  rho?: number;
  eps?: number;
  weightDecay?: number;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type AdadeltaGroup = ParamGroup & Required<AdadeltaOptions>;

const DEFAULTS: Required<AdadeltaOptions> = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients and running averages. */
interface AdadeltaTensors {
  params: Tensor[];
  grads: Tensor[];
  squareAvgs: Tensor[];
  accDeltas: Tensor[];
}

export class Adadelta extends Optimizer<AdadeltaGroup> {
  /** PyTorch's positional order (lr, rho, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, rho: number, eps: number, weightDecay: number], AdadeltaOptions>) {
    super(params, optimizerDefaults("Adadelta", ["lr", "rho", "eps", "weightDecay"], args, DEFAULTS));
  }

  protected override validateGroup(g: AdadeltaGroup): void {
    super.validateGroup(g);
    if (!(g.rho >= 0 && g.rho <= 1)) throw new Error(`tstorch: invalid rho value: ${g.rho}`);
    checkAtLeastZero(g, { eps: "epsilon", weightDecay: "weight_decay" });
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "Adadelta", (g, params, grads) => {
      const states = this.gatherStates(params, { squareAvgs: "square_avg", accDeltas: "acc_delta" }, (p) => ({
        square_avg: zerosLike(p), acc_delta: zerosLike(p),
      }));
      const t: AdadeltaTensors = { params, grads, squareAvgs: states.squareAvgs, accDeltas: states.accDeltas };
      (g.foreach ? multiTensorAdadelta : singleTensorAdadelta)(t, g);
    });
    return loss;
  }
}

/** PyTorch's _single_tensor_adadelta: one parameter at a time. */
function singleTensorAdadelta(t: AdadeltaTensors, g: AdadeltaGroup): void {
  const { lr, rho, eps, weightDecay } = g;
  eachParam(t.params, (i) => {
    const [param, squareAvg, accDelta] = [t.params[i], t.squareAvgs[i], t.accDeltas[i]];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    if (weightDecay !== 0) grad = grad.add(param, weightDecay);
    squareAvg.mul_(rho).addcmul_(grad, grad, 1 - rho);
    const std = squareAvg.add(eps).sqrt_();
    const delta = accDelta.add(eps).sqrt_().div_(std).mul_(grad);
    accDelta.mul_(rho).addcmul_(delta, delta, 1 - rho);
    param.add_(delta, -lr);
  });
}

/** PyTorch's _multi_tensor_adadelta: one _foreach_ op per step of the algorithm for the group. */
function multiTensorAdadelta(t: AdadeltaTensors, g: AdadeltaGroup): void {
  const { lr, rho, eps } = g;
  const grads = foreachWeightDecay(foreachMaybeNeg(t.grads, g.maximize), t.params, g.weightDecay);
  foreachInPlace("mul", "Scalar", t.squareAvgs, rho);
  foreachInPlace("addcmul", "Scalar", t.squareAvgs, grads, grads, 1 - rho);
  const std = foreachNew("add", "Scalar", t.squareAvgs, eps);
  foreachInPlace("sqrt", "", std);
  const deltas = foreachNew("add", "Scalar", t.accDeltas, eps);
  foreachInPlace("sqrt", "", deltas);
  foreachInPlace("div", "List", deltas, std);
  foreachInPlace("mul", "List", deltas, grads);
  foreachInPlace("mul", "Scalar", t.accDeltas, rho);
  foreachInPlace("addcmul", "Scalar", t.accDeltas, deltas, deltas, 1 - rho);
  foreachInPlace("add", "List", t.params, deltas, -lr);
}
