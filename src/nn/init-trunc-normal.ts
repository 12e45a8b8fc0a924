// torch.nn.init.trunc_normal_ (not in init.ts yet): a normal(mean, std) truncated to [a, b], drawn as
// the linked PyTorch draws it, so after the same manualSeed the values are PyTorch's. Up to 2.11:
// uniform_ on [2·cdf(a)−1, 2·cdf(b)−1], erfinv_, scale, shift, clamp. From 2.12 (pull request
// 174997, which replaced erfinv for its float32 outliers): rejection sampling — normal_ and redraws
// of what falls outside when the interval holds over 30 % of the mass, else uniform proposals on
// [a, b] accepted against the density. torchvision's ViT initialises its patch projection so.
import { noGrad } from "../core/autograd.js";
import { emptyLike, tensor, where } from "../core/creation.js";
import { torchAtLeast } from "../core/runtime.js";
import { scope } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";

/** The standard normal CDF with libm's erf (a float64 tensor op: JavaScript has no Math.erf). */
function normCdf(x: number): number {
  return scope(() => (1 + (tensor([x / Math.SQRT2], { dtype: "float64" }).erf().item() as number)) / 2);
}

export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  return noGrad(() => (torchAtLeast(2, 12) ? rejection(t, mean, std, a, b) : inverseCdf(t, mean, std, a, b)));
}

function inverseCdf(t: Tensor, mean: number, std: number, a: number, b: number): Tensor {
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  t.uniform_(2 * l - 1, 2 * u - 1);
  t.erfinv_();
  t.mul_(std * Math.sqrt(2));
  t.add_(mean);
  t.clamp_(a, b);
  return t;
}

function rejection(t: Tensor, mean: number, std: number, a: number, b: number): Tensor {
  const p = normCdf((b - mean) / std) - normCdf((a - mean) / std);
  scope(() => {
    if (p > 0.3) {
      // the bounds in the tensor's dtype, so that the test agrees with the values stored
      const lo = tensor([a], { dtype: t.dtype }).item() as number;
      const hi = tensor([b], { dtype: t.dtype }).item() as number;
      let result: Tensor = t.normal_(mean, std);
      for (;;) {
        const mask = result.lt(lo).logicalOr(result.gt(hi));
        if (!Boolean(mask.any().item())) break;
        result = where(mask, emptyLike(result).normal_(mean, std), result);
      }
      if (result !== t) t.copy_(result);
      return;
    }
    const mode = Math.max(a, Math.min(mean, b));
    const logPeak = -0.5 * ((mode - mean) / std) ** 2;
    const candidates = emptyLike(t);
    const acceptBuf = emptyLike(t);
    t.uniform_(a, b);
    candidates.copy_(t);
    candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(logPeak);
    let pending = acceptBuf.uniform_().log_().gt(candidates);
    if (!Boolean(pending.any().item())) return;
    let result: Tensor = t;
    for (;;) {
      candidates.uniform_(a, b);
      result = where(pending, candidates, result);
      candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(logPeak);
      pending = where(pending, acceptBuf.uniform_().log_().gt(candidates), pending);
      if (!Boolean(pending.any().item())) break;
    }
    t.copy_(result);
  });
  return t;
}
