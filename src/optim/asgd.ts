// ASGD (averaged SGD): torch/optim/asgd.py. The class gathers each group's parameters, gradients
// and state; singleTensorAsgd (_single_tensor_asgd, the CPU default) and multiTensorAsgd
// (_multi_tensor_asgd, `foreach: true`) compute, operation for operation, in place, under noGrad.
// eta and mu live, as in PyTorch, in 0-d float32 tensors: the step reads them back rounded to
// float32, which the trajectory must do too to stay PyTorch's.
import { full, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";
import { torchVersion } from "../core/runtime.js";

export interface ASGDOptions {
  lr?: number;
  /** Decay term (default 1e-4). */
  lambd?: number;
  /** Power of the eta update (default 0.75). */
  alpha?: number;
  /** The step from which averaging starts (default 1e6). */
  t0?: number;
  weightDecay?: number;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type ASGDGroup = ParamGroup & Required<ASGDOptions>;

const DEFAULTS: Required<ASGDOptions> = { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients, averages, eta and mu tensors and (already counted) steps. */
interface ASGDTensors {
  params: Tensor[];
  grads: Tensor[];
  axs: Tensor[];
  etas: Tensor[];
  mus: Tensor[];
  steps: number[];
}

export class ASGD extends Optimizer<ASGDGroup> {
  /** PyTorch's positional order (lr, lambd, alpha, t0, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, lambd: number, alpha: number, t0: number, weightDecay: number], ASGDOptions>) {
    super(params, optimizerDefaults("ASGD", ["lr", "lambd", "alpha", "t0", "weightDecay"], args, DEFAULTS));
  }

  protected override validateGroup(g: ASGDGroup): void {
    super.validateGroup(g);
    checkAtLeastZero(g, { weightDecay: "weight_decay" });
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "ASGD", (g, params, grads) => {
      const scalar = (v: number, p: Tensor): Tensor => full([], v, { dtype: "float32", device: p.device });
      const t: ASGDTensors = {
        params, grads,
        ...this.gatherStates(params, { axs: "ax", etas: "eta", mus: "mu" }, (p) => ({ eta: scalar(g.lr, p), mu: scalar(1, p), ax: zerosLike(p) })),
      };
      (g.foreach ? multiTensorAsgd : singleTensorAsgd)(t, g);
    });
    return loss;
  }
}

/** The averaging and the new eta and mu of parameter i, after its update (both forms). */
function averageAndSchedule(t: ASGDTensors, i: number, g: ASGDGroup): void {
  const { lr, lambd, alpha, t0 } = g;
  // PyTorch copies torch.tensor(<float>) (float32) into eta and mu: a float64 eta (PyTorch's
  // load_state_dict casts it to the parameter's dtype) holds the float32-rounded value
  const [param, ax, step] = [t.params[i], t.axs[i], t.steps[i]];
  if ((t.mus[i].item() as number) !== 1) ax.add_(param.sub(ax).mul(t.mus[i]));
  else ax.copy_(param);
  t.etas[i].fill_(Math.fround(lr / pyPow(1 + lambd * lr * step, alpha)));
  t.mus[i].fill_(Math.fround(1 / Math.max(1, step - t0)));
}

/** PyTorch's _single_tensor_asgd: one parameter at a time. */
function singleTensorAsgd(t: ASGDTensors, g: ASGDGroup): void {
  eachParam(t.params, (i) => {
    const param = t.params[i];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
    const eta = t.etas[i].item() as number;
    param.mul_(1 - g.lambd * eta); // decay term
    param.add_(grad, -eta); // update parameter
    averageAndSchedule(t, i, g);
  });
}

/**
 * PyTorch's _multi_tensor_asgd in the linked version's arrangement. 1.13: the decay and the update
 * as _foreach_ ops with the first parameter's eta (as there), the averaging per parameter. 2: the
 * decay folded into the update, params -= (grads + lambd·params)·eta with eta the 0-d tensor, the
 * average always moved by (params - ax)·mu, and the next eta computed from the float32 step tensor.
 */
function multiTensorAsgd(t: ASGDTensors, g: ASGDGroup): void {
  const grads = foreachWeightDecay(foreachMaybeNeg(t.grads, g.maximize), t.params, g.weightDecay);
  if (torchVersion()[0] < 2) {
    const eta = t.etas[0].item() as number;
    foreachInPlace("mul", "Scalar", t.params, 1 - g.lambd * eta);
    foreachInPlace("add", "List", t.params, grads, -eta);
    eachParam(t.params, (i) => averageAndSchedule(t, i, g));
    return;
  }
  const { lr, lambd, alpha, t0 } = g;
  const decayed = foreachNew("add", "List", grads, t.params, lambd);
  foreachInPlace("addcmul", "Scalar", t.params, decayed, t.etas, -1);
  const distance = foreachNew("sub", "List", t.params, t.axs, 1);
  foreachInPlace("addcmul", "Scalar", t.axs, distance, t.mus, 1);
  eachParam(t.params, (i) => {
    const step = full([], t.steps[i], { dtype: "float32", device: t.params[i].device });
    // lr / ((1 + lambd·lr·step) ** alpha) on the step tensor; Python's `float / tensor` is tensor.reciprocal() * float
    t.etas[i].copy_(step.mul(lambd * lr).add(1).pow(alpha).reciprocal().mul(lr));
    t.mus[i].fill_(Math.fround(1 / Math.max(1, t.steps[i] - t0)));
  });
}
