// JS numbers as a JS user expects them (issue: "JS numbers are a trap"): plain numbers make float32,
// bigints int64 exactly, shapes as varargs, x.T / x.mT, and a dtype mismatch that names the operator
// and the fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../src/index.js";

test("torch.tensor([[1.0], [2.0]]) is float32 and matmul with randn works", () => {
  torch.scope(() => {
    const w = torch.tensor([[1.0], [2.0]]);
    assert.equal(w.dtype, "float32");
    const y = torch.randn([3, 2]).matmul(w);
    assert.deepEqual(y.shape, [3, 1]);
    assert.equal(y.dtype, "float32");
  });
});

test("torch.zeros(2, 3), ones/rand/randn/empty with varargs, options after them", () => {
  torch.scope(() => {
    assert.deepEqual(torch.zeros(2, 3).shape, [2, 3]);
    assert.deepEqual(torch.ones(4).shape, [4]);
    assert.equal(torch.ones(2, 2, { dtype: "float64" }).dtype, "float64");
    assert.deepEqual(torch.rand(1, 2, 3).shape, [1, 2, 3]);
    assert.deepEqual(torch.randn([5, 1]).shape, [5, 1]);
    assert.deepEqual(torch.empty(0, 7).shape, [0, 7]);
    assert.throws(() => torch.zeros(2, [3] as never), /a shape is an array of numbers or numbers as arguments/);
  });
});

test("int64 round-trips 9007199254740993 exactly through the bigint path", () => {
  torch.scope(() => {
    const big = 9007199254740993n; // 2^53 + 1: not a JS number
    const t = torch.tensor([big, -big]);
    assert.equal(t.dtype, "int64");
    assert.deepEqual(t.toArray({ bigint: true }), [big, -big]);
    assert.deepEqual([...(t.toTypedArray() as BigInt64Array)], [big, -big]);
    assert.deepEqual(t.add(1).toArray({ bigint: true }), [big + 1n, -big + 1n]);
    // as plain numbers it is rounded, as JS numbers are
    assert.deepEqual(t.toArray(), [Number(big), -Number(big)]);
  });
});

test("x.T reverses the dimensions, x.mT swaps the last two", () => {
  torch.scope(() => {
    const x = torch.arange(24).reshape(2, 3, 4);
    assert.deepEqual(x.T.shape, [4, 3, 2]);
    assert.deepEqual(x.mT.shape, [2, 4, 3]);
    const m = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(m.T.toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.throws(() => torch.ones(3).mT, /x\.mT needs at least 2 dimensions/);
  });
});

test("a dtype mismatch names the operator and suggests the fix", () => {
  torch.scope(() => {
    const ints = torch.tensor([[1n], [2n]]);
    assert.throws(() => torch.randn([3, 2]).matmul(ints), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /aten::/);
      // libtorch's own words: 1.13 "expected scalar type Float but found Long", 2.x names m1 and m2
      assert.match(e.message, /expected scalar type Float but found Long|expected m1 and m2 to have the same dtype, but got: float != long/);
      assert.match(e.message, /convert one, e\.g\. x\.to\("float32"\)/);
      return true;
    });
    assert.throws(() => torch.mm(torch.randn([3, 2]), ints), /aten::mm.*convert one/s);
  });
});

test("missing or wrong Tensor arguments name the method and the argument", () => {
  torch.scope(() => {
    const x = torch.randn([4, 3]);
    const anyX = x as unknown as Record<string, (...a: unknown[]) => unknown>;
    // generated one-overload methods: the operator, the argument and what came instead
    assert.throws(() => anyX.equal(), /aten::equal: missing value for argument 'other'/);
    assert.throws(() => anyX.matmul([1, 2]), /aten::matmul.*argument 'other' must be Tensor, not \[number 1, number 2\]/s);
    assert.throws(() => anyX.crossEntropyForLogits(), /crossEntropyForLogits: the target must be a Tensor of class indices \(int64\), got nothing/);
    assert.throws(() => anyX.where(null, x), /aten::where.*argument 'condition' must be Tensor, not null/s);
    // generated methods say what is missing too
    assert.throws(() => anyX.tril("a"), /aten::tril.*argument 'diagonal' must be int, not "a"/s);
    assert.throws(() => anyX.scatter(1), /aten::scatter.*missing value for argument 'index'/s);
  });
});

test("a complex tensor prints and reads back through viewAsReal", () => {
  torch.scope(() => {
    const c = torch.fft.fft(torch.tensor([1, 0, 0, 0]));
    assert.equal(c.dtype, "complex64");
    assert.throws(() => c.toArray(), /toArray\(\) of a complex64 tensor: .*viewAsReal/);
    const pairs = torch.viewAsReal(c).toArray<number[][]>().map((p) => p.map((v) => v + 0)); // -0 -> 0
    assert.deepEqual(pairs, [[1, 0], [1, 0], [1, 0], [1, 0]]);
    // PyTorch's str(): 1.13 prints "tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.-0.j])" (the last imaginary part is -0)
    assert.match(String(c), /^tensor\(\[1\.\+0\.j, 1\.\+0\.j, 1\.\+0\.j, 1\.[+-]0\.j\]\)$/);
  });
});

test("complex32 (chalf) tensors are held and read through complex64", () => {
  torch.scope(() => {
    const c = torch.fft.fft(torch.tensor([1, 2, 0, 0])).to("complex32");
    assert.equal(c.dtype, "complex32");
    assert.deepEqual([...c.toTypedArray()], [3, 0, 1, -2, -1, 0, 1, 2]);
    assert.equal(torch.ops.aten.chalf(torch.ones([2], { dtype: "complex64" })).dtype, "complex32");
  });
});
