// RMSprop: torch/optim/rmsprop.py (_single_tensor_rmsprop) operation for operation, in place, under
// noGrad; centered and momentum variants. PyTorch 2 moves the centered gradient average with lerp_,
// 1.13 with mul_/add_: the linked version's form is used.
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export interface RMSpropOptions {
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment. */
  centered?: boolean;
  maximize?: boolean;
}

export interface RMSpropGroup extends ParamGroup {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export class RMSprop extends Optimizer<RMSpropGroup> {
  /** PyTorch's positional order (lr, alpha, eps, weightDecay, momentum, centered), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean], RMSpropOptions>) {
    const o = pyArgs<RMSpropOptions>("RMSprop", ["lr", "alpha", "eps", "weightDecay", "momentum", "centered"], args);
    super(params, {
      lr: o.lr ?? 1e-2,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0,
      centered: o.centered ?? false,
      maximize: o.maximize ?? false,
    });
  }

  protected override validateGroup(g: RMSpropGroup): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new Error(`tstorch: invalid epsilon value: ${g.eps}`);
    if (!(g.momentum >= 0)) throw new Error(`tstorch: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
    if (!(g.alpha >= 0)) throw new Error(`tstorch: invalid alpha value: ${g.alpha}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("RMSprop", (p, grad, g) => {
      const state = this.lazyState(p, () => ({
        square_avg: zerosLike(p),
        ...(g.momentum > 0 ? { momentum_buffer: zerosLike(p) } : {}),
        ...(g.centered ? { grad_avg: zerosLike(p) } : {}),
      }));
      this.countStep(state);
      rmspropUpdate(p, grad, state.square_avg as Tensor, state.grad_avg as Tensor | undefined, state.momentum_buffer as Tensor | undefined, g);
    });
    return loss;
  }
}

function rmspropUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor | undefined, buf: Tensor | undefined, g: RMSpropGroup): void {
  const { alpha } = g;
  if (g.maximize) grad = grad.neg();
  if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
  squareAvg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
  let avg: Tensor;
  if (g.centered) {
    if (gradAvg === undefined) throw new Error("tstorch: RMSprop: centered was switched on after the first step (no grad_avg state)");
    firstMoment(gradAvg, grad, alpha);
    avg = squareAvg.addcmul(gradAvg, gradAvg, { value: -1 }).sqrt_();
  } else {
    avg = squareAvg.sqrt();
  }
  avg.add_(g.eps);
  if (g.momentum > 0) {
    if (buf === undefined) throw new Error("tstorch: RMSprop: momentum was switched on after the first step (no momentum_buffer state)");
    buf.mul_(g.momentum).addcdiv_(grad, avg);
    param.add_(buf, -g.lr);
  } else {
    param.addcdiv_(grad, avg, -g.lr);
  }
}
