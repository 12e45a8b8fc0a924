// Small torch.* helpers: as_tensor / asarray / frombuffer, DLPack capsules, is_tensor, numel,
// get_device, broadcast_shapes, and the randomized low-rank SVD / PCA; against PyTorch.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const close = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`));

test("asTensor and asarray return the tensor itself when nothing needs converting, copies otherwise", () => {
  const t = torch.arange(4, { dtype: "float32" });
  assert.equal(torch.asTensor(t), t);
  assert.equal(torch.asTensor(t, { dtype: "float32", device: "cpu" }), t);
  const d = torch.asTensor(t, { dtype: "float64" });
  assert.notEqual(d, t);
  assert.equal(d.dtype, "float64");
  assert.deepEqual(torch.asTensor([[1, 2], [3, 4]]).shape, [2, 2]);
  assert.equal(torch.asTensor(Int32Array.of(1, 2)).dtype, "int32");
  assert.equal(torch.asarray(t), t);
  const c = torch.asarray(t, { copy: true });
  assert.notEqual(c, t);
  c.add_(1);
  assert.deepEqual(t.toArray(), [0, 1, 2, 3]);
  assert.equal(torch.asarray([1.5], { requiresGrad: true }).requiresGrad, true);
  assert.throws(() => torch.asarray([1, 2], { copy: false }), /copy: false needs a Tensor/);
  assert.throws(() => torch.asarray(t, { dtype: "int64", copy: false }), /can't alias a float32 tensor on cpu as int64 on cpu with copy: false/);
});

test("frombuffer reads raw bytes as a dtype, with count and offset, and PyTorch's checks", () => {
  const f = Float32Array.of(1.5, -2, 3.25, 4);
  assert.deepEqual(torch.frombuffer(f.buffer, { dtype: "float32" }).toArray(), [1.5, -2, 3.25, 4]);
  assert.deepEqual(torch.frombuffer(f, { dtype: "float32", count: 2, offset: 4 }).toArray(), [-2, 3.25]);
  const bytes = Uint8Array.of(1, 0, 2, 0, 255, 255);
  assert.deepEqual(torch.frombuffer(bytes, { dtype: "int16" }).toArray(), [1, 2, -1]);
  assert.throws(() => torch.frombuffer(new ArrayBuffer(0), { dtype: "int8" }), /both buffer length \(0\) and count \(-1\) must not be 0/);
  assert.throws(() => torch.frombuffer(bytes, { dtype: "int8", offset: 6 }), /offset \(6 bytes\) must be non-negative and no greater than buffer length \(6 bytes\) minus 1/);
  assert.throws(() => torch.frombuffer(bytes, { dtype: "int32" }), /buffer length \(6 bytes\) after offset \(0 bytes\) must be a multiple of element size \(4\)/);
  assert.throws(() => torch.frombuffer(bytes, { dtype: "int16", count: 4 }), /requested buffer length \(4 \* 2 bytes\) after offset \(0 bytes\) must not be greater than actual buffer length \(6 bytes\)/);
});

test("toDlpack / fromDlpack share memory through libtorch's converters; a capsule is consumed once", () => {
  const t = torch.arange(6, { dtype: "float32" }).reshape([2, 3]);
  const cap = torch.toDlpack(t);
  const u = torch.fromDlpack(cap);
  assert.deepEqual(u.shape, [2, 3]);
  t.add_(10);
  assert.deepEqual(u.toArray(), [[10, 11, 12], [13, 14, 15]]);
  assert.throws(() => torch.fromDlpack(cap), /this DLPack capsule was already consumed/);
  assert.throws(() => torch.fromDlpack({} as never), /fromDlpack expects a DLPack capsule/);
  assert.throws(() => torch.fromDlpack((t as unknown as { _h: never })._h), /fromDlpack expects a DLPack capsule/);
  const v = torch.fromDlpack(t); // a Tensor passes through, sharing memory
  t.zero_();
  assert.deepEqual(v.toArray(), [[0, 0, 0], [0, 0, 0]]);
  torch.toDlpack(torch.ones(3)); // never consumed: freed with the capsule by the collector
});

test("isTensor, numel, getDevice, broadcastShapes", () => {
  const t = torch.zeros(2, 3);
  assert.equal(torch.isTensor(t), true);
  assert.equal(torch.isTensor([1]), false);
  assert.equal(torch.numel(t), 6);
  assert.equal(torch.getDevice(t), -1);
  assert.deepEqual(torch.broadcastShapes([2], [3, 1], [1, 1, 1]), [1, 3, 2]);
  assert.deepEqual(torch.broadcastShapes(), []);
  assert.deepEqual(torch.broadcastShapes(5, [2, 1]), [2, 5]);
  assert.throws(() => torch.broadcastShapes([2], [3]), /The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0/);
  assert.throws(() => torch.broadcastShapes([-1]), /Trying to create tensor with negative dimension \(-1\)/);
});

test("svdLowrank and pcaLowrank recover PyTorch's singular values of a rank-3 matrix", () => {
  torch.manualSeed(0);
  const A = torch.randn([20, 3], { dtype: "float64" }).matmul(torch.randn([3, 12], { dtype: "float64" }));
  const data = A.toArray() as number[][];
  const ref = runPython(`
import torch
A = torch.tensor(INPUT, dtype=torch.float64)
torch.manual_seed(1)
U, S, V = torch.svd_lowrank(A, q=4)
_, Sp, _ = torch.pca_lowrank(A, q=4)
_, Sw, _ = torch.svd_lowrank(A.T, q=4)
OUTPUT = {"S": S, "Sp": Sp, "Sw": Sw, "exact": torch.linalg.svdvals(A)[:4], "exactp": torch.linalg.svdvals(A - A.mean(0, keepdim=True))[:4]}
`, data) as { S: number[]; Sp: number[]; Sw: number[]; exact: number[]; exactp: number[] };
  torch.manualSeed(1);
  const [U, S, V] = torch.svdLowrank(A, 4);
  assert.deepEqual([U.shape, S.shape, V.shape], [[20, 4], [4], [12, 4]]);
  close((S.toArray() as number[]).slice(0, 3), ref.S.slice(0, 3), 1e-9, "S");
  close((S.toArray() as number[]).slice(0, 3), ref.exact.slice(0, 3), 1e-9, "S vs svdvals");
  // A = U diag(S) Vᵀ (rank 3 within q = 4)
  const back = U.mul(S).matmul(V.transpose(0, 1));
  assert.ok(back.sub(A).abs().max().item() < 1e-9);
  const [, Sw] = torch.svdLowrank(A.transpose(0, 1), 4); // the m < n branch
  close((Sw.toArray() as number[]).slice(0, 3), ref.Sw.slice(0, 3), 1e-9, "S of Aᵀ");
  const [, Sp] = torch.pcaLowrank(A, 4);
  close((Sp.toArray() as number[]).slice(0, 3), ref.Sp.slice(0, 3), 1e-9, "pca S");
  close((Sp.toArray() as number[]).slice(0, 3), ref.exactp.slice(0, 3), 1e-9, "pca S vs svdvals");
  assert.throws(() => torch.pcaLowrank(A, 13), /q\(=13\) must be non-negative integer and not greater than min\(m, n\)=12/);
});
