// torchvision.ops.StochasticDepth (Huang et al., arXiv 1603.09382): in training, zeroes a residual
// branch with probability p, per sample ("row") or for the whole batch ("batch"), and scales the
// survivors by 1/(1−p); the identity in eval mode or at p = 0. No parameters, so no state-dict keys.
import { empty } from "../../core/creation.js";
import { noGrad } from "../../core/autograd.js";
import type { Tensor } from "../../core/tensor.js";
import { Module, pyFloat } from "../../nn/module.js";

export type StochasticDepthMode = "batch" | "row";

export function stochasticDepth(input: Tensor, p: number, mode: StochasticDepthMode, training = true): Tensor {
  checkArgs(p, mode);
  if (!training || p === 0) return input;
  const survival = 1 - p;
  const size = mode === "row" ? [input.shape[0], ...new Array<number>(input.ndim - 1).fill(1)] : new Array<number>(input.ndim).fill(1);
  const noise = empty(size, { dtype: input.dtype, device: input.device });
  noGrad(() => {
    noise.bernoulli_(survival);
    if (survival > 0) noise.div_(survival);
  });
  const out = input.mul(noise);
  noise.dispose();
  return out;
}

function checkArgs(p: number, mode: string): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`tstorch: stochasticDepth: drop probability has to be between 0 and 1, but got ${p}`);
  if (mode !== "batch" && mode !== "row") throw new Error(`tstorch: stochasticDepth: mode has to be either 'batch' or 'row', but got ${mode}`);
}

export class StochasticDepth extends Module {
  constructor(readonly p: number, readonly mode: StochasticDepthMode) {
    super();
    checkArgs(p, mode);
  }
  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training);
  }
  override toString(): string {
    return `StochasticDepth(p=${pyFloat(this.p)}, mode=${this.mode})`;
  }
}
