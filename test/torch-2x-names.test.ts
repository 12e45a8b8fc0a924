// Names PyTorch 2.x added that tstorch has on every libtorch: torch.unravelIndex, torch.vmap,
// Tensor.dimOrder / constDataPtr. Checked against hand-computed values (PyTorch 1.13 lacks most).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("unravelIndex: PyTorch's documented examples, negative indices wrap, bad input refused", () => {
  torch.scope(() => {
    const i64 = (v: number[]) => torch.tensor(v, { dtype: "int64" });
    assert.deepEqual(torch.unravelIndex(i64([4]).reshape([]), [3, 2]).map((t) => t.item()), [2, 0]);
    assert.deepEqual(torch.unravelIndex(i64([4, 1]), [3, 2]).map((t) => t.toArray()), [[2, 0], [0, 1]]);
    assert.deepEqual(torch.unravelIndex(i64([0, 1, 2, 3, 4, 5]), [3, 2]).map((t) => t.toArray()), [[0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1]]);
    assert.deepEqual(torch.unravelIndex(i64([1234, 5678]), [10, 10, 10, 10]).map((t) => t.toArray()), [[1, 5], [2, 6], [3, 7], [4, 8]]);
    assert.deepEqual(torch.unravelIndex(i64([1234, 5678]), [100, 100]).map((t) => t.toArray()), [[12, 56], [34, 78]]);
    assert.deepEqual(torch.unravelIndex(i64([-1]), [3, 2]).map((t) => t.toArray()), [[2], [1]]);
    assert.throws(() => torch.unravelIndex(torch.tensor([1.5]), [3]), /integer tensor, but got float32/);
    assert.throws(() => torch.unravelIndex(i64([1]), [3, -1]), /non-negative integer/);
  });
});

test("vmap: maps over in_dims, leaves null-dim arguments whole, stacks at out_dims, several outputs", () => {
  torch.scope(() => {
    const x = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    const w = torch.tensor([1, 10, 100]);
    const dot = torch.vmap((a: torch.Tensor, b: torch.Tensor) => a.mul(b).sum(), [0, null]);
    assert.deepEqual(dot(x, w).toArray(), [321, 654]);
    const cols = torch.vmap((a: torch.Tensor) => a.mul(2), 1, 1);
    assert.deepEqual(cols(x).toArray(), [[2, 4, 6], [8, 10, 12]]);
    const two = torch.vmap((a: torch.Tensor) => [a.sum(), a.max()] as const);
    const [s, m] = two(x);
    assert.deepEqual([s.toArray(), m.toArray()], [[6, 15], [3, 6]]);
    assert.throws(() => torch.vmap((a: torch.Tensor, b: torch.Tensor) => a.add(b))(x, torch.ones([3, 3])), /same size in the mapped dimension, got both 2 and 3/);
    assert.throws(() => torch.vmap((a: torch.Tensor) => a, null)(x), /at least one Tensor argument must be mapped/);
  });
});

test("dimOrder gives the memory order (contiguous, transposed, channels-last, permuted); constDataPtr is dataPtr", () => {
  torch.scope(() => {
    const x = torch.zeros([2, 3, 4, 5]);
    assert.deepEqual(x.dimOrder(), [0, 1, 2, 3]);
    assert.deepEqual(x.transpose(1, 3).dimOrder(), [0, 3, 2, 1]);
    assert.deepEqual(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).dimOrder(), [0, 2, 3, 1]);
    assert.deepEqual(torch.zeros([3, 4]).T.dimOrder(), [1, 0]);
    assert.deepEqual(torch.zeros([]).dimOrder(), []);
    assert.equal(x.constDataPtr(), x.dataPtr());
    assert.equal(typeof x.constDataPtr(), "bigint");
  });
});
