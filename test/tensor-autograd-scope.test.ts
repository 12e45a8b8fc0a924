// Tensor basics, continued: autograd basics, the Scalar int/float rule, and scope().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { check } from "./helpers/tensor-checks.js";
import type { T } from "./helpers/tensor-checks.js";

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
