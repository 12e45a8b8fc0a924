// SparseAdam: Adam for sparse gradients (nn.Embedding({ sparse: true })), only the rows a step
// touches are updated: torch/optim/sparse_adam.py and _functional.sparse_adam operation for
// operation, under noGrad. Dense gradients are refused with PyTorch's message.
import { emptyLike, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { makeSparse } from "./adagrad.js";
import { checkAdamLike } from "./adamax.js";
import { Closure, isSparse, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";

export interface SparseAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  maximize?: boolean;
}

export interface SparseAdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  maximize: boolean;
}

export class SparseAdam extends Optimizer<SparseAdamGroup> {
  /** PyTorch's positional order (lr, betas, eps), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number], SparseAdamOptions>) {
    const o = pyArgs<SparseAdamOptions>("SparseAdam", ["lr", "betas", "eps"], args);
    const betas = o.betas ?? [0.9, 0.999];
    const lrValue = o.lr ?? 1e-3;
    const eps = o.eps ?? 1e-8;
    // PyTorch's own checks: a zero learning rate or eps is refused here
    if (!(lrValue > 0)) throw new Error(`tstorch: invalid learning rate: ${lrValue}`);
    if (!(eps > 0)) throw new Error(`tstorch: invalid epsilon value: ${eps}`);
    super(params, { lr: lrValue, betas: [betas[0], betas[1]], eps, maximize: o.maximize ?? false });
    const sparseParams: string[] = [];
    this.paramGroups.forEach((g, gi) => g.params.forEach((p, pi) => {
      if (isSparse(p)) sparseParams.push(this.paramGroups.length > 1 ? `[${gi}, ${pi}]` : String(pi));
    }));
    if (sparseParams.length > 0) throw new Error(`tstorch: Sparse params at indices [${sparseParams.join(", ")}]: SparseAdam requires dense parameter tensors`);
  }

  protected override validateGroup(g: SparseAdamGroup): void {
    super.validateGroup(g);
    checkAdamLike({ ...g, weightDecay: 0 });
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad(null, (p, grad, g) => {
      if (!isSparse(grad)) throw new Error("tstorch: SparseAdam does not support dense gradients, please consider Adam instead");
      const state = this.lazyState(p, () => ({ exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) }));
      sparseAdamUpdate(p, grad, state.exp_avg as Tensor, state.exp_avg_sq as Tensor, this.countStep(state), g);
    });
    return loss;
  }
}

function sparseAdamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, step: number, g: SparseAdamGroup): void {
  const [beta1, beta2] = g.betas;
  if (g.maximize) grad = grad.neg();
  grad = grad.coalesce(); // the update is non-linear, so indices must be unique
  const indices = grad._indices();
  const values = grad._values();
  // PyTorch 2 skips an empty gradient; 1.13 goes on with empty updates (the same parameters)
  if (values.numel() === 0 && torchVersion()[0] >= 2) return;
  const sparse = (v: Tensor): Tensor => (v.numel() === 0 ? emptyLike(grad) : makeSparse(grad, indices, v));
  // old <- b·old + (1 - b)·new, i.e. old += (1 - b)·(new - old), on the touched rows only
  const oldExpAvgValues = expAvg.sparseMask(grad)._values();
  const expAvgUpdateValues = values.sub(oldExpAvgValues).mul_(1 - beta1);
  expAvg.add_(sparse(expAvgUpdateValues));
  const oldExpAvgSqValues = expAvgSq.sparseMask(grad)._values();
  const expAvgSqUpdateValues = values.pow(2).sub_(oldExpAvgSqValues).mul_(1 - beta2);
  expAvgSq.add_(sparse(expAvgSqUpdateValues));
  // dense additions again, avoiding another sparse_mask
  const numer = expAvgUpdateValues.add_(oldExpAvgValues);
  expAvgSqUpdateValues.add_(oldExpAvgSqValues);
  const denom = expAvgSqUpdateValues.sqrt_().add_(g.eps);
  const biasCorrection1 = 1 - pyPow(beta1, step);
  const biasCorrection2 = 1 - pyPow(beta2, step);
  const stepSize = (g.lr * Math.sqrt(biasCorrection2)) / biasCorrection1;
  param.add_(sparse(numer.div_(denom).mul(-stepSize)));
}
