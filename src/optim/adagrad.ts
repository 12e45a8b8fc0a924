// Adagrad: torch/optim/adagrad.py (_single_tensor_adagrad) operation for operation, in place, under
// noGrad; sparse gradients (an embedding's) take PyTorch's sparse branch. As in PyTorch the state
// (step, sum) is created with the optimiser, not at the first step.
import { emptyLike, fullLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { sparseCooTensor } from "../generated/functions.js";
import { persist } from "../core/scope.js";
import { Closure, isSparse, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export interface AdagradOptions {
  lr?: number;
  /** The learning rate at step t is lr / (1 + (t - 1) · lrDecay). */
  lrDecay?: number;
  weightDecay?: number;
  /** The sum of squared gradients starts here (default 0). */
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

export interface AdagradGroup extends ParamGroup {
  lrDecay: number;
  eps: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  maximize: boolean;
}

export class Adagrad extends Optimizer<AdagradGroup> {
  /** PyTorch's positional order (lr, lrDecay, weightDecay, initialAccumulatorValue, eps), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, lrDecay: number, weightDecay: number, initialAccumulatorValue: number, eps: number], AdagradOptions>) {
    const o = pyArgs<AdagradOptions>("Adagrad", ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"], args);
    super(params, {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      eps: o.eps ?? 1e-10,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      maximize: o.maximize ?? false,
    });
    for (const g of this.paramGroups) for (const p of g.params) this.initState(p, g);
  }

  protected override validateGroup(g: AdagradGroup): void {
    super.validateGroup(g);
    if (!(g.lrDecay >= 0)) throw new Error(`tstorch: invalid lr_decay value: ${g.lrDecay}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
    if (!(g.initialAccumulatorValue >= 0)) throw new Error(`tstorch: invalid initial_accumulator_value value: ${g.initialAccumulatorValue}`);
    if (!(g.eps >= 0)) throw new Error(`tstorch: invalid epsilon value: ${g.eps}`);
  }

  private initState(p: Tensor, g: AdagradGroup): void {
    const state = this.stateOf(p);
    if (state.step !== undefined) return;
    state.step = 0;
    state.sum = persist(fullLike(p, g.initialAccumulatorValue));
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad(null, (p, grad, g) => {
      this.initState(p, g); // a group added after construction
      const state = this.stateOf(p);
      const step = (state.step as number) + 1;
      state.step = step;
      adagradUpdate(p, grad, state.sum as Tensor, step, g);
    });
    return loss;
  }
}

function adagradUpdate(param: Tensor, grad: Tensor, stateSum: Tensor, step: number, g: AdagradGroup): void {
  if (g.maximize) grad = grad.neg();
  const sparse = isSparse(grad);
  if (g.weightDecay !== 0) {
    if (sparse) throw new Error("tstorch: weight_decay option is not compatible with sparse gradients");
    grad = grad.add(param, g.weightDecay);
  }
  const clr = g.lr / (1 + (step - 1) * g.lrDecay);
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
}

/** PyTorch's _make_sparse: a sparse tensor of grad's size with these indices and values (empty_like(grad) when there are none). */
export function makeSparse(grad: Tensor, indices: Tensor, values: Tensor): Tensor {
  if (indices.numel() === 0 || values.numel() === 0) return emptyLike(grad);
  return sparseCooTensor(indices, values, grad.shape) as Tensor;
}
