// Adafactor (PyTorch 2.5+'s torch.optim.Adafactor): torch/optim/_adafactor.py
// (_single_tensor_adafactor) operation for operation, under noGrad. Matrices keep factored second
// moments (a row and a column vector), vectors a full one. tstorch has it with every libtorch.
import { zerosLike, zeros } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { matmul } from "../generated/functions.js";
import { vectorNorm } from "../generated/linalg.js";
import { persist } from "../core/scope.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { pyPow } from "./scalar-math.js";

export interface AdafactorOptions {
  lr?: number;
  /** The second-moment decay is 1 - step^beta2Decay (default -0.8). */
  beta2Decay?: number;
  /** [eps1, eps2]: eps1 guards the variance (null: the dtype's machine epsilon), eps2 the parameter scale (default [null, 1e-3]). */
  eps?: readonly [number | null, number];
  /** Updates are clipped to an RMS of d (default 1). */
  d?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface AdafactorGroup extends ParamGroup {
  beta2Decay: number;
  eps: [number | null, number];
  d: number;
  weightDecay: number;
  maximize: boolean;
}

/** torch.finfo(dtype).eps */
const MACHINE_EPS: Record<string, number> = { float64: 2 ** -52, float32: 2 ** -23, float16: 2 ** -10, bfloat16: 2 ** -7 };

export class Adafactor extends Optimizer<AdafactorGroup> {
  /** PyTorch's positional order (lr, beta2Decay, eps, d, weightDecay), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, beta2Decay: number, eps: readonly [number | null, number], d: number, weightDecay: number], AdafactorOptions>) {
    const o = pyArgs<AdafactorOptions>("Adafactor", ["lr", "beta2Decay", "eps", "d", "weightDecay"], args);
    const eps = o.eps ?? [null, 1e-3];
    super(params, { lr: o.lr ?? 1e-2, beta2Decay: o.beta2Decay ?? -0.8, eps: [eps[0], eps[1]], d: o.d ?? 1.0, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false });
  }

  protected override validateGroup(g: AdafactorGroup): void {
    if (!(g.lr >= 0)) throw new Error(`tstorch: Learning rate should be >= 0 but is: ${g.lr}`);
    if (!(g.beta2Decay <= 0)) throw new Error(`tstorch: beta2_decay should be <= 0 but is: ${g.beta2Decay}`);
    if (g.eps[0] !== null && !(g.eps[0] >= 0)) throw new Error(`tstorch: epsilon1 should be >= 0 but is: ${g.eps[0]}`);
    if (!(g.eps[1] >= 0)) throw new Error(`tstorch: epsilon2 should be >= 0 but is: ${g.eps[1]}`);
    if (!(g.d >= 1)) throw new Error(`tstorch: Clipping threshold d should be >= 1 but is: ${g.d}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: weight_decay should be >= 0 but is: ${g.weightDecay}`);
  }

  protected override stateShape(name: string, p: Tensor): number[] {
    const s = p.shape;
    if (name === "row_var") return [...s.slice(0, -1), 1];
    if (name === "col_var") return [...s.slice(0, -2), 1, s[s.length - 1]];
    return s;
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("Adafactor", (p, grad, g) => {
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        if (grad.ndim > 1) {
          state.row_var = persist(zeros(this.stateShape("row_var", p), { dtype: grad.dtype, device: grad.device }));
          state.col_var = persist(zeros(this.stateShape("col_var", p), { dtype: grad.dtype, device: grad.device }));
        } else {
          state.variance = persist(zerosLike(grad));
        }
      }
      const step = (state.step as number) + 1;
      state.step = step;
      adafactorUpdate(p, grad, state.row_var as Tensor | undefined, state.col_var as Tensor | undefined, state.variance as Tensor | undefined, step, g);
    });
    return loss;
  }
}

function adafactorUpdate(param: Tensor, grad: Tensor, rowVar: Tensor | undefined, colVar: Tensor | undefined, variance: Tensor | undefined, step: number, g: AdafactorGroup): void {
  const { lr, d, weightDecay } = g;
  if (g.maximize) grad = grad.neg();
  const eps1 = g.eps[0] ?? MACHINE_EPS[param.dtype];
  const eps2 = g.eps[1];
  const oneMinusBeta2T = pyPow(step, g.beta2Decay);
  const inv = 1 / pyPow(step, 0.5);
  const rhoT = inv < lr ? inv : lr; // Python's min(lr, ...)
  const scale = (vectorNorm(param, 2).item() as number) / pyPow(param.numel(), 0.5);
  const alpha = (scale > eps2 ? scale : eps2) * rhoT;
  if (weightDecay !== 0) param.mul_(1 - lr * weightDecay);
  let varEstimate: Tensor;
  if (grad.ndim > 1) {
    if (rowVar === undefined || colVar === undefined) throw new Error("tstorch: Adafactor: row_var and col_var should be defined when grad is multidimensional");
    const rowMean = vectorNorm(grad, 2, -1, true).square_().div_(grad.shape[grad.ndim - 1]);
    rowVar.lerp_(rowMean, oneMinusBeta2T);
    const colMean = vectorNorm(grad, 2, -2, true).square_().div_(grad.shape[grad.ndim - 2]);
    colVar.lerp_(colMean, oneMinusBeta2T);
    varEstimate = matmul(rowVar, colVar);
    varEstimate.div_(rowVar.mean([-2], true).clamp_(eps1));
  } else {
    if (variance === undefined) throw new Error("tstorch: Adafactor: variance should be defined when grad is a vector");
    const gradSquared = grad.mul(grad);
    variance.lerp_(gradSquared, oneMinusBeta2T);
    varEstimate = variance.clone();
  }
  const update = varEstimate.clamp_(eps1 * eps1).rsqrt_();
  update.mul_(grad);
  const r = (vectorNorm(update, 2).item() as number) / (pyPow(update.numel(), 0.5) * d);
  const denom = r > 1.0 ? r : 1.0;
  param.add_(update, -alpha / denom);
}
