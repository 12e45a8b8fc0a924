// Argument binding at the native boundary (native/src/dispatch.cc, handles.cc, runtime.cc): every
// number is range-checked, an optional argument without a default must be given (null is None),
// float arguments take torch.scalar(x), and int64 results beyond 2^53 are not rounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { native, Handle } from "../src/core/native.js";
import { wrap } from "../src/core/tensor.js";
import { runPython } from "./helpers/python.js";

const A = torch.ops.aten;

test("BigInt arguments outside int64 are refused, not wrapped modulo 2^64", () => {
  const x = torch.arange(0, 4);
  // raw ids: the check is the addon's, whatever the JS overload resolution lets through
  const narrow = native.opId("narrow", "");
  assert.throws(() => native.call(narrow, x._h, 0, 2n ** 64n, 2), /aten::narrow: start: bigint out of int64 range/);
  assert.throws(() => native.call(narrow, x._h, 0, -(2n ** 63n) - 1n, 2), /out of int64 range/);
  assert.throws(() => native.call(narrow, x._h, 0, 2 ** 64, 2), /aten::narrow: start: .* is out of int64 range/);
  assert.throws(() => native.call(narrow, x._h, 0, NaN, 2), /aten::narrow: expected an integer for start/);
  assert.deepEqual(wrapArray(native.call(narrow, x._h, 0, 1n, 2)), [1, 2]);
  assert.throws(() => torch.manualSeed(2 ** 70), /./);
});

function wrapArray(h: unknown): unknown {
  return wrap(h as Handle).toArray();
}

test("setNumThreads(100000) fails at once naming the limit", () => {
  const max = native.maxNumThreads();
  assert.ok(max >= 16);
  const t0 = Date.now();
  assert.throws(() => torch.setNumThreads(100000), new RegExp(`setNumThreads\\(100000\\): at most ${max} threads`));
  assert.throws(() => torch.setNumThreads(0), /positive/);
  assert.ok(Date.now() - t0 < 1000);
  const before = torch.getNumThreads();
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
});

test("an optional argument with no default must be given: left out is an error, null is None", () => {
  // PyTorch: "missing value for argument 'input_bias'"; passing None for it silently segfaulted
  const [gi, gh, x, hx] = [torch.ones([3, 12]), torch.ones([3, 12]), torch.ones([3, 4]), torch.ones([3, 4])];
  const id = native.opId("_thnn_differentiable_gru_cell_backward", "");
  assert.throws(() => native.call(id, torch.ones([3, 4])._h, gi._h, gh._h, hx._h), /missing value for argument 'input_bias'/);
  assert.throws(() => (A as any)._thnn_differentiable_gru_cell_backward(torch.ones([3, 4]), gi, gh, hx), /missing value for argument|matches no overload/);
  const lstm = native.opId("_thnn_differentiable_lstm_cell_backward", "");
  assert.throws(
    () => native.call(lstm, x._h, x._h, torch.ones([3, 16])._h, torch.ones([3, 16])._h),
    /missing value for argument 'input_bias'/,
  );
  // null stands for None and runs (PyTorch's value for the same call)
  const r = native.call(id, torch.ones([3, 4])._h, gi._h, gh._h, hx._h, null, null) as unknown[];
  assert.equal(r.length, 5);
  const ours = (r as never[]).map((h) => (h === null ? null : wrapArray(h)));
  const ref = runPython(`
    import torch
    o = torch.ones
    r = torch.ops.aten._thnn_differentiable_gru_cell_backward(o(3, 4), o(3, 12), o(3, 12), o(3, 4), None, None)
    OUTPUT = [None if t is None else t for t in r]
  `) as unknown[];
  assert.deepEqual(ours, ref);
});

test("a non-optional argument refuses null; ScalarType/Layout/MemoryFormat codes are range-checked", () => {
  const empty = native.opId("empty", "memory_format");
  assert.throws(() => native.call(empty, [2], 99), /aten::empty.memory_format: 99 is not a valid code for 'dtype'/);
  assert.throws(() => native.call(empty, [2], null, 42), /not a valid code for 'layout'/);
  assert.throws(() => native.call(empty, [2], null, null, null, null, -1), /not a valid code for 'memory_format'/);
  const neg = native.opId("neg", "");
  assert.throws(() => native.call(neg, null), /aten::neg: argument 'self' cannot be null/);
  assert.throws(() => native.call(neg), /aten::neg: missing argument 'self'/);
  assert.throws(() => native.call(neg, 3), /aten::neg: expected a Tensor for 'self'/);
});

test("float and float[] arguments take torch.scalar(x), as Python takes 2.0", () => {
  const a = torch.tensor([[0, 0, 0], [1, 2, 2]]);
  const b = torch.tensor([[1, 1, 1]]);
  const cdist = native.opId("cdist", "");
  const d = wrapArray(native.call(cdist, a._h, b._h, torch.scalar(2)));
  const ref = runPython(`
    import torch
    OUTPUT = torch.cdist(torch.tensor([[0., 0, 0], [1, 2, 2]]), torch.tensor([[1., 1, 1]]), 2.0)
  `) as number[][];
  assert.deepEqual((d as number[][]).map((r) => r.map((v) => Math.round(v * 1e5) / 1e5)), ref.map((r) => r.map((v) => Math.round(v * 1e5) / 1e5)));
  // a float[] element too
  const up = native.opId("upsample_nearest2d", "vec");
  const y = wrapArray(native.call(up, torch.ones([1, 1, 1, 1])._h, null, [torch.scalar(2), 2]));
  assert.deepEqual(y, [[[[1, 1], [1, 1]]]]);
});

test("int64 results beyond 2^53 come back exact as a bigint; smaller ones as numbers", () => {
  const big = 2n ** 60n + 1n;
  const t = torch.fromTypedArray(BigInt64Array.from([big]), [1]);
  const id = native.opId("_local_scalar_dense", "");
  assert.equal(native.call(id, t._h), big);
  const small = torch.fromTypedArray(BigInt64Array.from([-(2n ** 53n)]), [1]);
  assert.equal(native.call(id, small._h), -(2 ** 53));
  const sym = native.opId("size", "int");
  assert.equal(native.call(sym, torch.ones([3, 4])._h, 1), 4);
});
