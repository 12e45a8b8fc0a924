// Tensor basics: creation and dtype inference, seeded random numbers equal to PyTorch's, reading
// data out, shapes, conversion, autograd basics, the Scalar int/float rule, and scope().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { pyTorchSkipReason, runPythonJson } from "./helpers/parity.js";

type T = torch.Tensor;

/** Asserts shape, dtype and (optionally) the nested values of a tensor. */
function check(t: T, shape: number[], dtype: torch.DType, values?: unknown): void {
  assert.deepEqual(t.shape, shape, "shape");
  assert.equal(t.dtype, dtype, "dtype");
  if (values !== undefined) assert.deepEqual(t.toArray(), values, "values");
}

function approxArray(actual: unknown, expected: number[], tol = 1e-6): void {
  const a = actual as number[];
  assert.equal(a.length, expected.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `element ${i}: ${v} vs ${expected[i]}`));
}

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

describe("autograd basics", () => {
  test("backward computes gradients of leaves", () => {
    torch.scope(() => {
      const x = torch.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
      const w = torch.tensor([0.5, -1, 2], { requiresGrad: true });
      const y = x.mul(w).sum().add(x.pow(2).sum());
      assert.equal(y.gradFn, "AddBackward0");
      assert.equal(y.isLeaf, false);
      y.backward();
      assert.deepEqual(x.grad!.toArray(), [2.5, 3, 8]); // w + 2x
      assert.deepEqual(w.grad!.toArray(), [1, 2, 3]);
    });
  });
  test("gradients accumulate over two backward calls; zeroGrad clears them", () => {
    torch.scope(() => {
      const x = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      x.mul(3).sum().backward();
      assert.deepEqual(x.grad!.toArray(), [3, 3]);
      x.mul(x).sum().backward();
      assert.deepEqual(x.grad!.toArray(), [5, 7]); // 3 + 2x
      x.zeroGrad();
      assert.equal(x.grad, null);
      x.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [1, 1]);
      // retainGraph allows a second backward through the same graph
      const y = x.mul(x).sum();
      x.zeroGrad();
      y.backward(null, { retainGraph: true });
      y.backward();
      assert.deepEqual(x.grad!.toArray(), [4, 8]);
      // an explicit gradient for a non-scalar output
      x.zeroGrad();
      x.mul(2).backward(torch.tensor([1, 10], { dtype: "float32" }));
      assert.deepEqual(x.grad!.toArray(), [2, 20]);
    });
  });
  test("noGrad(fn) records nothing and restores the mode, also on throw", () => {
    torch.scope(() => {
      const x = torch.ones([2], { requiresGrad: true });
      assert.equal(torch.isGradEnabled(), true);
      const y = torch.noGrad(() => {
        assert.equal(torch.isGradEnabled(), false);
        return x.mul(2);
      });
      assert.equal(y.requiresGrad, false);
      assert.equal(y.gradFn, null);
      assert.equal(torch.isGradEnabled(), true);
      assert.throws(() => torch.noGrad(() => { throw new Error("inside"); }), /inside/);
      assert.equal(torch.isGradEnabled(), true);
      // nested enableGrad
      const z = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
      assert.equal(z.requiresGrad, true);
    });
  });
  test("using _ = torch.noGradGuard() turns grad off until the end of the block", () => {
    torch.scope(() => {
      const x = torch.ones([2], { requiresGrad: true });
      {
        using _ = torch.noGradGuard();
        assert.equal(torch.isGradEnabled(), false);
        assert.equal(x.mul(2).requiresGrad, false);
        // in-place updates of leaves are allowed under the guard (optimiser steps)
        x.sub_(torch.ones([2]).mul(0.5));
      }
      assert.equal(torch.isGradEnabled(), true);
      assert.equal(x.mul(2).requiresGrad, true);
      assert.deepEqual(x.toArray(), [0.5, 0.5]);
    });
  });
  test("detach shares data without the graph", () => {
    torch.scope(() => {
      const x = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      const y = x.mul(2);
      const d = y.detach();
      assert.equal(d.requiresGrad, false);
      assert.equal(d.gradFn, null);
      assert.equal(d.isLeaf, true);
      assert.deepEqual(d.toArray(), [2, 4]);
      const xd = x.detach();
      torch.noGrad(() => xd.add_(10)); // same storage as x
      assert.deepEqual(x.toArray(), [11, 12]);
    });
  });
  test("requiresGrad on an integer tensor is an error", () => {
    torch.scope(() => {
      const i = torch.tensor([1n, 2n]);
      assert.throws(() => i.requiresGrad_(), /Only Tensors of floating point and complex dtype can require gradients/);
      assert.throws(() => { i.requiresGrad = true; }, /floating point/);
      assert.equal(i.requiresGrad, false);
      const f = torch.tensor([1.5]);
      f.requiresGrad = true;
      assert.equal(f.requiresGrad, true);
      f.requiresGrad_(false);
      assert.equal(f.requiresGrad, false);
    });
  });
  test("retainGrad keeps a non-leaf's gradient", () => {
    torch.scope(() => {
      const x = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      const y = x.mul(3).retainGrad();
      y.pow(2).sum().backward();
      assert.deepEqual(y.grad!.toArray(), [6, 12]);
      assert.deepEqual(x.grad!.toArray(), [18, 36]);
    });
  });
});

