// Adam and AdamW: torch/optim/adam.py and adamw.py (_single_tensor_adam / _single_tensor_adamw,
// the CPU default) operation for operation, in place, under noGrad. Bias corrections are computed
// in doubles exactly as the Python code does (powers with C's pow). PyTorch 2 moves the first
// moment with lerp_ and takes sqrt(bias_correction2) as `** 0.5`; 1.13 with mul_/add_ and
// math.sqrt: the linked version's form is used, so float64 trajectories are PyTorch's to the bit.
import { noGrad } from "../core/autograd.js";
import { full, zerosLike } from "../core/creation.js";
import { Handle, native } from "../core/native.js";
import { K } from "../core/op-ids.js";
import { Tensor } from "../core/tensor.js";
import { persist } from "../nn/persist.js";
import { Optimizer, ParamGroup, ParamState, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { firstMoment } from "./adamax.js";
import { pyPow, usesLerp } from "./scalar-math.js";

/** sqrt(bias_correction2) as the linked PyTorch computes it (math.sqrt in 1.13, `** 0.5` in 2). */
function biasCorrection2Sqrt(bc2: number): number {
  return usesLerp() ? pyPow(bc2, 0.5) : Math.sqrt(bc2);
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  /**
   * Keep the bias corrections on the parameters' device (PyTorch's `capturable=True`), so that a
   * CUDA graph can capture the step: no number computed on the host changes between replays.
   * Results agree with the default form to float32 rounding.
   */
  capturable?: boolean;
  /**
   * Update all of a group's parameters with one multi-tensor (`_foreach_*`) op per step of the
   * algorithm instead of one op per parameter (PyTorch's `foreach=True`, its CUDA default): the same
   * arithmetic, far fewer calls and kernel launches. Default true; amsgrad, maximize and capturable
   * use the per-parameter form.
   */
  foreach?: boolean;
}

export interface AdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  capturable: boolean;
  foreach: boolean;
}

/** torch.maximum(a, b, out=a): the running maximum without a temporary. */
function maximumInto(a: Tensor, b: Tensor): void {
  native.callInPlace(K.maximum_out, a._h, b._h, a._h);
}

