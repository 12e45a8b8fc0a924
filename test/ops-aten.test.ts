// torch.ops.aten.<op>: every registered operator by schema name, with overload resolution,
// keyword arguments and explicit overloads. Values and gradients are compared with PyTorch's own
// torch.ops.aten on the same data (one Python process, see test/helpers/parity.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { paritySuite, ParityCase } from "./helpers/parity.js";

const aten = torch.ops.aten;

const cases: ParityCase[] = [
  {
    op: "aten::cumsum", name: "dim 1",
    inputs: { x: { shape: [3, 5] } },
    ts: ({ x }) => aten.cumsum(x, 1),
    py: "torch.ops.aten.cumsum(x, 1)",
  },
  {
    op: "aten::cumsum", name: "keyword dtype float64",
    inputs: { x: { shape: [4, 3] } },
    ts: ({ x }) => aten.cumsum(x, 0, { dtype: "float64" }),
    py: "torch.ops.aten.cumsum(x, 0, dtype=torch.float64)",
  },
  {
    op: "aten::cumprod", name: "dim 1",
    inputs: { x: { shape: [3, 4], dist: { uniform: [0.5, 1.5] } } },
    ts: ({ x }) => aten.cumprod(x, 1),
    py: "torch.ops.aten.cumprod(x, 1)",
  },
  {
    op: "aten::topk", name: "k 3 (values and indices)",
    inputs: { x: { shape: [4, 6] } },
    ts: ({ x }) => aten.topk(x, 3),
    py: "torch.ops.aten.topk(x, 3)",
  },
  {
    op: "aten::topk", name: "k 2 smallest along dim 0, keyword largest",
    inputs: { x: { shape: [5, 3] } },
    ts: ({ x }) => aten.topk(x, 2, 0, { largest: false }),
    py: "torch.ops.aten.topk(x, 2, 0, largest=False)",
  },
  {
    op: "aten::gather", name: "dim 1",
    inputs: { x: { shape: [3, 5] }, i: { shape: [3, 2], dist: { int: [0, 5] } } },
    ts: ({ x, i }) => aten.gather(x, 1, i),
    py: "torch.ops.aten.gather(x, 1, i)",
  },
  {
    op: "aten::trace", name: "square matrix",
    inputs: { m: { shape: [4, 4] } },
    ts: ({ m }) => aten.trace(m),
    py: "torch.ops.aten.trace(m)",
  },
  {
    op: "aten::sum", name: "keyword keepdim",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => aten.sum(x, [1], { keepdim: true }),
    py: "torch.ops.aten.sum(x, [1], keepdim=True)",
  },
  {
    op: "aten::add.Tensor", name: "explicit overload, keyword alpha",
    inputs: { a: { shape: [2, 3] }, b: { shape: [3] } },
    ts: ({ a, b }) => aten.add.Tensor(a, b, { alpha: 2 }),
    py: "torch.ops.aten.add.Tensor(a, b, alpha=2)",
  },
  {
    op: "aten::add.Scalar", name: "explicit Scalar overload",
    inputs: { a: { shape: [2, 3] } },
    ts: ({ a }) => aten.add.Scalar(a, 1.5),
    py: "torch.ops.aten.add.Scalar(a, 1.5)",
  },
  {
    op: "aten::kthvalue", name: "2nd smallest along dim 1",
    inputs: { x: { shape: [3, 5] } },
    ts: ({ x }) => aten.kthvalue(x, 2, 1),
    py: "torch.ops.aten.kthvalue(x, 2, 1)",
  },
  {
    op: "aten::cummax", name: "dim 1",
    inputs: { x: { shape: [3, 5] } },
    ts: ({ x }) => aten.cummax(x, 1),
    py: "torch.ops.aten.cummax(x, 1)",
  },
  {
    op: "aten::logcumsumexp", name: "dim 0",
    inputs: { x: { shape: [4, 3] } },
    ts: ({ x }) => aten.logcumsumexp(x, 0),
    py: "torch.ops.aten.logcumsumexp(x, 0)",
  },
  {
    op: "aten::tril", name: "diagonal -1",
    inputs: { m: { shape: [4, 5] } },
    ts: ({ m }) => aten.tril(m, -1),
    py: "torch.ops.aten.tril(m, -1)",
  },
  {
    op: "aten::roll", name: "shifts [1,-2] over dims [0,1]",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => aten.roll(x, [1, -2], [0, 1]),
    py: "torch.ops.aten.roll(x, [1, -2], [0, 1])",
  },
  {
    op: "aten::addmm", name: "keyword beta and alpha",
    inputs: { c: { shape: [3] }, a: { shape: [2, 4] }, b: { shape: [4, 3] } },
    ts: ({ c, a, b }) => aten.addmm(c, a, b, { beta: 0.5, alpha: 2 }),
    py: "torch.ops.aten.addmm(c, a, b, beta=0.5, alpha=2)",
  },
  {
    op: "aten::where", name: "overload resolution with a Scalar branch",
    inputs: { c: { shape: [3, 4], dist: "bool" }, x: { shape: [3, 4] } },
    ts: ({ c, x }) => aten.where(c, x, 0.5),
    py: "torch.ops.aten.where(c, x, 0.5)",
  },
];

