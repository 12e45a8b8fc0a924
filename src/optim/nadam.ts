// NAdam (Adam with Nesterov momentum): torch/optim/nadam.py (_single_tensor_nadam) operation for
// operation, in place, under noGrad. The running product of the momentum coefficients lives, as in
// PyTorch, in a 0-d float32 tensor. Where 1.13 and 2 differ the linked version's arithmetic is used:
// 1.13 computes the next product as mu_product·mu·mu_next in float32 (mu counted twice, fixed in 2),
// 2 as mu_product·mu_next in doubles; 2 moves the first moment with lerp_. maximize and
// decoupledWeightDecay are PyTorch 2's options (tstorch has them with 1.13 too).
import { full, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { checkAdamLike, firstMoment } from "./adamax.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";

export interface NAdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  /** How fast the momentum coefficient approaches beta1 (default 4e-3). */
  momentumDecay?: number;
  /** NAdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  decoupledWeightDecay?: boolean;
  maximize?: boolean;
}

export interface NAdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

export class NAdam extends Optimizer<NAdamGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay, momentumDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number, momentumDecay: number], NAdamOptions>) {
    const o = pyArgs<NAdamOptions>("NAdam", ["lr", "betas", "eps", "weightDecay", "momentumDecay"], args);
    const betas = o.betas ?? [0.9, 0.999];
    super(params, {
      lr: o.lr ?? 2e-3,
      betas: [betas[0], betas[1]],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentumDecay: o.momentumDecay ?? 4e-3,
      decoupledWeightDecay: o.decoupledWeightDecay ?? false,
      maximize: o.maximize ?? false,
    });
  }

  protected override validateGroup(g: NAdamGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
    if (!(g.momentumDecay >= 0)) throw new Error(`tstorch: invalid momentum_decay value: ${g.momentumDecay}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("NAdam", (p, grad, g) => {
      const state = this.lazyState(p, () => ({ mu_product: full([], 1, { dtype: "float32" }), exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) }));
      nadamUpdate(p, grad, state.exp_avg as Tensor, state.exp_avg_sq as Tensor, state.mu_product as Tensor, this.countStep(state), g);
    });
    return loss;
  }
}

function nadamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, muProduct: Tensor, step: number, g: NAdamGroup): void {
  const [beta1, beta2] = g.betas;
  const { lr, weightDecay, momentumDecay, eps } = g;
  if (g.maximize) grad = grad.neg();
  const biasCorrection2 = 1 - pyPow(beta2, step);
  if (weightDecay !== 0) {
    if (g.decoupledWeightDecay) param.mul_(1 - lr * weightDecay);
    else grad = grad.add(param, weightDecay);
  }
  // the momentum cache mu^t and mu^(t+1)
  const mu = beta1 * (1 - 0.5 * pyPow(0.96, step * momentumDecay));
  const muNext = beta1 * (1 - 0.5 * pyPow(0.96, (step + 1) * momentumDecay));
  muProduct.mul_(mu);
  const v2 = torchVersion()[0] >= 2;
  const muProductNext = v2 ? (muProduct.item() as number) * muNext : (muProduct.mul(mu).mul(muNext).item() as number);
  firstMoment(expAvg, grad, beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  const denom = expAvgSq.div(biasCorrection2).sqrt().add_(eps);
  param.addcdiv_(grad, denom, (-lr * (1 - mu)) / (1 - (muProduct.item() as number)));
  param.addcdiv_(expAvg, denom, (-lr * muNext) / (1 - muProductNext));
}
