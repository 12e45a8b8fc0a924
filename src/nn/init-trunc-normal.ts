// torch.nn.init.trunc_normal_ (not in init.ts yet): a normal(mean, std) truncated to [a, b], drawn as
// PyTorch draws it — uniform_ on [2·cdf(a)−1, 2·cdf(b)−1], erfinv_, scale, shift, clamp — so after
// the same manualSeed the values are PyTorch's. torchvision's ViT initialises its patch projection so.
import { noGrad } from "../core/autograd.js";
import { tensor } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";

/** The standard normal CDF with libm's erf (a float64 tensor op: JavaScript has no Math.erf). */
function normCdf(x: number): number {
  const t = tensor([x / Math.SQRT2], { dtype: "float64" });
  const e = t.erf();
  const v = e.item() as number;
  t.dispose();
  e.dispose();
  return (1 + v) / 2;
}

export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    t.uniform_(2 * l - 1, 2 * u - 1);
    t.erfinv_();
    t.mul_(std * Math.sqrt(2));
    t.add_(mean);
    t.clamp_(a, b);
    return t;
  });
}
