// Adamax (Adam with the infinity norm): torch/optim/adamax.py (_single_tensor_adamax) operation for
// operation, in place, under noGrad. PyTorch 2 moves the first moment with lerp_, 1.13 with
// mul_/add_: the linked version's form is used (usesLerp).
import { zerosLike } from "../core/creation.js";
import { native } from "../core/native.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow, usesLerp } from "./scalar-math.js";

export interface AdamaxOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface AdamaxGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

let maximumOut: number | undefined;

export class Adamax extends Optimizer<AdamaxGroup> {
  /** PyTorch's positional order (lr, betas, eps, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number], AdamaxOptions>) {
    const o = pyArgs<AdamaxOptions>("Adamax", ["lr", "betas", "eps", "weightDecay"], args);
    const betas = o.betas ?? [0.9, 0.999];
    super(params, { lr: o.lr ?? 2e-3, betas: [betas[0], betas[1]], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false });
  }

  protected override validateGroup(g: AdamaxGroup): void {
    super.validateGroup(g);
    checkAdamLike(g);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("Adamax", (p, grad, g) => {
      const state = this.lazyState(p, () => ({ exp_avg: zerosLike(p), exp_inf: zerosLike(p) }));
      adamaxUpdate(p, grad, state.exp_avg as Tensor, state.exp_inf as Tensor, this.countStep(state), g);
    });
    return loss;
  }
}

/** PyTorch's checks of lr (the base class), eps, betas and weight decay, with its messages. */
export function checkAdamLike(g: { eps: number; betas: [number, number]; weightDecay: number }): void {
  if (!(g.eps >= 0)) throw new Error(`tstorch: invalid epsilon value: ${g.eps}`);
  if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new Error(`tstorch: invalid beta parameter at index 0: ${g.betas[0]}`);
  if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new Error(`tstorch: invalid beta parameter at index 1: ${g.betas[1]}`);
  if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
}

/** exp_avg ← beta·exp_avg + (1 - beta)·grad, in the linked PyTorch's form. */
export function firstMoment(expAvg: Tensor, grad: Tensor, beta: number): void {
  if (usesLerp()) expAvg.lerp_(grad, 1 - beta);
  else expAvg.mul_(beta).add_(grad, 1 - beta);
}

function adamaxUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expInf: Tensor, step: number, g: AdamaxGroup): void {
  const [beta1, beta2] = g.betas;
  if (g.maximize) grad = grad.neg();
  if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
  firstMoment(expAvg, grad, beta1);
  // the exponentially weighted infinity norm: max(beta2·exp_inf, |grad| + eps), in place
  // (1.13 writes it as amax over a stacked pair: the same values)
  maximumOut ??= native.opId("maximum", "out");
  native.callInPlace(maximumOut, expInf.mul_(beta2)._h, grad.abs().add_(g.eps)._h, expInf._h);
  const clr = g.lr / (1 - pyPow(beta1, step));
  param.addcdiv_(expAvg, expInf, -clr);
}
