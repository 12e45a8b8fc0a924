// Reading tensors out (native/src/tensor.cc: toBuffer, item) respects lazy views: a zero tensor has
// no memory (its data pointer is null: the copy segfaulted), and a negative or conjugate view's
// memory holds -x or conj(x). Complex dtypes work end to end; gradients are checked on assignment.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { dtypeName } from "../src/core/dtype.js";
import { runPython } from "./helpers/python.js";

const A = torch.ops.aten as unknown as Record<string, (...args: unknown[]) => any>;

test("a zero tensor (_efficientzerotensor) reads as zeros: toArray, item, saveTensors", (t) => {
  const z = A._efficientzerotensor([2, 3]) as torch.Tensor;
  assert.deepEqual(z.toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual([...(z.toTypedArray() as Float32Array)], [0, 0, 0, 0, 0, 0]);
  assert.equal((A._efficientzerotensor([1]) as torch.Tensor).item(), 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-zero-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "z.safetensors");
  torch.io.saveTensors({ z }, file);
  assert.deepEqual(torch.io.loadTensors(file).tensors.get("z")!.toArray(), [[0, 0, 0], [0, 0, 0]]);
});

test("a negative view reads as its values (sum() and toArray() agree)", () => {
  const n = A._neg_view(torch.ones([2])) as torch.Tensor;
  assert.equal(n.sum().item(), -2);
  assert.deepEqual(n.toArray(), [-1, -1]);
  assert.equal((A._neg_view(torch.ones([1])) as torch.Tensor).item(), -1);
  // a strided negative view of a matrix: resolved, then made contiguous
  const m = A._neg_view(torch.arange(0, 6).reshape([2, 3]).t()) as torch.Tensor;
  assert.deepEqual(JSON.parse(JSON.stringify(m.toArray())), [[0, -3], [-1, -4], [-2, -5]]);
});

test("complex64/complex128: interleaved in and out, dtype names, conj views, FFT and abs as PyTorch", () => {
  const re = [1, 3, 0, 2, -1.5];
  const im = [2, -1, 0.5, 2, 0];
  const inter = new Float32Array(re.flatMap((r, i) => [r, im[i]]));
  const x = torch.fromTypedArray(inter, [5], { dtype: "complex64" });
  assert.equal(x.dtype, "complex64");
  assert.deepEqual(x.shape, [5]);
  assert.deepEqual([...(x.toTypedArray() as Float32Array)], [...inter]);
  // the conjugate view: its memory holds x, its values are conj(x)
  const c = A.conj(x) as torch.Tensor;
  assert.deepEqual([...(c.toTypedArray() as Float32Array)], re.flatMap((r, i) => [r, -im[i]]));
  const f = A.fft_fft(x) as torch.Tensor;
  const a = A.abs(x) as torch.Tensor;
  assert.equal(f.dtype, "complex64");
  assert.equal(a.dtype, "float32");
  const x128 = torch.fromTypedArray(Float64Array.from(inter), [5], { dtype: "complex128" });
  const f128 = A.fft_ifft(x128) as torch.Tensor;
  assert.equal(f128.dtype, "complex128");
  const ref = runPython(`
    import torch
    re, im = INPUT
    x = torch.complex(torch.tensor(re), torch.tensor(im))
    x128 = x.to(torch.complex128)
    OUTPUT = {"fft": torch.view_as_real(torch.fft.fft(x)).flatten(), "abs": x.abs(),
              "ifft": torch.view_as_real(torch.fft.ifft(x128)).flatten(), "dtype": str(x.dtype)}
  `, [re, im]) as { fft: number[]; abs: number[]; ifft: number[]; dtype: string };
  assert.equal(ref.dtype, "torch.complex64");
  const close = (got: ArrayLike<number>, want: number[], tol: number) => {
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `[${i}] ${got[i]} vs ${want[i]}`);
  };
  close(f.toTypedArray() as Float32Array, ref.fft, 1e-5);
  close(a.toTypedArray() as Float32Array, ref.abs, 1e-6);
  close(f128.toTypedArray() as Float64Array, ref.ifft, 1e-12);
  // real/imag views of a complex tensor read their own halves
  assert.deepEqual([...(A.imag(x) as torch.Tensor).toTypedArray()], im);
  assert.throws(() => torch.io.encodeTensors({ x }), /safetensors has no complex64 dtype/);
  // a dtype tstorch cannot hold is named, not a bare code ("unsupported dtype code 9" before)
  assert.throws(() => dtypeName(12), /tensors of dtype qint8 are not supported/);
  assert.equal(dtypeName(8), "complex32"); // held, read through complex64
  assert.equal(dtypeName(9), "complex64");
});

test("assigning a gradient checks shape, dtype and device as PyTorch does", () => {
  const p = torch.zeros([2, 3], { requiresGrad: true });
  assert.throws(() => { p.grad = torch.ones([5]); }, /assigned grad has shape \[5\] but the tensor has shape \[2, 3\]/);
  assert.throws(() => { p.grad = torch.ones([2, 3], { dtype: "float64" }); }, /assigned grad has dtype Double but the tensor has Float/);
  assert.throws(() => { p.grad = p; }, /cannot be its own grad/);
  assert.equal(p.grad, null);
  p.grad = torch.ones([2, 3]);
  assert.equal(p.grad!.sum().item(), 6);
  p.grad = null;
  assert.equal(p.grad, null);
});

test("a cyclic or absurdly deep nested array is refused with a clear error", () => {
  const a: unknown[] = [];
  a.push(a);
  assert.throws(() => torch.tensor(a as never), /cycle|nests deeper|nested deeper/);
  let deep: unknown = [1];
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => torch.tensor(deep as never), /deeper than 64/);
});

test("complex Scalars go in and come out as {tstorchComplex: [re, im]} (Python's 1+0.5j)", () => {
  const c = torch.fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [1, 3], { dtype: "complex64" });
  const r = A.constant_pad_nd(c, [1, 0], { tstorchComplex: [1, 0.5] }) as torch.Tensor;
  assert.deepEqual([...(r.toTypedArray() as Float32Array)], [1, 0.5, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(A._local_scalar_dense(A.sum(c)), { tstorchComplex: [9, 12] });
  assert.throws(() => A.constant_pad_nd(c, [1, 0], { tstorchComplex: [1] }), /is \{tstorchComplex: \[re, im\]\}|matches no overload/);
});
