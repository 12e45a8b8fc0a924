// The fast path's call below the Autograd layer (native/src/dispatch.cc, belowAutograd): taken only
// when no tensor argument has autograd metadata. Everything autograd does must be unchanged when any
// argument has some: requires_grad, hooks, forward-mode tangents, views whose base later requires
// grad, version-counter checks, grad mode. Against PyTorch (same libtorch) or hand-computed values.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const { autograd } = torch;
const f64 = { dtype: "float64" as const };
const flat = (t: torch.Tensor | null): number[] => (t === null ? [] : (t.reshape(-1).toArray() as number[]));

test("plain inputs: results as before, no grad; a requires-grad argument in either place gets its gradient", () => {
  torch.scope(() => {
    const a = torch.tensor([1, -2, 3], f64);
    const b = torch.tensor([0.5, 4, -1], f64);
    const r = a.add(b).mul(b).sub(a).relu().mul(0.5);
    assert.deepEqual(flat(r), [0, 5, 0]);
    const r2 = a.mul(b).add(b, 2);
    assert.deepEqual(flat(r2), [1.5, 0, -5]);
    assert.equal(r2.requiresGrad, false);
    assert.equal(r2.gradFn, null);
    const w = torch.tensor([2, 3, 4], { ...f64, requiresGrad: true });
    const y1 = a.mul(w);  // plain first, requires-grad second
    const y2 = w.add(a).mul(2);  // scalar form: wrapped number
    assert.equal(y1.requiresGrad, true);
    assert.equal(y2.gradFn, "MulBackward0");
    y1.add(y2).sum().backward();
    assert.deepEqual(flat(w.grad), [1 + 2, -2 + 2, 3 + 2]);
  });
});

test("a plain tensor that later gets requiresGrad_ takes part in autograd from then on", () => {
  torch.scope(() => {
    const x = torch.tensor([1, 2], f64);
    const before = x.mul(3);
    x.requiresGrad_();
    const after = x.mul(3);
    assert.equal(before.requiresGrad, false);
    assert.equal(after.requiresGrad, true);
    after.sum().backward();
    assert.deepEqual(flat(x.grad), [3, 3]);
  });
});

test("grad mode, retain_grad, hooks and the in-place version check see the same graph as in PyTorch", () => {
  torch.scope(() => {
    const w = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const c = torch.tensor([3, 4], f64);
    assert.equal(torch.noGrad(() => w.mul(c).requiresGrad), false);
    const mid = w.mul(c).retainGrad();
    let seen: number[] = [];
    w.registerHook((g) => { seen = flat(g); });
    mid.mul(c).sum().backward();
    assert.deepEqual(flat(mid.grad), [3, 4]);
    assert.deepEqual(seen, [9, 16]);
    const a = torch.tensor([1, 2], f64);
    const y = a.mul(w);  // saves a
    a.add_(1);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
  });
});

test("forward AD: a dual tensor with a plain one carries its tangent; plain ones in a level have none", () => {
  torch.scope(() => {
    const { forwardAd } = autograd;
    const x = torch.tensor([0.5, 2], f64);
    const v = torch.tensor([1, -1], f64);
    const c = torch.tensor([3, 5], f64);
    forwardAd.dualLevel(() => {
      const d = forwardAd.makeDual(x, v);
      assert.deepEqual(flat(forwardAd.unpackDual(c.mul(d).add(c)).tangent), [3, -5]);
      assert.deepEqual(flat(forwardAd.unpackDual(d.mul(2)).tangent), [2, -2]);
      assert.equal(forwardAd.unpackDual(c.mul(c)).tangent, null);
    });
  });
});

test("views of a plain tensor, an in-place op on a view of a leaf that then requires grad: as PyTorch", () => {
  const py = runPython(`
import torch
x = torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64)
v = x.t()
x.requires_grad_()
y = v.mul(2)
u = x.t()
z = u.mul(u)
z.sum().backward()
base = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
msg = ""
try:
    base[:2].add_(1)
except RuntimeError as e:
    msg = str(e)
OUTPUT = {"y": y.requires_grad, "z": z.requires_grad, "grad": x.grad.reshape(-1).tolist(), "leafView": "leaf Variable that requires grad" in msg}
`) as { y: boolean; z: boolean; grad: number[]; leafView: boolean };
  torch.scope(() => {
    const x = torch.tensor([[1, 2], [3, 4]], f64);
    const v = x.t();
    x.requiresGrad_();
    const y = v.mul(2);
    const u = x.t();
    const z = u.mul(u);
    z.sum().backward();
    assert.equal(y.requiresGrad, py.y);
    assert.equal(z.requiresGrad, py.z);
    assert.deepEqual(flat(x.grad), py.grad);
    const base = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    assert.equal(py.leafView, true);
    assert.throws(() => base.slice(0, 0, 2).add_(1), /leaf Variable that requires grad/);
  });
});