paritySuite("torch.ops.aten against PyTorch's torch.ops.aten", cases);

describe("torch.ops.aten calling conventions", () => {
  test("keyword arguments by schema name: { keepdim: true }", () => {
    torch.scope(() => {
      const x = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32" });
      const k = aten.sum(x, [1], { keepdim: true }) as torch.Tensor;
      assert.deepEqual(k.shape, [2, 1]);
      assert.deepEqual(k.toArray(), [[6], [15]]);
      const d = aten.sum(x, [1]) as torch.Tensor;
      assert.deepEqual(d.shape, [2]);
      // keyword dim as well as keepdim
      assert.deepEqual((aten.amax(x, { dim: [0], keepdim: true }) as torch.Tensor).toArray(), [[4, 5, 6]]);
    });
  });

  test("overload resolution picks by argument types (Tensor vs Scalar)", () => {
    torch.scope(() => {
      const a = torch.tensor([1.5, 2.5]);
      assert.deepEqual((aten.add(a, a) as torch.Tensor).toArray(), [3, 5]);
      assert.deepEqual((aten.add(a, 1) as torch.Tensor).toArray(), [2.5, 3.5]);
      assert.deepEqual((aten.mul(torch.tensor([1n, 2n]), 2) as torch.Tensor).dtype, "int64");
      assert.deepEqual((aten.mul(torch.tensor([1n, 2n]), torch.scalar(2)) as torch.Tensor).dtype, "float32");
    });
  });

  test("explicit overloads: add.Tensor, add.Scalar, trace.default", () => {
    torch.scope(() => {
      const a = torch.tensor([1.5, 2.5]);
      const b = torch.tensor([10, 20], { dtype: "float32" });
      assert.deepEqual((aten.add.Tensor(a, b) as torch.Tensor).toArray(), [11.5, 22.5]);
      assert.deepEqual((aten.add.Tensor(a, b, { alpha: -1 }) as torch.Tensor).toArray(), [-8.5, -17.5]);
      assert.deepEqual((aten.add.Scalar(a, 2) as torch.Tensor).toArray(), [3.5, 4.5]);
      assert.equal((aten.trace.default(torch.eye(3)) as torch.Tensor).item(), 3);
      // an explicit overload does not fall back to another one
      // @ts-expect-error a Tensor where the Scalar overload wants a number
      assert.throws(() => aten.add.Scalar(a, b), /aten::add\.Scalar: argument 'other' must be Scalar, not Tensor\[2\] float32/);
    });
  });

  test("multiple and non-tensor returns", () => {
    torch.scope(() => {
      const x = torch.tensor([[3, 1, 2], [0, 5, 4]], { dtype: "float32" });
      const [values, indices] = aten.topk(x, 1) as torch.Tensor[];
      assert.deepEqual(values.toArray(), [[3], [5]]);
      assert.deepEqual(indices.toArray(), [[0], [1]]);
      assert.equal(indices.dtype, "int64");
      assert.equal(aten.is_floating_point(x), true);
      assert.equal(aten.is_floating_point(indices), false);
      assert.equal(aten._local_scalar_dense(torch.tensor(7)), 7);
    });
  });

  test("aten ops record autograd like typed calls", () => {
    torch.scope(() => {
      const x = torch.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
      const y = aten.cumprod(x, 0) as torch.Tensor; // [1, 2, 6]
      (aten.sum(y) as torch.Tensor).backward();
      // d/dx (x0 + x0 x1 + x0 x1 x2) = [1 + x1 + x1 x2, x0 + x0 x2, x0 x1]
      assert.deepEqual(x.grad!.toArray(), [9, 4, 2]);
    });
  });

  test("an unknown operator gives a clear error", () => {
    // @ts-expect-error not an operator
    assert.throws(() => aten.definitely_not_an_op(torch.ones([1])), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /unknown operator aten::definitely_not_an_op/);
      return true;
    });
    assert.throws(() => (torch.ops.nosuchns as Record<string, () => unknown>).foo(), /unknown operator nosuchns::foo/);
    // the process carries on
    assert.deepEqual((aten.cumsum(torch.tensor([1, 2, 3]), 0) as torch.Tensor).toArray(), [1, 3, 6]);
  });

  test("an unknown overload gives a clear error", () => {
    // @ts-expect-error not an overload
    assert.throws(() => aten.add.NoSuchOverload(torch.ones([1]), torch.ones([1])), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /unknown overload aten::add\.NoSuchOverload/);
      assert.match(e.message, /Tensor/); // lists the overloads there are
      return true;
    });
  });

  test("arguments matching no overload list the candidate schemas", () => {
    const x = torch.ones([2, 3]);
    try {
      assert.throws(() => aten.cumsum(x, 1.5), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /aten::cumsum\(Tensor\[2,3\] float32, number 1.5\) matches no overload/);
        assert.match(e.message, /aten::cumsum\(Tensor self, int dim, \*, ScalarType\? dtype=…\): argument 'dim' must be int, not number 1.5/);
        return true;
      });
      // @ts-expect-error a boolean for an int
      assert.throws(() => aten.cumsum(x, true), /aten::cumsum\(Tensor\[2,3\] float32, boolean true\) matches no overload/);
      // a missing required argument
      // @ts-expect-error the index is missing
      assert.throws(() => aten.gather(x, 1), /aten::gather\(.*\) matches no overload.*missing value for argument 'index'/s);
      // an unknown keyword
      // @ts-expect-error keepdims is not an argument
      assert.throws(() => aten.sum(x, [1], { keepdims: true }), /aten::sum\(.*\) matches no overload.*has no argument 'keepdims'/s);
      // too many positional arguments
      // @ts-expect-error too many arguments
      assert.throws(() => aten.trace(x, 1, 2), /aten::trace\(.*\) matches no overload.*takes 1 arguments, got 3/s);
      // libtorch's own checks surface as JS Errors with its message
      assert.throws(() => aten.mm(x, torch.ones([4, 5])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
      // and the process keeps running
      assert.equal((aten.sum(x) as torch.Tensor).item(), 6);
    } finally {
      x.dispose();
    }
  });

  test("every ATen operator of the linked libtorch is reachable by name, with each of its overloads", () => {
    const untyped = aten as unknown as Record<string, ((...a: unknown[]) => unknown) & Record<string, unknown>>;
    const names = new Map<string, string[]>();
    for (const s of torch.listOps("aten::")) {
      const [name, overload = "default"] = s.slice(6, s.indexOf("(")).split(".");
      names.set(name, [...(names.get(name) ?? []), overload]);
    }
    assert.ok(names.size > 1000, `only ${names.size} operators`);
    for (const [name, overloads] of names) {
      assert.equal(typeof untyped[name], "function", name);
      for (const o of overloads) assert.equal(typeof untyped[name][o], "function", `${name}.${o}`);
    }
  });

  test("operators newer than 1.13 resolve where the linked libtorch has them (aten::rms_norm), else fail naming the version", () => {
    const untyped = aten as unknown as Record<string, (...a: unknown[]) => torch.Tensor>;
    const x = torch.arange(8, { dtype: "float32" }).sub(3).reshape(2, 4);
    if (!torch.listOps().some((s) => s.startsWith("aten::rms_norm("))) {
      assert.match(torch.versions().libtorch, /^1\./);
      assert.throws(() => untyped.rms_norm(x, [4], null, 1e-6), /unknown operator aten::rms_norm \(not in the linked libtorch 1\./);
      return;
    }
    // x / sqrt(mean(x^2) + eps) per row: rows [-3, -2, -1, 0] (mean square 3.5) and [1, 2, 3, 4] (7.5)
    const y = untyped.rms_norm(x, [4], null, 1e-6).toArray() as number[][];
    const expected = [[-3, -2, -1, 0].map((v) => v / Math.sqrt(3.5 + 1e-6)), [1, 2, 3, 4].map((v) => v / Math.sqrt(7.5 + 1e-6))];
    y.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-6, `${v} vs ${expected.flat()[i]}`));
  });

  test("listOps lists schemas", () => {
    const all = torch.listOps();
    assert.ok(all.length > 1000, `only ${all.length} schemas`);
    assert.ok(all.some((s) => s.startsWith("aten::cumsum(Tensor self, int dim")), "aten::cumsum is listed");
    assert.ok(all.includes("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=…)"));
  });
});
