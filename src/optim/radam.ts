// RAdam (rectified Adam): torch/optim/radam.py (_single_tensor_radam) operation for operation, in
// place, under noGrad. PyTorch 2 moves the first moment with lerp_ and takes square roots as
// `x ** 0.5` (C's pow), 1.13 with mul_/add_ and math.sqrt: the linked version's form is used.
// maximize and decoupledWeightDecay are PyTorch 2's options (tstorch has them with 1.13 too).
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { checkAdamLike, firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";

export interface RAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** RAdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  decoupledWeightDecay?: boolean;
  maximize?: boolean;
}

export interface RAdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

export class RAdam extends Optimizer<RAdamGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number], RAdamOptions>) {
    const o = pyArgs<RAdamOptions>("RAdam", ["lr", "betas", "eps", "weightDecay"], args);
    const betas = o.betas ?? [0.9, 0.999];
    super(params, {
      lr: o.lr ?? 1e-3,
      betas: [betas[0], betas[1]],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      decoupledWeightDecay: o.decoupledWeightDecay ?? false,
      maximize: o.maximize ?? false,
    });
  }

  protected override validateGroup(g: RAdamGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("RAdam", (p, grad, g) => {
      const state = this.lazyState(p, () => ({ exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) }));
      radamUpdate(p, grad, state.exp_avg as Tensor, state.exp_avg_sq as Tensor, this.countStep(state), g);
    });
    return loss;
  }
}

function radamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, step: number, g: RAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, weightDecay, eps } = g;
  const sqrt = torchVersion()[0] >= 2 ? (x: number) => pyPow(x, 0.5) : Math.sqrt;
  if (g.maximize) grad = grad.neg();
  if (weightDecay !== 0) {
    if (g.decoupledWeightDecay) param.mul_(1 - lr * weightDecay);
    else grad = grad.add(param, weightDecay);
  }
  firstMoment(expAvg, grad, beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  const beta2Step = pyPow(beta2, step);
  const biasCorrection1 = 1 - pyPow(beta1, step);
  const biasCorrection2 = 1 - beta2Step;
  const biasCorrectedExpAvg = expAvg.div(biasCorrection1);
  // the maximum length of the approximated SMA, and its length now
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * step * beta2Step) / biasCorrection2;
  if (rhoT > 5) {
    // the variance rectification term; Python's `float / tensor` is tensor.reciprocal() * float
    const rect = sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
    const adaptiveLr = expAvgSq.sqrt().add_(eps).reciprocal().mul(sqrt(biasCorrection2));
    param.add_(biasCorrectedExpAvg.mul(lr).mul(adaptiveLr).mul(rect), -1);
  } else {
    param.add_(biasCorrectedExpAvg.mul(lr), -1);
  }
}
