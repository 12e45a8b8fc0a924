// nn.utils.getTotalNorm and clipGradsWithNorm_ (PyTorch 2.6+'s split of clip_grad_norm_), checked
// against PyTorch's arithmetic written out (the norm of the concatenated tensors; grads scaled by
// min(1, maxNorm / (total + 1e-6))), so the same test runs on every linked version.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { nn } from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { pyTorchSkipReason } from "./helpers/parity.js";

const shapes = [[3, 4], [5], [2, 2, 2]];
const values = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k) * (k + 1));

test("getTotalNorm and clipGradsWithNorm_ give PyTorch's numbers (norms 2, 1, 3, inf; foreach and not)", { skip: pyTorchSkipReason() }, () => {
  const data = shapes.map((s, k) => values(s.reduce((a, b) => a * b, 1), k));
  const py = runPython(`
import torch
ts = [torch.tensor(v, dtype=torch.float64).reshape(s) for v, s in zip(INPUT["data"], INPUT["shapes"])]
out = {}
for p in [2.0, 1.0, 3.0, float("inf")]:
    total = torch.linalg.vector_norm(torch.cat([t.flatten() for t in ts]), p)
    coef = torch.clamp(0.5 / (total + 1e-6), max=1.0)
    out[str(p)] = {"total": total.item(), "clipped": [(t * coef).flatten().tolist() for t in ts]}
OUTPUT = out
`, { data, shapes }) as Record<string, { total: number; clipped: number[][] }>;
  for (const [p, key] of [[2, "2.0"], [1, "1.0"], [3, "3.0"], [Infinity, "inf"]] as const) {
    for (const foreach of [true, false]) {
      torch.scope(() => {
        const params = data.map((v, k) => torch.tensor(v, { dtype: "float64" }).reshape(shapes[k]).requiresGrad_(true));
        params.forEach((q) => q.mul(q).mul(0.5).sum().backward()); // grad = the values themselves
        const total = nn.utils.getTotalNorm(params.map((q) => q.grad!), { normType: p, foreach });
        assert.equal(total.ndim, 0);
        assert.ok(Math.abs((total.item() as number) - py[key].total) < 1e-12, `norm ${p}: ${total.item()} vs ${py[key].total}`);
        nn.utils.clipGradsWithNorm_(params, 0.5, total, { foreach });
        params.forEach((q, k) => {
          const got = q.grad!.flatten().toArray() as number[];
          got.forEach((g, i) => assert.ok(Math.abs(g - py[key].clipped[k][i]) < 1e-12, `norm ${p} param ${k}[${i}]: ${g} vs ${py[key].clipped[k][i]}`));
        });
      });
    }
  }
});

test("getTotalNorm: one tensor, none, no gradient tracking, non-finite refused on request; clipGradsWithNorm_ checks its arguments", () => {
  torch.scope(() => {
    const x = torch.tensor([3, 4], { requiresGrad: true });
    const n = nn.utils.getTotalNorm(x);
    assert.equal(n.item(), 5);
    assert.equal(n.requiresGrad, false);
    assert.equal(nn.utils.getTotalNorm([]).item(), 0);
    assert.equal(nn.utils.getTotalNorm([torch.tensor([1, -2])], 1).item(), 3);
    assert.throws(() => nn.utils.getTotalNorm([torch.tensor([NaN])], { errorIfNonfinite: true }), /non-finite/);
    // below maxNorm the gradients stay as they are
    const p = torch.tensor([1, 2], { requiresGrad: true });
    p.sum().backward();
    nn.utils.clipGradsWithNorm_([p], 10, nn.utils.getTotalNorm([p.grad!]));
    assert.deepEqual(p.grad!.toArray(), [1, 1]);
    assert.throws(() => nn.utils.clipGradsWithNorm_([p], -1, n), /maxNorm must be a non-negative number/);
    assert.throws(() => nn.utils.clipGradsWithNorm_([p], 1, 5 as unknown as torch.Tensor), /totalNorm must be a Tensor/);
  });
});
