// ASGD (averaged SGD): torch/optim/asgd.py (_single_tensor_asgd) operation for operation, in place,
// under noGrad. eta and mu live, as in PyTorch, in 0-d float32 tensors: the step reads them back
// rounded to float32, which the trajectory must do too to stay PyTorch's.
import { full, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";

export interface ASGDOptions {
  lr?: number;
  /** Decay term (default 1e-4). */
  lambd?: number;
  /** Power of the eta update (default 0.75). */
  alpha?: number;
  /** The step from which averaging starts (default 1e6). */
  t0?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface ASGDGroup extends ParamGroup {
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  maximize: boolean;
}

export class ASGD extends Optimizer<ASGDGroup> {
  /** PyTorch's positional order (lr, lambd, alpha, t0, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, lambd: number, alpha: number, t0: number, weightDecay: number], ASGDOptions>) {
    const o = pyArgs<ASGDOptions>("ASGD", ["lr", "lambd", "alpha", "t0", "weightDecay"], args);
    super(params, {
      lr: o.lr ?? 1e-2,
      lambd: o.lambd ?? 1e-4,
      alpha: o.alpha ?? 0.75,
      t0: o.t0 ?? 1e6,
      weightDecay: o.weightDecay ?? 0,
      maximize: o.maximize ?? false,
    });
  }

  protected override validateGroup(g: ASGDGroup): void {
    super.validateGroup(g);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("ASGD", (p, grad, g) => {
      const scalar = (v: number): Tensor => full([], v, { dtype: "float32", device: p.device });
      const state = this.lazyState(p, () => ({ eta: scalar(g.lr), mu: scalar(1), ax: zerosLike(p) }));
      asgdUpdate(p, grad, state.ax as Tensor, state.eta as Tensor, state.mu as Tensor, this.countStep(state), g);
    });
    return loss;
  }
}

function asgdUpdate(param: Tensor, grad: Tensor, ax: Tensor, eta: Tensor, mu: Tensor, step: number, g: ASGDGroup): void {
  const { lr, lambd, alpha, t0 } = g;
  if (g.maximize) grad = grad.neg();
  if (g.weightDecay !== 0) grad = grad.add(param, g.weightDecay);
  const etaValue = eta.item() as number;
  param.mul_(1 - lambd * etaValue); // decay term
  param.add_(grad, -etaValue); // update parameter
  // averaging
  if ((mu.item() as number) !== 1) ax.add_(param.sub(ax).mul(mu));
  else ax.copy_(param);
  eta.fill_(lr / pyPow(1 + lambd * lr * step, alpha));
  mu.fill_(1 / Math.max(1, step - t0));
}