abstract class AdamBase extends Optimizer<AdamGroup> {
  /** AdamW decays the weights directly instead of adding weightDecay·param to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected constructor(params: ParamsInput, opts: AdamOptions, defaultWeightDecay: number) {
    if (opts === null || typeof opts !== "object") throw new Error("tstorch: Adam options must be an object");
    const betas = opts.betas ?? [0.9, 0.999];
    super(params, {
      lr: opts.lr ?? 1e-3,
      betas: [betas[0], betas[1]],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? defaultWeightDecay,
      amsgrad: opts.amsgrad ?? false,
      maximize: opts.maximize ?? false,
      capturable: opts.capturable ?? false,
      foreach: opts.foreach ?? true,
    });
  }

  protected override validateGroup(g: AdamGroup): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new Error(`tstorch: invalid epsilon value: ${g.eps}`);
    if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new Error(`tstorch: invalid beta parameter at index 0: ${g.betas[0]}`);
    if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new Error(`tstorch: invalid beta parameter at index 1: ${g.betas[1]}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
  }

  /** The parameter's state, created at its first step (PyTorch's lazy initialisation). */
  private initState(p: Tensor): ParamState {
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = persist(zerosLike(p));
      state.exp_avg_sq = persist(zerosLike(p));
    }
    return state;
  }

  private foreachStep(g: AdamGroup): void {
    // handles by step count (one batch unless parameters joined the optimiser at different steps)
    const batches = new Map<number, { P: Handle[]; G: Handle[]; M: Handle[]; V: Handle[] }>();
    const grads: Tensor[] = [];
    try {
      for (const p of g.params) {
        const grad = p.grad;
        if (grad === null) continue;
        grads.push(grad);
        const state = this.initState(p);
        const step = (state.step as number) + 1;
        state.step = step;
        let b = batches.get(step);
        if (b === undefined) batches.set(step, (b = { P: [], G: [], M: [], V: [] }));
        b.P.push(p._h);
        b.G.push(grad._h);
        b.M.push((state.exp_avg as Tensor)._h);
        b.V.push((state.exp_avg_sq as Tensor)._h);
      }
      for (const [step, b] of batches) foreachUpdate(b.P, b.G, b.M, b.V, step, g, this.decoupled);
    } finally {
      for (const t of grads) t.dispose();
    }
  }

  step(): void {
    noGrad(() => {
      for (const g of this.paramGroups) {
        if (g.foreach && !g.amsgrad && !g.maximize && !g.capturable) {
          this.foreachStep(g);
          continue;
        }
        const [beta1, beta2] = g.betas;
        const { lr, eps, weightDecay, amsgrad } = g;
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          const temps: Tensor[] = [grad];
          try {
            const state = this.initState(p);
            if (amsgrad && state.max_exp_avg_sq == null) state.max_exp_avg_sq = persist(zerosLike(p));
            const expAvg = state.exp_avg as Tensor;
            const expAvgSq = state.exp_avg_sq as Tensor;
            let gr = grad;
            if (g.maximize) temps.push((gr = gr.neg()));
            const step = (state.step as number) + 1;
            state.step = step;
            if (this.decoupled) {
              if (weightDecay !== 0) p.mul_(1 - lr * weightDecay);
            } else if (weightDecay !== 0) {
              temps.push((gr = gr.add(p, weightDecay)));
            }
            firstMoment(expAvg, gr, beta1);
            expAvgSq.mul_(beta2).addcmul_(gr, gr, 1 - beta2);
            if (g.capturable) {
              capturableUpdate(p, state, expAvg, expAvgSq, beta1, beta2, lr, eps, amsgrad, temps);
              continue;
            }
            const biasCorrection1 = 1 - pyPow(beta1, step);
            const biasCorrection2 = 1 - pyPow(beta2, step);
            const stepSize = lr / biasCorrection1;
            const denom = sqrtSecondMoment(state, expAvgSq, amsgrad);
            temps.push(denom);
            denom.div_(biasCorrection2Sqrt(biasCorrection2)).add_(eps);
            p.addcdiv_(expAvg, denom, -stepSize);
          } finally {
            for (const t of temps) t.dispose();
          }
        }
      }
    });
  }
}

/** sqrt(v), or with amsgrad sqrt of the running maximum of v (updated first); a new tensor. */
function sqrtSecondMoment(state: Record<string, unknown>, expAvgSq: Tensor, amsgrad: boolean): Tensor {
  if (!amsgrad) return expAvgSq.sqrt();
  const maxSq = state.max_exp_avg_sq as Tensor;
  maximumInto(maxSq, expAvgSq);
  return maxSq.sqrt();
}

let foreachLerpId: number | undefined;

/** One group's update with multi-tensor ops; parameters are batched by step count (usually one batch). */
function foreachUpdate(
  P: Handle[], grads: Handle[], M: Handle[], V: Handle[], step: number,
  g: { betas: [number, number]; lr: number; eps: number; weightDecay: number }, decoupled: boolean,
): void {
  const [beta1, beta2] = g.betas;
  const { lr, eps, weightDecay } = g;
  let G = grads;
  const temps: Handle[] = [];
  try {
    if (weightDecay !== 0) {
      if (decoupled) native.callInPlace(K._foreach_mul__Scalar, P, 1 - lr * weightDecay);
      else temps.push(...(G = native.call(K._foreach_add_List, G, P, weightDecay)));
    }
    if (usesLerp()) {
      foreachLerpId ??= native.opId("_foreach_lerp_", "Scalar");
      native.callInPlace(foreachLerpId, M, G, 1 - beta1);
    } else {
      native.callInPlace(K._foreach_mul__Scalar, M, beta1);
      native.callInPlace(K._foreach_add__List, M, G, 1 - beta1);
    }
    native.callInPlace(K._foreach_mul__Scalar, V, beta2);
    native.callInPlace(K._foreach_addcmul__Scalar, V, G, G, 1 - beta2);
    const biasCorrection1 = 1 - pyPow(beta1, step);
    const biasCorrection2 = 1 - pyPow(beta2, step);
    const stepSize = lr / biasCorrection1;
    const D: Handle[] = native.call(K._foreach_sqrt, V);
    temps.push(...D);
    native.callInPlace(K._foreach_div__Scalar, D, biasCorrection2Sqrt(biasCorrection2));
    native.callInPlace(K._foreach_add__Scalar, D, eps);
    native.callInPlace(K._foreach_addcdiv__Scalar, P, M, D, -stepSize);
  } finally {
    native.disposeMany(...temps);
  }
}

