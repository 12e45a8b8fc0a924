// torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against PyTorch's on the same
// functions and inputs, float64.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { runPython } from "./helpers/python.js";

const F = torch.autograd.functional;
const f64 = { dtype: "float64" as const };
const X = [0.4, -0.3, 1.2];
const Y = [[0.5, -1.0], [0.25, 2.0]];
const V3 = [1.0, -2.0, 0.5];

function close(a: unknown, b: unknown, what: string, tol = 1e-10): void {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  assert.equal(fa.length, fb.length, `${what}: element count`);
  fa.forEach((v, i) => assert.ok(Math.abs(v - fb[i]) <= tol * (1 + Math.abs(fb[i])), `${what}[${i}]: tstorch ${v} vs PyTorch ${fb[i]}`));
}
const arr = (t: Tensor | readonly Tensor[]): unknown => (Array.isArray(t) ? t.map((u) => u.toArray()) : (t as Tensor).toArray());

const py = runPython(`
import torch
from torch.autograd import functional as F
t = lambda v: torch.tensor(v, dtype=torch.float64)
x, y, v3 = t(INPUT["X"]), t(INPUT["Y"]), t(INPUT["V3"])
f = lambda x: x.sin() * x.pow(2)                  # R^3 -> R^3
g = lambda x, y: (x.exp().sum() * y, x.prod())     # (R^3, R^2x2) -> (R^2x2, R)
s = lambda x: (x.pow(3).sum() + x[0] * x[1]).reshape(())        # scalar
s2 = lambda x, y: (x.sin().sum() * y.pow(2).sum()).reshape(())
o = {}
o["jac_f"] = F.jacobian(f, x)
jg = F.jacobian(g, (x, y))
o["jac_g"] = [[jg[i][j] for j in range(2)] for i in range(2)]
o["hess_s"] = F.hessian(s, x)
hs2 = F.hessian(s2, (x, y))
o["hess_s2"] = [[hs2[i][j] for j in range(2)] for i in range(2)]
out, vj = F.vjp(f, x, v3); o["vjp"] = vj; o["vjp_out"] = out
out, jv = F.jvp(f, x, v3); o["jvp"] = jv
out, vh = F.vhp(s, x, v3); o["vhp"] = vh; o["vhp_out"] = out
out, hv = F.hvp(s, x, v3); o["hvp"] = hv
out, vh2 = F.vhp(s2, (x, y), (v3, torch.ones(2, 2, dtype=torch.float64))); o["vhp2"] = list(vh2)
# createGraph: the vjp stays differentiable
xr = x.clone().requires_grad_()
_, vj = F.vjp(f, xr, v3, create_graph=True)
o["vjp_cg_grad"] = torch.autograd.grad(vj.sum(), xr)[0]
try:
    F.vjp(lambda x, y: x * 2, (x, y), v3, strict=True)
except RuntimeError as e:
    o["strict_err"] = str(e)
OUTPUT = o
`, { X, Y, V3 }) as Record<string, any>;

const f = (x: Tensor) => x.sin().mul(x.pow(2));
const g = (x: Tensor, y: Tensor): Tensor[] => [y.mul(x.exp().sum()), x.prod()];
const s = (x: Tensor) => x.pow(3).sum().add(x.get(0).mul(x.get(1))).reshape([]);
const s2 = (x: Tensor, y: Tensor) => x.sin().sum().mul(y.pow(2).sum()).reshape([]);

test("jacobian of one and of several inputs and outputs, shapes and values as PyTorch's", () => {
  torch.scope(() => {
    const x = torch.tensor(X, f64);
    const y = torch.tensor(Y, f64);
    const jf = F.jacobian(f, x) as Tensor;
    assert.deepEqual(jf.shape, [3, 3]);
    close(jf.toArray(), py.jac_f, "jacobian(f)");
    const jg = F.jacobian(g, [x, y]) as Tensor[][];
    assert.deepEqual(jg[0][0].shape, [2, 2, 3]);
    assert.deepEqual(jg[0][1].shape, [2, 2, 2, 2]);
    assert.deepEqual(jg[1][0].shape, [3]);
    close(jg.map((r) => r.map((t) => t.toArray())), py.jac_g, "jacobian(g)");
    assert.equal(jf.requiresGrad, false, "detached without createGraph");
    assert.throws(() => F.jacobian(f, x, { vectorize: true }), /vectorize=true is not supported/);
  });
});

test("hessian of a scalar function of one and of two inputs as PyTorch's", () => {
  torch.scope(() => {
    const x = torch.tensor(X, f64);
    const y = torch.tensor(Y, f64);
    close((F.hessian(s, x) as Tensor).toArray(), py.hess_s, "hessian(s)");
    const h2 = F.hessian(s2, [x, y]) as Tensor[][];
    assert.deepEqual(h2[0][1].shape, [3, 2, 2]);
    close(h2.map((r) => r.map((t) => t.toArray())), py.hess_s2, "hessian(s2)");
    assert.throws(() => F.hessian(f, x), /The Tensor returned by the function given to hessian should contain a single element/);
  });
});

test("vjp, jvp, vhp, hvp as PyTorch's; createGraph keeps the result differentiable; strict mode errors", () => {
  torch.scope(() => {
    const x = torch.tensor(X, f64);
    const y = torch.tensor(Y, f64);
    const v3 = torch.tensor(V3, f64);
    const [out, vj] = F.vjp(f, x, v3);
    close(arr(out), py.vjp_out, "vjp output");
    close(arr(vj), py.vjp, "vjp");
    close(arr(F.jvp(f, x, v3)[1]), py.jvp, "jvp");
    const [so, vh] = F.vhp(s, x, v3);
    close(arr(so), py.vhp_out, "vhp output");
    close(arr(vh), py.vhp, "vhp");
    close(arr(F.hvp(s, x, v3)[1]), py.hvp, "hvp");
    close(arr(F.vhp(s2, [x, y], [v3, torch.ones([2, 2], f64)])[1]), py.vhp2, "vhp of two inputs");
    const xr = x.clone().requiresGrad_();
    const [, vjc] = F.vjp(f, xr, v3, { createGraph: true });
    close(torch.autograd.grad((vjc as Tensor).sum(), xr)[0].toArray(), py.vjp_cg_grad, "grad of vjp (createGraph)");
    assert.match(py.strict_err, /The output of the user-provided function is independent of input 1/);
    assert.throws(() => F.vjp((a: Tensor, _b: Tensor) => a.mul(2), [x, y], v3, { strict: true }),
      /The output of the user-provided function is independent of input 1\. This is not allowed in strict mode\./);
    const [, lax] = F.vjp((a: Tensor, _b: Tensor) => a.mul(2), [x, y], v3);
    assert.deepEqual((lax as Tensor[])[1].toArray(), [[0, 0], [0, 0]], "zeros without strict");
    assert.throws(() => F.vjp(f, x), /The vector v can only be None if the output is a single Tensor with a single element/);
  });
});