describe("the Scalar int/float rule", () => {
  test("int64 tensor: .mul(2) stays int64, .mul(2.5) -> float32, .mul(torch.scalar(2)) -> float32", () => {
    torch.scope(() => {
      const n = torch.tensor([1n, 2n, 3n]);
      check(n.mul(2), [3], "int64", [2, 4, 6]);
      check(n.mul(2.5), [3], "float32", [2.5, 5, 7.5]);
      check(n.mul(torch.scalar(2)), [3], "float32", [2, 4, 6]);
      check(n.mul(torch.scalar(2, "int")), [3], "int64", [2, 4, 6]);
      check(n.add(1), [3], "int64", [2, 3, 4]);
      check(n.add(0.5), [3], "float32", [1.5, 2.5, 3.5]);
      check(n.sub(torch.scalar(1)), [3], "float32", [0, 1, 2]);
      check(n.div(2), [3], "float32", [0.5, 1, 1.5]); // true division, as in PyTorch
      check(n.pow(2), [3], "int64", [1, 4, 9]);
      check(torch.tensor([true, false]).add(1), [2], "int64", [2, 1]);
      check(torch.tensor([1, 2], { dtype: "int32" }).mul(3), [2], "int32", [3, 6]);
      assert.throws(() => torch.scalar(2.5, "int"), /not a whole number/);
    });
  });
  test("float tensors keep their dtype with any Scalar", () => {
    torch.scope(() => {
      check(torch.tensor([1.5]).mul(2), [1], "float32", [3]);
      check(torch.tensor([1.5], { dtype: "float64" }).mul(2.5), [1], "float64", [3.75]);
      check(torch.tensor([1.5], { dtype: "float16" }).add(1), [1], "float16", [2.5]);
    });
  });
});

describe("scope()", () => {
  test("tensors made inside are disposed at the end, except the returned ones", () => {
    let inner: T[] = [];
    const out = torch.scope(() => {
      const a = torch.ones([2]);
      const b = a.mul(3);
      inner = [a, b];
      return b.add(1);
    });
    assert.equal(inner[0].isDisposed, true);
    assert.equal(inner[1].isDisposed, true);
    assert.equal(out.isDisposed, false);
    assert.deepEqual(out.toArray(), [4, 4]);
    out.dispose();
  });
  test("returned arrays and objects, and keep(), survive", () => {
    let temp: T | null = null;
    let kept: T | null = null;
    const res = torch.scope(() => {
      temp = torch.zeros([1]);
      kept = torch.keep(torch.ones([1]));
      return { list: [torch.full([1], 2)], nested: { t: torch.full([1], 3) }, n: 5 };
    });
    assert.equal(temp!.isDisposed, true);
    assert.equal(kept!.isDisposed, false);
    assert.equal(res.list[0].isDisposed, false);
    assert.equal(res.nested.t.isDisposed, false);
    assert.equal(res.n, 5);
    torch.dispose([kept, res]);
    assert.equal(kept!.isDisposed, true);
    assert.equal(res.list[0].isDisposed, true);
    assert.equal(res.nested.t.isDisposed, true);
  });
  test("tensors made before the scope are not touched", () => {
    const outside = torch.ones([2]);
    torch.scope(() => {
      outside.add(1);
      outside.mul_(2);
    });
    assert.equal(outside.isDisposed, false);
    assert.deepEqual(outside.toArray(), [2, 2]);
    outside.dispose();
  });
  test("nested scopes: survivors of the inner scope belong to the outer one", () => {
    let fromInner: T | null = null;
    let innerTemp: T | null = null;
    torch.scope(() => {
      fromInner = torch.scope(() => {
        innerTemp = torch.ones([1]);
        return torch.zeros([1]);
      });
      assert.equal(innerTemp!.isDisposed, true);
      assert.equal(fromInner!.isDisposed, false);
    });
    assert.equal(fromInner!.isDisposed, true);
  });
  test("a throwing scope disposes everything it made and rethrows", () => {
    let made: T | null = null;
    assert.throws(
      () =>
        torch.scope(() => {
          made = torch.ones([1]);
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.equal(made!.isDisposed, true);
  });
  test("gradients read inside a scope are freed, the leaf's gradient stays", () => {
    const w = torch.ones([2], { requiresGrad: true });
    let g: T | null = null;
    torch.scope(() => {
      w.mul(2).sum().backward();
      g = w.grad;
      assert.deepEqual(g!.toArray(), [2, 2]);
    });
    assert.equal(g!.isDisposed, true);
    assert.deepEqual(w.grad!.toArray(), [2, 2]); // a fresh handle on the same gradient
    w.dispose();
  });
});
