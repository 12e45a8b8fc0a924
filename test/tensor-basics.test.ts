// Tensor basics: creation and dtype inference, seeded random numbers equal to PyTorch's, reading
// data out, shapes and conversion (autograd basics, the Scalar rule and scope() are in tensor-autograd-scope).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { pyTorchSkipReason, runPythonJson } from "./helpers/parity.js";
import { approxArray, check } from "./helpers/tensor-checks.js";
import type { T } from "./helpers/tensor-checks.js";

describe("torch.tensor from JS data", () => {
  test("nested arrays: numbers -> float32 (JS cannot tell 2.0 from 2), bigints -> int64, booleans -> bool", () => {
    torch.scope(() => {
      check(torch.tensor([[1, 2, 3], [4, 5, 6]]), [2, 3], "float32", [[1, 2, 3], [4, 5, 6]]);
      check(torch.tensor([[1n, 2n], [3n, 4n]]), [2, 2], "int64", [[1, 2], [3, 4]]);
      check(torch.tensor([[1.0], [2.0]]), [2, 1], "float32", [[1], [2]]);
      check(torch.tensor([1, 2.5]), [2], "float32", [1, 2.5]);
      check(torch.tensor([[1, 2], [3, 4.25]]), [2, 2], "float32", [[1, 2], [3, 4.25]]);
      check(torch.tensor([true, false, true]), [3], "bool", [true, false, true]);
      check(torch.tensor([[[1]], [[2]]]), [2, 1, 1], "float32", [[[1]], [[2]]]);
      check(torch.tensor(7), [], "float32", 7);
      check(torch.tensor(7n), [], "int64", 7);
      check(torch.tensor(-0.5), [], "float32", -0.5);
      check(torch.tensor(true), [], "bool", true);
      check(torch.tensor([]), [0], "float32", []);
      check(torch.tensor([[], []]), [2, 0], "float32", [[], []]);
      check(torch.tensor([-3, 0, 2 ** 40], { dtype: "int64" }), [3], "int64", [-3, 0, 2 ** 40]);
    });
  });
  test("dtype, device and requiresGrad options", () => {
    torch.scope(() => {
      check(torch.tensor([1, 2], { dtype: "float32" }), [2], "float32", [1, 2]);
      check(torch.tensor([1.7, -1.7], { dtype: "int32" }), [2], "int32", [1, -1]);
      check(torch.tensor([1, 0], { dtype: "bool" }), [2], "bool", [true, false]);
      check(torch.tensor([0.5], { dtype: "float64" }), [1], "float64", [0.5]);
      // a requested float64 keeps every bit of the JS numbers (no float32 detour)
      check(torch.tensor([0.1, 2 ** 40 + 0.5], { dtype: "float64" }), [2], "float64", [0.1, 2 ** 40 + 0.5]);
      check(torch.tensor([2 ** 53 - 1, -(2 ** 53 - 1)], { dtype: "int64" }), [2], "int64", [2 ** 53 - 1, -(2 ** 53 - 1)]);
      check(torch.tensor([0.1]), [1], "float32", [Math.fround(0.1)]);
      const g = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      assert.equal(g.requiresGrad, true);
      assert.equal(g.isLeaf, true);
      assert.equal(torch.tensor([1], { device: "cpu" }).device.toString(), "cpu");
    });
  });
  test("typed arrays keep their element type", () => {
    torch.scope(() => {
      check(torch.tensor(new Float32Array([1.5, 2])), [2], "float32", [1.5, 2]);
      check(torch.tensor(new Float64Array([1.25])), [1], "float64", [1.25]);
      check(torch.tensor(new Int32Array([1, -2])), [2], "int32", [1, -2]);
      check(torch.tensor(new Int16Array([3])), [1], "int16", [3]);
      check(torch.tensor(new Int8Array([-4])), [1], "int8", [-4]);
      check(torch.tensor(new Uint8Array([255, 0])), [2], "uint8", [255, 0]);
      check(torch.tensor(new BigInt64Array([5n, -6n])), [2], "int64", [5, -6]);
      check(torch.tensor(new Uint16Array([65535])), [1], "int32", [65535]);
      check(torch.tensor(new Float32Array([1, 2]), { dtype: "float64" }), [2], "float64", [1, 2]);
      // a view into a larger buffer: only the view's elements
      const buf = new Float32Array([0, 1, 2, 3, 4, 5]);
      check(torch.tensor(buf.subarray(2, 5)), [3], "float32", [2, 3, 4]);
      check(torch.fromTypedArray(buf, [2, 3]), [2, 3], "float32", [[0, 1, 2], [3, 4, 5]]);
      // the data is copied: changing the array later does not change the tensor
      const src = new Float32Array([1, 2, 3]);
      const t = torch.tensor(src);
      src[0] = 100;
      assert.deepEqual(t.toArray(), [1, 2, 3]);
    });
  });
});

