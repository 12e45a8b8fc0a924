// Assertions on tensors shared by the tensor-basics suites.
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";

export type T = torch.Tensor;

/** Asserts shape, dtype and (optionally) the nested values of a tensor. */
export function check(t: T, shape: number[], dtype: torch.DType, values?: unknown): void {
  assert.deepEqual(t.shape, shape, "shape");
  assert.equal(t.dtype, dtype, "dtype");
  if (values !== undefined) assert.deepEqual(t.toArray(), values, "values");
}

export function approxArray(actual: unknown, expected: number[], tol = 1e-6): void {
  const a = actual as number[];
  assert.equal(a.length, expected.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `element ${i}: ${v} vs ${expected[i]}`));
}
