// Adagrad: torch/optim/adagrad.py. The class gathers each group's parameters, gradients and state;
// singleTensorAdagrad (_single_tensor_adagrad, the CPU default, with PyTorch's sparse branch for
// an embedding's gradients) and multiTensorAdagrad (_multi_tensor_adagrad, `foreach: true`) compute,
// operation for operation, in place, under noGrad. As in PyTorch the state (step, sum) is created
// with the optimiser, not at the first step.
import { emptyLike, fullLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { sparseCooTensor } from "../generated/functions.js";
import { persist } from "../core/scope.js";
import { torchVersion } from "../core/runtime.js";
import { Closure, isSparse, Optimizer, ParamGroup, ParamsInput, ParamState } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { checkAtLeastZero, eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachInPlace, foreachMaybeNeg, foreachNew, foreachWeightDecay } from "./foreach-ops.js";

export interface AdagradOptions {
  lr?: number;
  /** The learning rate at step t is lr / (1 + (t - 1) · lrDecay). */
  lrDecay?: number;
  weightDecay?: number;
  /** The sum of squared gradients starts here (default 0). */
  initialAccumulatorValue?: number;
  eps?: number;
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type AdagradGroup = ParamGroup & Required<AdagradOptions>;

const DEFAULTS: Required<AdagradOptions> = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients, sums and (already counted) steps. */
interface AdagradTensors {
  params: Tensor[];
  grads: Tensor[];
  stateSums: Tensor[];
  steps: number[];
}

export class Adagrad extends Optimizer<AdagradGroup> {
  /** PyTorch's positional order (lr, lrDecay, weightDecay, initialAccumulatorValue, eps), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, lrDecay: number, weightDecay: number, initialAccumulatorValue: number, eps: number], AdagradOptions>) {
    super(params, optimizerDefaults("Adagrad", ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"], args, DEFAULTS));
    for (const g of this.paramGroups) for (const p of g.params) this.initState(p, g);
  }

  protected override validateGroup(g: AdagradGroup): void {
    super.validateGroup(g);
    checkAtLeastZero(g, { lrDecay: "lr_decay", weightDecay: "weight_decay", initialAccumulatorValue: "initial_accumulator_value", eps: "epsilon" });
  }

  private initState(p: Tensor, g: AdagradGroup): ParamState {
    const state = this.stateOf(p);
    if (state.step !== undefined) return state;
    state.step = 0;
    state.sum = persist(fullLike(p, g.initialAccumulatorValue));
    return state;
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, null, (g, params, grads) => {
      const states = params.map((p) => this.initState(p, g)); // initState: for a group added after construction
      const t: AdagradTensors = { params, grads, stateSums: states.map((s) => s.sum as Tensor), steps: states.map((s) => this.countStep(s)) };
      (g.foreach ? multiTensorAdagrad : singleTensorAdagrad)(t, g);
    });
    return loss;
  }
}

/** PyTorch's _single_tensor_adagrad: one parameter at a time. */
function singleTensorAdagrad(t: AdagradTensors, g: AdagradGroup): void {
  eachParam(t.params, (i) => {
    const param = t.params[i];
    const stateSum = t.stateSums[i];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    const sparse = isSparse(grad);
    if (g.weightDecay !== 0) {
      if (sparse) throw new Error("tstorch: weight_decay option is not compatible with sparse gradients");
      grad = grad.add(param, g.weightDecay);
    }
    const clr = g.lr / (1 + (t.steps[i] - 1) * g.lrDecay);
    if (sparse) {
      grad = grad.coalesce(); // the update is non-linear, so indices must be unique
      const indices = grad._indices();
      const values = grad._values();
      stateSum.add_(makeSparse(grad, indices, values.pow(2)));
      const std = stateSum.sparseMask(grad);
      const stdValues = std._values().sqrt_().add_(g.eps);
      param.add_(makeSparse(grad, indices, values.div(stdValues)), -clr);
      return;
    }
    stateSum.addcmul_(grad, grad, 1);
    const std = stateSum.sqrt().add_(g.eps);
    param.addcdiv_(grad, std, -clr);
  });
}

/**
 * -lr / (1 + (step - 1)·lrDecay) as the multi-tensor form computes it: PyTorch 2 from the step's
 * value (doubles); 1.13 with the step's 0-d float32 tensor, so every operation rounds to float32
 * (float32 arithmetic done in doubles and rounded once is float32's own, for + · and /).
 */
function minusClr(step: number, g: AdagradGroup): number {
  if (torchVersion()[0] >= 2) return -g.lr / (1 + (step - 1) * g.lrDecay);
  const f = Math.fround;
  const denom = f(f(f(step - 1) * f(g.lrDecay)) + 1);
  return f(f(1 / denom) * f(-g.lr)); // Python's `float / tensor` is tensor.reciprocal() * float
}

/** PyTorch's _multi_tensor_adagrad: one _foreach_ op per step of the algorithm for the group (sparse gradients take the single-tensor form, as there). */
function multiTensorAdagrad(t: AdagradTensors, g: AdagradGroup): void {
  if (t.grads.some(isSparse)) return singleTensorAdagrad(t, g);
  const grads = foreachWeightDecay(foreachMaybeNeg(t.grads, g.maximize), t.params, g.weightDecay);
  foreachInPlace("addcmul", "Scalar", t.stateSums, grads, grads, 1);
  const std = foreachNew("sqrt", "", t.stateSums);
  foreachInPlace("add", "Scalar", std, g.eps);
  // 1.13: params += (grads · minus_clr) / std; 2: params.addcdiv_(grads · minus_clr, std): the same numbers
  const update = foreachNew("mul", "ScalarList", grads, t.steps.map((s) => minusClr(s, g)));
  foreachInPlace("div", "List", update, std);
  foreachInPlace("add", "List", t.params, update, 1);
}

/** PyTorch's _make_sparse: a sparse tensor of grad's size with these indices and values (empty_like(grad) when there are none). */
export function makeSparse(grad: Tensor, indices: Tensor, values: Tensor): Tensor {
  if (indices.numel() === 0 || values.numel() === 0) return emptyLike(grad);
  return sparseCooTensor(indices, values, grad.shape) as Tensor;
}
