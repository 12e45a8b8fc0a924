// Rprop (resilient backpropagation): torch/optim/rprop.py. The class gathers each group's
// parameters, gradients and state; singleTensorRprop (_single_tensor_rprop, the CPU default) and
// multiTensorRprop (_multi_tensor_rprop, `foreach: true`) compute, operation for operation, in
// place, under noGrad. PyTorch's masked assignments (sign[sign.gt(0)] = etaplus) are masked fills
// here: the same values.
import { fullLike, zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { persist } from "../core/scope.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachInPlace, foreachMaybeNeg, foreachNew } from "./foreach-ops.js";

export interface RpropOptions {
  /** The initial step size of every element (default 1e-2). */
  lr?: number;
  /** [etaminus, etaplus]: step-size factors when the gradient's sign flips / stays (default [0.5, 1.2]). */
  etas?: readonly [number, number];
  /** [min, max] step size (default [1e-6, 50]). */
  stepSizes?: readonly [number, number];
  /** One multi-tensor (`_foreach_*`) op per step of the algorithm for a whole group (PyTorch's `foreach=True`); default false, PyTorch's CPU default. */
  foreach?: boolean;
  maximize?: boolean;
}

export type RpropGroup = ParamGroup & Required<RpropOptions>;

const DEFAULTS: Required<RpropOptions> = { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], foreach: false, maximize: false };

/** What both forms take: one group's parameters with a gradient, their gradients, previous gradients and step sizes. */
interface RpropTensors {
  params: Tensor[];
  grads: Tensor[];
  prevs: Tensor[];
  stepSizes: Tensor[];
}

export class Rprop extends Optimizer<RpropGroup> {
  /** PyTorch's positional order (lr, etas, stepSizes), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, etas: readonly [number, number], stepSizes: readonly [number, number]], RpropOptions>) {
    super(params, optimizerDefaults("Rprop", ["lr", "etas", "stepSizes"], args, DEFAULTS));
  }

  protected override validateGroup(g: RpropGroup): void {
    super.validateGroup(g);
    const [minus, plus] = g.etas;
    if (!(minus > 0 && minus < 1 && plus > 1)) throw new Error(`tstorch: invalid eta values: ${minus}, ${plus}`);
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "Rprop", (g, params, grads) => {
      const states = this.gatherStates(params, { prevs: "prev", stepSizes: "step_size" }, (p, i) => ({
        prev: zerosLike(p), step_size: fullLike(grads[i], g.lr),
      }));
      const t: RpropTensors = { params, grads, prevs: states.prevs, stepSizes: states.stepSizes };
      (g.foreach ? multiTensorRprop : singleTensorRprop)(t, g);
    });
    return loss;
  }
}

/** sign(grad·prev) with PyTorch's step-size factors in place of 1, -1 and 0: etaplus, etaminus and 1. */
function stepFactors(sign: Tensor, g: RpropGroup): Tensor {
  const [etaminus, etaplus] = g.etas;
  sign.maskedFill_(sign.gt(0), etaplus);
  sign.maskedFill_(sign.lt(0), etaminus);
  sign.maskedFill_(sign.eq(0), 1);
  return sign;
}

/** Where the sign flipped the gradient counts as 0: no move now, and no flip detected next step (a copy of grad). */
function unflipped(grad: Tensor, factors: Tensor, g: RpropGroup): Tensor {
  const out = grad.clone();
  out.maskedFill_(factors.eq(g.etas[0]), 0);
  return out;
}

/** PyTorch's _single_tensor_rprop: one parameter at a time. */
function singleTensorRprop(t: RpropTensors, g: RpropGroup): void {
  const [stepSizeMin, stepSizeMax] = g.stepSizes;
  eachParam(t.params, (i) => {
    const [param, prev, stepSize] = [t.params[i], t.prevs[i], t.stepSizes[i]];
    let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
    const factors = stepFactors(grad.mul(prev).sign(), g);
    stepSize.mul_(factors).clamp_(stepSizeMin, stepSizeMax);
    grad = unflipped(grad, factors, g);
    param.addcmul_(grad.sign(), stepSize, -1);
    prev.copy_(grad);
  });
}

/** PyTorch's _multi_tensor_rprop: _foreach_ ops where it has them, the masked fills and clamps per parameter as there. */
function multiTensorRprop(t: RpropTensors, g: RpropGroup): void {
  const [stepSizeMin, stepSizeMax] = g.stepSizes;
  const grads = foreachMaybeNeg(t.grads, g.maximize);
  const factors = foreachNew("mul", "List", grads, t.prevs).map((s) => stepFactors(s.sign(), g));
  foreachInPlace("mul", "List", t.stepSizes, factors);
  for (const s of t.stepSizes) s.clamp_(stepSizeMin, stepSizeMax);
  const kept = grads.map((grad, i) => unflipped(grad, factors[i], g));
  foreachInPlace("addcmul", "Scalar", t.params, kept.map((k) => k.sign()), t.stepSizes, -1);
  kept.forEach((k, i) => t.prevs[i].copy_(k));
}
