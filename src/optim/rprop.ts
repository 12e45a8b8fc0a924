// Rprop (resilient backpropagation): torch/optim/rprop.py (_single_tensor_rprop) operation for
// operation, in place, under noGrad. PyTorch's masked assignments (sign[sign.gt(0)] = etaplus)
// are masked fills here: the same values.
import { fullLike, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { persist } from "../core/scope.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export interface RpropOptions {
  /** The initial step size of every element (default 1e-2). */
  lr?: number;
  /** [etaminus, etaplus]: step-size factors when the gradient's sign flips / stays (default [0.5, 1.2]). */
  etas?: readonly [number, number];
  /** [min, max] step size (default [1e-6, 50]). */
  stepSizes?: readonly [number, number];
  maximize?: boolean;
}

export interface RpropGroup extends ParamGroup {
  etas: [number, number];
  stepSizes: [number, number];
  maximize: boolean;
}

export class Rprop extends Optimizer<RpropGroup> {
  /** PyTorch's positional order (lr, etas, stepSizes), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, etas: readonly [number, number], stepSizes: readonly [number, number]], RpropOptions>) {
    const o = pyArgs<RpropOptions>("Rprop", ["lr", "etas", "stepSizes"], args);
    const etas = o.etas ?? [0.5, 1.2];
    const sizes = o.stepSizes ?? [1e-6, 50];
    super(params, { lr: o.lr ?? 1e-2, etas: [etas[0], etas[1]], stepSizes: [sizes[0], sizes[1]], maximize: o.maximize ?? false });
  }

  protected override validateGroup(g: RpropGroup): void {
    super.validateGroup(g);
    const [minus, plus] = g.etas;
    if (!(minus > 0 && minus < 1 && plus > 1)) throw new Error(`tstorch: invalid eta values: ${minus}, ${plus}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("Rprop", (p, grad, g) => {
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.prev = persist(zerosLike(p));
        state.step_size = persist(fullLike(grad, g.lr));
      }
      state.step = (state.step as number) + 1;
      rpropUpdate(p, grad, state.prev as Tensor, state.step_size as Tensor, g);
    });
    return loss;
  }
}

function rpropUpdate(param: Tensor, grad: Tensor, prev: Tensor, stepSize: Tensor, g: RpropGroup): void {
  const [etaminus, etaplus] = g.etas;
  const [stepSizeMin, stepSizeMax] = g.stepSizes;
  if (g.maximize) grad = grad.neg();
  const sign = grad.mul(prev).sign();
  sign.maskedFill_(sign.gt(0), etaplus);
  sign.maskedFill_(sign.lt(0), etaminus);
  sign.maskedFill_(sign.eq(0), 1);
  // update the step sizes
  stepSize.mul_(sign).clamp_(stepSizeMin, stepSizeMax);
  // where the sign flipped the gradient counts as 0: no move now, and no flip detected next step
  grad = grad.clone();
  grad.maskedFill_(sign.eq(etaminus), 0);
  param.addcmul_(grad.sign(), stepSize, -1);
  prev.copy_(grad);
}