describe("factory functions", () => {
  test("zeros, ones, full, empty", () => {
    torch.scope(() => {
      check(torch.zeros([2, 3]), [2, 3], "float32", [[0, 0, 0], [0, 0, 0]]);
      check(torch.ones([2], { dtype: "int64" }), [2], "int64", [1, 1]);
      check(torch.zeros([]), [], "float32", 0);
      check(torch.full([2, 2], 1.5), [2, 2], "float32", [[1.5, 1.5], [1.5, 1.5]]);
      check(torch.full([3], 7), [3], "int64", [7, 7, 7]); // like PyTorch: a whole fill value gives int64
      check(torch.full([2], true), [2], "bool", [true, true]);
      check(torch.full([2], 3, { dtype: "float64" }), [2], "float64", [3, 3]);
      check(torch.full([1], torch.scalar(2)), [1], "float32", [2]);
      check(torch.empty([4, 0]), [4, 0], "float32");
      const z = torch.zeros([2], { requiresGrad: true });
      assert.equal(z.requiresGrad, true);
    });
  });
  test("arange and linspace", () => {
    torch.scope(() => {
      check(torch.arange(5), [5], "int64", [0, 1, 2, 3, 4]);
      check(torch.arange(1, 10, 3), [3], "int64", [1, 4, 7]);
      check(torch.arange(5, 0, -2), [3], "int64", [5, 3, 1]);
      check(torch.arange(0, 1, 0.25), [4], "float32", [0, 0.25, 0.5, 0.75]);
      check(torch.arange(3, undefined, 1, { dtype: "float64" }), [3], "float64", [0, 1, 2]);
      check(torch.linspace(0, 1, 5), [5], "float32", [0, 0.25, 0.5, 0.75, 1]);
      check(torch.linspace(-1, 1, 3, { dtype: "float64" }), [3], "float64", [-1, 0, 1]);
      check(torch.linspace(2, 2, 1), [1], "float32", [2]);
    });
  });
  test("eye", () => {
    torch.scope(() => {
      check(torch.eye(3), [3, 3], "float32", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      check(torch.eye(2, 3, { dtype: "int64" }), [2, 3], "int64", [[1, 0, 0], [0, 1, 0]]);
    });
  });
  test("rand, randn, randint, randperm: shapes, dtypes, ranges", () => {
    torch.scope(() => {
      torch.manualSeed(1);
      const r = torch.rand([1000]);
      check(r, [1000], "float32");
      assert.ok(r.min().item() >= 0 && r.max().item() < 1, "rand in [0, 1)");
      const n = torch.randn([4000], { dtype: "float64" });
      check(n, [4000], "float64");
      assert.ok(Math.abs(n.mean().item()) < 0.1 && Math.abs(n.std().item() - 1) < 0.1, "randn ~ N(0, 1)");
      const i = torch.randint(-3, 4, [500]);
      check(i, [500], "int64");
      assert.ok(i.min().item() >= -3 && i.max().item() <= 3, "randint in [low, high)");
      assert.equal(i.eq(-3).any().item(), true);
      assert.equal(i.eq(3).any().item(), true);
      check(torch.randint(5, [2, 3]), [2, 3], "int64"); // randint(high, shape)
      check(torch.randint(0, 5, [2], { dtype: "int32" }), [2], "int32");
      const p = torch.randperm(10);
      check(p, [10], "int64");
      assert.deepEqual((p.sort().values.toArray() as number[]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
  test("*Like functions follow the input's shape and dtype unless told", () => {
    torch.scope(() => {
      const x = torch.ones([2, 3], { dtype: "float64" });
      check(torch.zerosLike(x), [2, 3], "float64", [[0, 0, 0], [0, 0, 0]]);
      check(torch.onesLike(x, { dtype: "int64" }), [2, 3], "int64", [[1, 1, 1], [1, 1, 1]]);
      check(torch.fullLike(x, 2.5), [2, 3], "float64", [[2.5, 2.5, 2.5], [2.5, 2.5, 2.5]]);
      check(torch.fullLike(torch.arange(3), 4), [3], "int64", [4, 4, 4]);
      check(torch.emptyLike(x), [2, 3], "float64");
      const r = torch.randLike(x);
      check(r, [2, 3], "float64");
      assert.ok(r.ge(0).all().item() && r.lt(1).all().item());
      check(torch.randnLike(torch.zeros([4])), [4], "float32");
      assert.equal(torch.zerosLike(x, { requiresGrad: true }).requiresGrad, true);
    });
  });
});

describe("manualSeed gives PyTorch's numbers", { skip: pyTorchSkipReason() }, () => {
  test("rand, randn (small and vectorised sizes), randint, randperm, float64", () => {
    const py = runPythonJson(
      `
import json, sys, torch
out = {}
torch.manual_seed(42); out["rand"] = torch.rand(7).tolist()
torch.manual_seed(42); out["randn"] = torch.randn(5).tolist()
torch.manual_seed(42); out["randn20"] = torch.randn(4, 5).flatten().tolist()
torch.manual_seed(7); out["randint"] = torch.randint(0, 10, (12,)).tolist()
torch.manual_seed(7); out["randint_low"] = torch.randint(-5, 5, (3, 2)).flatten().tolist()
torch.manual_seed(3); out["randperm"] = torch.randperm(8).tolist()
torch.manual_seed(3); out["randperm100"] = torch.randperm(100).tolist()
torch.manual_seed(11); out["rand64"] = torch.rand(4, dtype=torch.float64).tolist()
torch.manual_seed(5); a = torch.rand(3); b = torch.randn(3); c = torch.randint(0, 100, (3,))
out["sequence"] = a.tolist() + b.tolist() + c.tolist()
json.dump(out, sys.stdout)
`,
      null,
    ) as Record<string, number[]>;
    const flat = (t: T): number[] => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
    torch.scope(() => {
      torch.manualSeed(42);
      assert.deepEqual(flat(torch.rand([7])), py.rand);
      torch.manualSeed(42);
      assert.deepEqual(flat(torch.randn([5])), py.randn);
      torch.manualSeed(42);
      assert.deepEqual(flat(torch.randn([4, 5])), py.randn20);
      torch.manualSeed(7);
      assert.deepEqual(flat(torch.randint(0, 10, [12])), py.randint);
      torch.manualSeed(7);
      assert.deepEqual(flat(torch.randint(-5, 5, [3, 2])), py.randint_low);
      torch.manualSeed(3);
      assert.deepEqual(flat(torch.randperm(8)), py.randperm);
      torch.manualSeed(3);
      assert.deepEqual(flat(torch.randperm(100)), py.randperm100);
      torch.manualSeed(11);
      assert.deepEqual(flat(torch.rand([4], { dtype: "float64" })), py.rand64);
      torch.manualSeed(5);
      assert.deepEqual([...flat(torch.rand([3])), ...flat(torch.randn([3])), ...flat(torch.randint(0, 100, [3]))], py.sequence);
    });
  });
});

describe("manualSeed", () => {
  test("the same seed gives the same numbers", () => {
    torch.scope(() => {
      torch.manualSeed(123);
      const a = torch.randn([10]).toArray();
      const b = torch.rand([3]).toArray();
      torch.manualSeed(123);
      assert.deepEqual(torch.randn([10]).toArray(), a);
      assert.deepEqual(torch.rand([3]).toArray(), b);
      torch.manualSeed(124);
      assert.notDeepEqual(torch.randn([10]).toArray(), a);
    });
  });
  test("a bad seed is refused", () => {
    assert.throws(() => torch.manualSeed(-1), /non-negative integer/);
    assert.throws(() => torch.manualSeed(1.5), /non-negative integer/);
  });
});

describe("reading data out", () => {
  test("toTypedArray gives the dtype's typed array", () => {
    torch.scope(() => {
      const f = torch.tensor([[1.5, 2], [3, 4]]).toTypedArray();
      assert.ok(f instanceof Float32Array);
      assert.deepEqual([...f], [1.5, 2, 3, 4]);
      assert.ok(torch.tensor([1n, 2n]).toTypedArray() instanceof BigInt64Array);
      assert.deepEqual([...(torch.tensor([1, 2], { dtype: "int64" }).toTypedArray() as BigInt64Array)], [1n, 2n]);
      assert.ok(torch.tensor([1], { dtype: "float64" }).toTypedArray() instanceof Float64Array);
      assert.ok(torch.tensor([1], { dtype: "int32" }).toTypedArray() instanceof Int32Array);
      assert.ok(torch.tensor([true]).toTypedArray() instanceof Uint8Array);
      const h = torch.tensor([0.5, 1.5], { dtype: "float16" });
      assert.equal(h.dtype, "float16");
      assert.ok(h.toTypedArray() instanceof Float32Array);
      assert.deepEqual([...h.toTypedArray()], [0.5, 1.5]);
      // non-contiguous tensors read out in logical (row-major) order
      const t = torch.tensor([[1n, 2n, 3n], [4n, 5n, 6n]]).t();
      assert.equal(t.isContiguous(), false);
      assert.deepEqual([...(t.toTypedArray() as BigInt64Array)].map(Number), [1, 4, 2, 5, 3, 6]);
    });
  });
  test("toArray gives nested arrays; 0-d gives a number", () => {
    torch.scope(() => {
      assert.deepEqual(torch.arange(6).reshape(2, 3).toArray(), [[0, 1, 2], [3, 4, 5]]);
      assert.deepEqual(torch.tensor([[true], [false]]).toArray(), [[true], [false]]);
      assert.equal(torch.tensor(2.5).toArray(), 2.5);
      assert.deepEqual(torch.zeros([2, 0]).toArray(), [[], []]);
    });
  });
  test("item", () => {
    torch.scope(() => {
      assert.equal(torch.tensor(3.25).item(), 3.25);
      assert.equal(torch.tensor([[7]]).item(), 7);
      assert.equal(torch.tensor([1, 2, 3]).sum().item(), 6);
      assert.equal(torch.tensor([true]).item() as unknown, true);
      assert.equal(torch.tensor(0.1, { dtype: "float64" }).item(), 0.1);
      assert.equal(torch.tensor(0.1).item(), Math.fround(0.1));
    });
  });
});

describe("shapes", () => {
  test("shape, size, ndim, numel, stride, contiguity", () => {
    torch.scope(() => {
      const x = torch.zeros([2, 3, 4]);
      assert.deepEqual(x.shape, [2, 3, 4]);
      assert.deepEqual(x.size(), [2, 3, 4]);
      assert.equal(x.size(1), 3);
      assert.equal(x.size(-1), 4);
      assert.equal(x.ndim, 3);
      assert.equal(x.dim(), 3);
      assert.equal(x.numel(), 24);
      assert.deepEqual(x.stride(), [12, 4, 1]);
      assert.equal(x.isContiguous(), true);
      const p = x.permute(2, 0, 1);
      assert.deepEqual(p.shape, [4, 2, 3]);
      assert.deepEqual(p.stride(), [1, 12, 4]);
      assert.equal(p.isContiguous(), false);
      assert.equal(p.contiguous().isContiguous(), true);
      assert.deepEqual(torch.tensor(1).shape, []);
      assert.equal(torch.tensor(1).numel(), 1);
    });
  });
});

describe("to(dtype)", () => {
  test("conversions", () => {
    torch.scope(() => {
      const x = torch.tensor([-1.7, 0.5, 2.9]);
      check(x.to("int64"), [3], "int64", [-1, 0, 2]);
      check(x.long(), [3], "int64", [-1, 0, 2]);
      check(x.int(), [3], "int32", [-1, 0, 2]);
      check(x.to("float64"), [3], "float64");
      approxArray(x.double().toArray(), [-1.7, 0.5, 2.9], 1e-6);
      check(x.bool(), [3], "bool", [true, true, true]);
      check(torch.tensor([1, 2]).float(), [2], "float32", [1, 2]);
      check(torch.tensor([0, 2]).to("bool"), [2], "bool", [false, true]);
      check(torch.tensor([0.5]).half(), [1], "float16", [0.5]);
      check(torch.tensor([0.5]).bfloat16(), [1], "bfloat16", [0.5]);
      check(x.to({ dtype: "float64", device: "cpu" }), [3], "float64");
      check(torch.tensor([1, 2]).to(torch.zeros([1], { dtype: "float64" })), [2], "float64", [1, 2]);
      check(x.to("double"), [3], "float64"); // PyTorch aliases
      check(x.cpu(), [3], "float32");
      // to() keeps the graph
      const g = torch.tensor([1.5], { requiresGrad: true });
      const y = g.to("float64").mul(2).sum();
      y.backward();
      assert.deepEqual(g.grad!.toArray(), [2]);
      assert.equal(g.grad!.dtype, "float32");
    });
  });
});
