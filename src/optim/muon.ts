// Muon (PyTorch 2.9+'s torch.optim.Muon): momentum, then the update orthogonalised by a quintic
// Newton–Schulz iteration in bfloat16, for 2-d parameters: torch/optim/_muon.py
// (_single_tensor_muon) operation for operation, under noGrad. tstorch has it with every libtorch.
import { zerosLike } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { addmm, matmul } from "../generated/functions.js";
import { vectorNorm } from "../generated/linalg.js";
import { persist } from "../core/scope.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export type MuonAdjustLrFn = "original" | "match_rms_adamw" | "spectral_unclamped";

export interface MuonOptions {
  lr?: number;
  /** Decoupled weight decay (default 0.1). */
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
  /** The quintic's coefficients (a, b, c) (default [3.4445, -4.775, 2.0315]). */
  nsCoefficients?: readonly [number, number, number];
  eps?: number;
  /** Newton–Schulz iterations (default 5, fewer than 100). */
  nsSteps?: number;
  /** How the learning rate scales with the matrix's shape (default "original": sqrt(max(1, rows / cols))). */
  adjustLrFn?: MuonAdjustLrFn | null;
}

export interface MuonGroup extends ParamGroup {
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  nsCoefficients: [number, number, number];
  eps: number;
  nsSteps: number;
  adjustLrFn: MuonAdjustLrFn | null;
}

export class Muon extends Optimizer<MuonGroup> {
  /** PyTorch's positional order (lr, weightDecay, momentum, nesterov, nsCoefficients, eps, nsSteps, adjustLrFn), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, weightDecay: number, momentum: number, nesterov: boolean, nsCoefficients: readonly [number, number, number], eps: number, nsSteps: number, adjustLrFn: MuonAdjustLrFn | null], MuonOptions>) {
    const o = pyArgs<MuonOptions>("Muon", ["lr", "weightDecay", "momentum", "nesterov", "nsCoefficients", "eps", "nsSteps", "adjustLrFn"], args);
    const c = o.nsCoefficients ?? [3.4445, -4.775, 2.0315];
    super(params, {
      lr: o.lr ?? 1e-3,
      weightDecay: o.weightDecay ?? 0.1,
      momentum: o.momentum ?? 0.95,
      nesterov: o.nesterov ?? true,
      nsCoefficients: [c[0], c[1], c[2]],
      eps: o.eps ?? 1e-7,
      nsSteps: o.nsSteps ?? 5,
      adjustLrFn: o.adjustLrFn ?? null,
    });
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.ndim !== 2) throw new Error(`tstorch: Muon only supports 2D parameters whereas we found a parameter with size: [${p.shape.join(", ")}]`);
      }
    }
  }

  protected override validateGroup(g: MuonGroup): void {
    if (!(g.lr >= 0)) throw new Error(`tstorch: Learning rate should be >= 0 but is: ${g.lr}`);
    if (!(g.momentum >= 0)) throw new Error(`tstorch: momentum should be >= 0 but is: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: weight decay should be >= 0 but is: ${g.weightDecay}`);
    if (g.adjustLrFn !== null && !["original", "match_rms_adamw", "spectral_unclamped"].includes(g.adjustLrFn)) {
      throw new Error(`tstorch: Adjust learning rate function ${g.adjustLrFn} is not supported`);
    }
    if (!(Number.isInteger(g.nsSteps) && g.nsSteps >= 0 && g.nsSteps < 100)) throw new Error("tstorch: Number of steps must be less than 100 for computational efficiency");
    if (!Array.isArray(g.nsCoefficients) || g.nsCoefficients.length !== 3) throw new Error("tstorch: Coefficients must be a tuple of exactly 3 values");
  }

  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    this.eachGrad("Muon", (p, grad, g) => {
      if (grad.ndim !== 2) throw new Error("tstorch: Param gradient must be a 2D matrix");
      const state = this.stateOf(p);
      if (state.momentum_buffer == null) state.momentum_buffer = persist(zerosLike(grad));
      muonUpdate(p, grad, state.momentum_buffer as Tensor, g);
    });
    return loss;
  }
}

function muonUpdate(param: Tensor, grad: Tensor, buf: Tensor, g: MuonGroup): void {
  const { lr, momentum } = g;
  buf.lerp_(grad, 1 - momentum);
  const update = zeropowerViaNewtonSchulz(g.nesterov ? grad.lerp(buf, momentum) : buf, g.nsCoefficients, g.nsSteps, g.eps);
  const adjustedLr = adjustLr(lr, g.adjustLrFn, param.shape);
  param.mul_(1 - lr * g.weightDecay);
  param.add_(update, -adjustedLr);
}

/** _zeropower_via_newtonschulz: an approximate orthogonalisation U S' V^T (S' near 1) of a matrix, in bfloat16. */
function zeropowerViaNewtonSchulz(grad: Tensor, [a, b, c]: [number, number, number], nsSteps: number, eps: number): Tensor {
  const tall = grad.shape[0] > grad.shape[1];
  let ortho = grad.to({ dtype: "bfloat16" });
  if (tall) ortho = ortho.T;
  ortho.div_(vectorNorm(ortho, 2).clamp(eps));
  for (let i = 0; i < nsSteps; i++) {
    const gram = matmul(ortho, ortho.T);
    const gramUpdate = addmm(gram, gram, gram, { beta: b, alpha: c });
    ortho = addmm(ortho, gramUpdate, ortho, { beta: a });
  }
  return tall ? ortho.T : ortho;
}

/** _adjust_lr: the learning rate scaled for a rows × cols matrix. */
function adjustLr(lr: number, fn: MuonAdjustLrFn | null, [rows, cols]: number[]): number {
  let ratio: number;
  if (fn === null || fn === "original") ratio = Math.sqrt(Math.max(1, rows / cols));
  else if (fn === "match_rms_adamw") ratio = 0.2 * Math.sqrt(Math.max(rows, cols));
  else if (fn === "spectral_unclamped") ratio = Math.sqrt(rows / cols);
  else ratio = 1.0;
  return lr * ratio;
}
