// Adam and AdamW: torch/optim/adam.py and adamw.py (_single_tensor_adam / _single_tensor_adamw,
// the CPU default) operation for operation, in place, under noGrad. Bias corrections are computed
// in doubles exactly as the Python code does (powers with C's pow). PyTorch 2 moves the first
// moment with lerp_ and takes sqrt(bias_correction2) as `** 0.5`; 1.13 with mul_/add_ and
// math.sqrt: the linked version's form is used, so float64 trajectories are PyTorch's to the bit.
import { noGrad } from "../core/autograd.js";
import { full, zerosLike } from "../core/creation.js";
import { Handle, native } from "../core/native.js";
import { ids as K } from "../core/op-ids.js";
import { Tensor } from "../core/tensor.js";
import { persist, scope } from "../core/scope.js";
import { Optimizer, ParamGroup, ParamState, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { checkAdamLike, firstMoment } from "./adamax.js";
import { pyPow, usesLerp } from "./scalar-math.js";
import { optimNative } from "./native.js";

const GRAD_SPARSE = 2;

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

/**
 * What the update functions take, gathered by the class from one group's parameters that have a
 * gradient (PyTorch's params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps); steps
 * are already counted. states: the per-parameter state (capturable keeps its beta powers there).
 */
interface AdamTensors {
  params: Tensor[];
  grads: Tensor[];
  expAvgs: Tensor[];
  expAvgSqs: Tensor[];
  maxExpAvgSqs: Tensor[];
  steps: number[];
  states: ParamState[];
}
type AdamHyper = AdamGroup & { decoupled: boolean };

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
    checkAdamLike(g);
  }

  /** Gathers each group's tensors and state, then updates them with the group's form (PyTorch's Adam.step). */
  step(): void {
    noGrad(() =>
      scope(() => {
        for (const g of this.paramGroups) {
          const kinds = optimNative.optimGradKinds(g.params.map((p) => p._h));
          const t = this.gather(g, kinds);
          const hyper = { ...g, decoupled: this.decoupled };
          // capturable keeps its beta powers per parameter (the TypeScript single-tensor form); a
          // sparse gradient goes there too, to fail as it always has
          if (g.capturable || kinds.includes(GRAD_SPARSE)) {
            t.grads = t.params.map((p) => p.grad!);
            if (g.foreach && !g.capturable) multiTensorAdam(t, hyper);
            else singleTensorAdam(t, hyper);
          } else nativeAdam(t, hyper);
        }
      }),
    );
  }

  /** The group's parameters that have a gradient, their state (made at the first step) and new step counts. */
  private gather(g: AdamGroup, kinds: Uint8Array): AdamTensors {
    const t: AdamTensors = { params: [], grads: [], expAvgs: [], expAvgSqs: [], maxExpAvgSqs: [], steps: [], states: [] };
    g.params.forEach((p, i) => {
      if (kinds[i] === 0) return;
      const state = this.lazyState(p, () => ({ exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) }));
      if (g.amsgrad && state.max_exp_avg_sq == null) state.max_exp_avg_sq = persist(zerosLike(p));
      t.params.push(p);
      t.expAvgs.push(state.exp_avg as Tensor);
      t.expAvgSqs.push(state.exp_avg_sq as Tensor);
      if (g.amsgrad) t.maxExpAvgSqs.push(state.max_exp_avg_sq as Tensor);
      t.steps.push(this.countStep(state));
      t.states.push(state);
    });
    return t;
  }
}

/**
 * Dense gradients, not capturable: the whole update in one native call per step count
 * (native/src/optim_step.cc runs the ATen operations of singleTensorAdam / foreachAdamBatch below,
 * without a crossing per operation). The bias corrections are computed here, as those do.
 */
function nativeAdam(t: AdamTensors, g: AdamHyper): void {
  const [beta1, beta2] = g.betas;
  for (const [step, idx] of byStep(t.steps)) {
    const biasCorrection1 = 1 - pyPow(beta1, step);
    const biasCorrection2 = 1 - pyPow(beta2, step);
    const stepSize = g.lr / biasCorrection1;
    optimNative.optimAdam(
      handles(t.params, idx), handles(t.expAvgs, idx), handles(t.expAvgSqs, idx), g.amsgrad ? handles(t.maxExpAvgSqs, idx) : null,
      [g.lr, beta1, beta2, g.eps, g.weightDecay, stepSize, biasCorrection2Sqrt(biasCorrection2), g.decoupled, g.amsgrad, g.maximize, usesLerp()],
      g.foreach,
    );
  }
}

/** Parameter indices grouped by step count (one group unless parameters joined at different steps). */
function byStep(steps: number[]): Map<number, number[]> {
  const batches = new Map<number, number[]>();
  steps.forEach((s, i) => void (batches.get(s) ?? batches.set(s, []).get(s)!).push(i));
  return batches;
}

