// Adadelta: torch/optim/adadelta.py (_single_tensor_adadelta) operation for operation, in place,
// under noGrad.
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export interface AdadeltaOptions {
  /** Scales delta before it is applied (default 1). */
  lr?: number;
  /** Decay of the running averages of squared gradients and updates (default 0.9). */
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface AdadeltaGroup extends ParamGroup {
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export class Adadelta extends Optimizer<AdadeltaGroup> {
  /** PyTorch's positional order (lr, rho, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, rho: number, eps: number, weightDecay: number], AdadeltaOptions>) {
    const o = pyArgs<AdadeltaOptions>("Adadelta", ["lr", "rho", "eps", "weightDecay"], args);
    super(params, { lr: o.lr ?? 1.0, rho: o.rho ?? 0.9, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false });
  }

  protected override validateGroup(g: AdadeltaGroup): void {
    super.validateGroup(g);
    if (!(g.rho >= 0 && g.rho <= 1)) throw new Error(`tstorch: invalid rho value: ${g.rho}`);
    if (!(g.eps >= 0)) throw new Error(`tstorch: invalid epsilon value: ${g.eps}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("Adadelta", (p, grad, g) => {
      const state = this.lazyState(p, () => ({ square_avg: zerosLike(p), acc_delta: zerosLike(p) }));
      this.countStep(state);
      adadeltaUpdate(p, grad, state.square_avg as Tensor, state.acc_delta as Tensor, g);
    });
    return loss;
  }
}

function adadeltaUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, accDelta: Tensor, g: AdadeltaGroup): void {
  const { lr, rho, eps, weightDecay } = g;
  if (g.maximize) grad = grad.neg();
  if (weightDecay !== 0) grad = grad.add(param, weightDecay);
  squareAvg.mul_(rho).addcmul_(grad, grad, 1 - rho);
  const std = squareAvg.add(eps).sqrt_();
  const delta = accDelta.add(eps).sqrt_().div_(std).mul_(grad);
  accDelta.mul_(rho).addcmul_(delta, delta, 1 - rho);
  param.add_(delta, -lr);
}
