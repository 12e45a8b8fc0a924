// The helpers an operator case's description is written with (op-call.ts describeValue), so that
// a description runs as a replay: `node dist/fuzz/replay.js "torch.ops.aten.relu.default(T([2, 3], \"float32\"))"`.
import * as torch from "../src/index.js";

function fill(shape: number[], dtype: torch.DType, hi = 2): torch.Tensor {
  if (dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16") return torch.rand(shape, { dtype });
  if (dtype === "bool") return torch.randint(0, 2, shape).to("bool");
  return torch.randint(0, hi, shape, { dtype });
}

/** A random tensor; with strides, a view of a larger storage with those strides. */
export function T(shape: number[], dtype: torch.DType, strides?: number[]): torch.Tensor {
  if (!strides) return fill(shape, dtype);
  const need = 1 + shape.reduce((a, n, i) => a + (n - 1) * strides[i], 0);
  return torch.ops.aten.as_strided(fill([need], dtype), shape, strides);
}
/**
 * A tensor with exactly these values (flat, row-major): integer and bool tensors are described so,
 * since their values (indices, offsets, masks) decide where a kernel reads and writes, and a random
 * refill of them does not replay a crash.
 */
export function V(shape: number[], dtype: torch.DType, values: number[]): torch.Tensor {
  return torch.fromTypedArray(Float64Array.from(values), [values.length]).to(dtype).reshape(shape);
}
export function Z(shape: number[], dtype: torch.DType): torch.Tensor {
  return torch.ops.aten._efficientzerotensor(shape, { dtype });
}
export function N(shape: number[], dtype: torch.DType): torch.Tensor {
  return torch.ops.aten._neg_view(fill(shape, dtype));
}
export function D(): torch.Tensor {
  const t = torch.ones([2]);
  t.dispose();
  return t;
}
/** Backward through the first tensor of an operator's result. */
export function B(out: unknown): void {
  const t = out instanceof torch.Tensor ? out : Array.isArray(out) ? out.find((x) => x instanceof torch.Tensor) : null;
  if (t && t.requiresGrad) t.sum().backward();
}