/** PyTorch's _single_tensor_adam / _single_tensor_adamw: one parameter at a time, its temporaries freed after it. */
function singleTensorAdam(t: AdamTensors, g: AdamHyper): void {
  const [beta1, beta2] = g.betas;
  const { lr, eps, weightDecay, amsgrad } = g;
  t.params.forEach((p, i) =>
    scope(() => {
      const expAvg = t.expAvgs[i];
      const expAvgSq = t.expAvgSqs[i];
      let grad = g.maximize ? t.grads[i].neg() : t.grads[i];
      if (weightDecay !== 0) {
        if (g.decoupled) p.mul_(1 - lr * weightDecay);
        else grad = grad.add(p, weightDecay);
      }
      firstMoment(expAvg, grad, beta1);
      expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      if (g.capturable) {
        capturableUpdate(p, t.states[i], expAvg, expAvgSq, beta1, beta2, lr, eps, amsgrad);
        return;
      }
      const step = t.steps[i];
      const biasCorrection1 = 1 - pyPow(beta1, step);
      const biasCorrection2 = 1 - pyPow(beta2, step);
      const stepSize = lr / biasCorrection1;
      const denom = sqrtSecondMoment(expAvgSq, amsgrad ? t.maxExpAvgSqs[i] : null);
      denom.div_(biasCorrection2Sqrt(biasCorrection2)).add_(eps);
      p.addcdiv_(expAvg, denom, -stepSize);
    }),
  );
}

/** sqrt(v), or with amsgrad sqrt of the running maximum of v (updated first); a new tensor. */
function sqrtSecondMoment(expAvgSq: Tensor, maxSq: Tensor | null): Tensor {
  if (maxSq === null) return expAvgSq.sqrt();
  maximumInto(maxSq, expAvgSq);
  return maxSq.sqrt();
}

let foreachLerpId: number | undefined;
let foreachNegId: number | undefined;
let foreachMaximumId: number | undefined;

const handles = (ts: Tensor[], idx: number[]): Handle[] => idx.map((i) => ts[i]._h);

/**
 * PyTorch's _multi_tensor_adam / _multi_tensor_adamw: one multi-tensor (_foreach_*) op per step
 * of the algorithm for all of a group's parameters, batched by step count (one batch unless
 * parameters joined the optimiser at different steps). The same kernels as the single-tensor form.
 */
function multiTensorAdam(t: AdamTensors, g: AdamHyper): void {
  for (const [step, idx] of byStep(t.steps)) {
    const temps: Handle[] = [];
    try {
      const fresh = (hs: Handle[]): Handle[] => (temps.push(...hs), hs);
      foreachAdamBatch(handles(t.params, idx), handles(t.grads, idx), handles(t.expAvgs, idx), handles(t.expAvgSqs, idx),
        g.amsgrad ? handles(t.maxExpAvgSqs, idx) : null, step, g, fresh);
    } finally {
      native.disposeMany(...temps);
    }
  }
}

function foreachAdamBatch(
  P: Handle[], grads: Handle[], M: Handle[], V: Handle[], maxV: Handle[] | null, step: number, g: AdamHyper,
  fresh: (hs: Handle[]) => Handle[],
): void {
  const [beta1, beta2] = g.betas;
  const { lr, eps, weightDecay } = g;
  let G = grads;
  if (g.maximize) G = fresh(native.call((foreachNegId ??= native.opId("_foreach_neg", "")), G));
  if (weightDecay !== 0) {
    if (g.decoupled) native.callInPlace(K._foreach_mul__Scalar, P, 1 - lr * weightDecay);
    else G = fresh(native.call(K._foreach_add_List, G, P, weightDecay));
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
  if (maxV !== null) native.callInPlace((foreachMaximumId ??= native.opId("_foreach_maximum_", "List")), maxV, V);
  const D = fresh(native.call(K._foreach_sqrt, maxV ?? V));
  native.callInPlace(K._foreach_div__Scalar, D, biasCorrection2Sqrt(biasCorrection2));
  native.callInPlace(K._foreach_add__Scalar, D, eps);
  native.callInPlace(K._foreach_addcdiv__Scalar, P, M, D, -stepSize);
}

/**
 * The parameter update with the bias corrections as device tensors (PyTorch's capturable branch of
 * _single_tensor_adam): beta1^step and beta2^step are running products kept in the state.
 */
function capturableUpdate(
  p: Tensor, state: ParamState, expAvg: Tensor, expAvgSq: Tensor,
  beta1: number, beta2: number, lr: number, eps: number, amsgrad: boolean,
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
  biasCorrection1.add_(1); // 1 - beta1^step
  const stepSizeNeg = biasCorrection1.reciprocal();
  stepSizeNeg.mul_(-lr); // -lr / (1 - beta1^step)
  const bc2Sqrt = b2p.neg();
  bc2Sqrt.add_(1).sqrt_();
  const denom = sqrtSecondMoment(expAvgSq, amsgrad ? (state.max_exp_avg_sq as Tensor) : null);
  const scale = bc2Sqrt.mul(stepSizeNeg);
  const epsTerm = stepSizeNeg.reciprocal();
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
