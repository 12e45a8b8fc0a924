// The n-dimensional Rosenbrock function and the start point the LBFGS tests share with PyTorch's
// side (the same function in Python: ROSENBROCK_PY).
import * as torch from "../../src/index.js";

export const ROSENBROCK_START = [-1.5, 2.0, -0.5, 1.2, 0.3, -1.1];

/** sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, written with the ops PyTorch's side uses. */
export function rosenbrock(x: torch.Tensor): torch.Tensor {
  const n = x.shape[0];
  const a = x.narrow(0, 0, n - 1);
  const b = x.narrow(0, 1, n - 1);
  const u = b.sub(a.mul(a));
  const v = a.neg().add(1);
  return u.mul(u).mul(100).add(v.mul(v)).sum();
}