/**
 * The parameter update with the bias corrections as device tensors (PyTorch's capturable branch of
 * _single_tensor_adam): beta1^step and beta2^step are running products kept in the state.
 */
function capturableUpdate(
  p: Tensor, state: Record<string, unknown>, expAvg: Tensor, expAvgSq: Tensor,
  beta1: number, beta2: number, lr: number, eps: number, amsgrad: boolean, temps: Tensor[],
): void {
  if (state.beta1_power == null) {
    // beta^(step-1): the products so far, also when resuming a run that was not capturable
    const done = (state.step as number) - 1;
    state.beta1_power = persist(full([], beta1 ** done, { device: p.device, dtype: "float32" }));
    state.beta2_power = persist(full([], beta2 ** done, { device: p.device, dtype: "float32" }));
  }
  const b1p = (state.beta1_power as Tensor).mul_(beta1);
  const b2p = (state.beta2_power as Tensor).mul_(beta2);
  const biasCorrection1 = b1p.neg();
  temps.push(biasCorrection1);
  biasCorrection1.add_(1); // 1 - beta1^step
  const stepSizeNeg = biasCorrection1.reciprocal();
  temps.push(stepSizeNeg);
  stepSizeNeg.mul_(-lr); // -lr / (1 - beta1^step)
  const bc2Sqrt = b2p.neg();
  temps.push(bc2Sqrt);
  bc2Sqrt.add_(1).sqrt_();
  const denom = sqrtSecondMoment(state, expAvgSq, amsgrad);
  temps.push(denom);
  const scale = bc2Sqrt.mul(stepSizeNeg);
  const epsTerm = stepSizeNeg.reciprocal();
  temps.push(scale, epsTerm);
  epsTerm.mul_(eps);
  // denom = sqrt(v) / (sqrt(bc2) * stepSizeNeg) + eps / stepSizeNeg; p += m / denom
  denom.div_(scale).add_(epsTerm);
  p.addcdiv_(expAvg, denom);
}

/** Adam (L2 weight decay added to the gradient). */
/** What follows params in PyTorch's Adam and AdamW: lr, betas, eps, weight_decay, amsgrad, then the options object. */
export type AdamArgs = PyArgs<[lr: number, betas: readonly [number, number], eps: number, weightDecay: number, amsgrad: boolean], AdamOptions>;
const ADAM_NAMES = ["lr", "betas", "eps", "weightDecay", "amsgrad"];

export class Adam extends AdamBase {
  protected readonly decoupled = false;
  /** new Adam(params, { lr, betas, ... }) or, as PyTorch's Adam(params, lr, ...), new Adam(params, lr, { betas, ... }). */
  /** PyTorch's Adam(params, lr, betas, eps, weight_decay, amsgrad), then the options object. */
  constructor(params: ParamsInput, ...args: AdamArgs) {
    super(params, pyArgs<AdamOptions>("Adam", ADAM_NAMES, args), 0);
  }
}

/** AdamW (decoupled weight decay, default 1e-2). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  /** new AdamW(params, { lr, ... }) or new AdamW(params, lr, { ... }). */
  /** PyTorch's AdamW(params, lr, betas, eps, weight_decay, amsgrad), then the options object. */
  constructor(params: ParamsInput, ...args: AdamArgs) {
    super(params, pyArgs<AdamOptions>("AdamW", ADAM_NAMES, args), 1e-2);
  }
}
