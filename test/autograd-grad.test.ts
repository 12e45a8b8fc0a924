// torch.autograd.grad / backward / tensor hooks / anomaly / forward AD against PyTorch (same libtorch
// version, /usr/bin/python3) and hand-computed values.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { ag } from "../src/autograd/native.js";

const { autograd } = torch;
const f64 = { dtype: "float64" as const };

function close(a: number[], b: number[], what: string, tol = 1e-10): void {
  assert.equal(a.length, b.length, `${what}: length`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: tstorch ${v} vs expected ${b[i]}`));
}
const flat = (t: torch.Tensor | null): number[] => (t === null ? [] : (t.reshape(-1).toArray() as number[]));

const X = [[0.3, -1.2, 0.7], [1.1, 0.4, -0.5]];
const W1 = [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2], [-0.3, 0.8, 0.6], [0.1, 0.1, -0.7]];
const W2 = [[0.9, -0.6, 0.4, 0.2]];
const py = runPython(`
import torch
x = torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
y = (x ** 3).sum()
g1, = torch.autograd.grad(y, x, create_graph=True)
g2, = torch.autograd.grad(g1.sum(), x, create_graph=True)
g3, = torch.autograd.grad(g2.sum(), x)
X = torch.tensor(INPUT["X"], dtype=torch.float64, requires_grad=True)
W1 = torch.tensor(INPUT["W1"], dtype=torch.float64, requires_grad=True)
W2 = torch.tensor(INPUT["W2"], dtype=torch.float64, requires_grad=True)
d = torch.tanh(X @ W1.t()) @ W2.t()
gx, = torch.autograd.grad(d.sum(), X, create_graph=True)
gp = ((gx.norm(2, dim=1) - 1) ** 2).mean()
gp.backward()
OUTPUT = {"g1": g1, "g2": g2, "g3": g3, "gp": gp.item(), "W1": W1.grad, "W2": W2.grad, "X": X.grad}
`, { X, W1, W2 }) as Record<string, any>;

test("grad with createGraph: first, second and third derivatives of x^3 equal PyTorch's", () => {
  torch.scope(() => {
    const x = torch.tensor([1.5, -2.0, 0.5], f64).requiresGrad_();
    const [g1] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    assert.ok(g1.requiresGrad, "createGraph keeps the first derivative differentiable");
    const [g2] = autograd.grad(g1.sum(), x, { createGraph: true });
    const [g3] = autograd.grad(g2.sum(), x);
    close(flat(g1), py.g1, "d/dx");
    close(flat(g2), py.g2, "d2/dx2");
    close(flat(g3), py.g3, "d3/dx3");
    close(flat(g3), [6, 6, 6], "d3/dx3 by hand");
    assert.equal(g3.requiresGrad, false);
  });
});

test("a gradient penalty (WGAN-GP) through createGraph gives PyTorch's weight gradients", () => {
  torch.scope(() => {
    const x = torch.tensor(X, f64).requiresGrad_();
    const w1 = torch.tensor(W1, f64).requiresGrad_();
    const w2 = torch.tensor(W2, f64).requiresGrad_();
    const d = x.matmul(w1.t()).tanh().matmul(w2.t());
    const [gx] = autograd.grad(d.sum(), x, { createGraph: true });
    const gp = gx.norm(2, 1).sub(1).pow(2).mean();
    gp.backward();
    close([gp.item()], [py.gp], "penalty");
    close(flat(w1.grad), py.W1.flat(), "W1.grad");
    close(flat(w2.grad), py.W2.flat(), "W2.grad");
    close(flat(x.grad), py.X.flat(), "X.grad");
  });
});

test("grad: gradOutputs, retainGraph, allowUnused, materializeGrads and their errors", () => {
  torch.scope(() => {
    const a = torch.tensor([1, 2, 3], f64).requiresGrad_();
    const b = torch.tensor([4, 5, 6], f64).requiresGrad_();
    const unused = torch.tensor([0.5], f64).requiresGrad_();
    const y = a.mul(b);
    const [ga, gb] = autograd.grad(y, [a, b], { gradOutputs: [torch.tensor([1, 10, 100], f64)], retainGraph: true });
    assert.deepEqual(ga.toArray(), [4, 50, 600]);
    assert.deepEqual(gb.toArray(), [1, 20, 300]);
    assert.throws(() => autograd.grad(y, a), /grad can be implicitly created only for scalar outputs/);
    assert.throws(() => autograd.grad(y.sum(), [a, unused], { retainGraph: true }), /appears to not have been used in the graph\. Pass \{ allowUnused: true \}/);
    const r = autograd.grad(y.sum(), [a, unused], { allowUnused: true, retainGraph: true });
    assert.equal(r[1], null);
    const m = autograd.grad(y.sum(), [a, unused], { materializeGrads: true });
    assert.deepEqual(m[1]!.toArray(), [0]);
    assert.throws(() => autograd.grad(y.sum(), a), /backward through the graph a second time.*Pass \{ retainGraph: true \}/s);
    assert.throws(() => autograd.grad(y.sum(), a, { gradOutputs: [null, null] }), /gradOutputs has 2 entries but there are 1 outputs/);
  });
});

test("backward: inputs limits accumulation, createGraph, and the errors of a tensor without grad", () => {
  torch.scope(() => {
    const a = torch.tensor([1, 2], f64).requiresGrad_();
    const b = torch.tensor([3, 4], f64).requiresGrad_();
    a.mul(b).sum().backward(undefined, { inputs: [a] });
    assert.deepEqual(a.grad!.toArray(), [3, 4]);
    assert.equal(b.grad, null, "b is not in inputs");
    autograd.backward([a.pow(2).sum(), b.sum()], null);
    assert.deepEqual(a.grad!.toArray(), [5, 8]);
    assert.deepEqual(b.grad!.toArray(), [1, 1]);
    const x = torch.tensor([2], f64).requiresGrad_();
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    assert.ok(g.requiresGrad, "createGraph makes .grad differentiable");
    const [gg] = autograd.grad(g.sum(), x);
    assert.deepEqual(gg.toArray(), [12]);
    assert.throws(() => torch.ones([2]).sum().backward(), /does not require grad/);
    assert.throws(() => a.mul(2).backward(), /needs a scalar/);
    assert.throws(() => a.sum().backward(undefined, { inputs: [] }), /'inputs' cannot be empty/);
  });
});

test("registerHook: replaces the gradient, returns nothing to observe, remove() stops it; retainGrad", () => {
  torch.scope(() => {
    const x = torch.tensor([1, 2], f64).requiresGrad_();
    const h = x.mul(3);
    const seen: number[][] = [];
    const obs = h.registerHook((g) => void seen.push(g.toArray() as number[]));
    const dbl = h.registerHook((g) => g.mul(2));
    h.retainGrad();
    assert.equal(h.retainsGrad, true);
    h.pow(2).sum().backward();
    assert.deepEqual(seen, [[6, 12]], "the hook sees dL/dh");
    assert.deepEqual(x.grad!.toArray(), [36, 72], "doubled before reaching x");
    assert.deepEqual(h.grad!.toArray(), [12, 24], "retainGrad keeps the hooked gradient (as PyTorch 1.13+)");
    dbl.remove();
    obs.remove();
    x.grad = null;
    const h2 = x.mul(3);
    const leafHook = x.registerHook((g) => g.add(1));
    h2.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [4, 4], "a hook on a leaf changes what accumulates");
    leafHook.remove();
    assert.throws(() => torch.ones([1]).registerHook((g) => g), /cannot register a hook on a tensor that doesn't require gradient/);
  });
});

test("a hook that returns a non-Tensor or throws fails backward() with that error", () => {
  torch.scope(() => {
    const x = torch.tensor([1, 2], f64).requiresGrad_();
    const y = x.mul(2);
    y.registerHook(() => 3 as never);
    assert.throws(() => y.sum().backward(), /a tensor hook must return a Tensor or nothing, got number/);
    const z = x.mul(2);
    class HookError extends Error {}
    z.registerHook(() => {
      throw new HookError("from the hook");
    });
    assert.throws(() => z.sum().backward(), (e: unknown) => e instanceof HookError && e.message === "from the hook");
  });
});

test("detectAnomaly names the forward op whose backward produced NaN", () => {
  torch.scope(() => {
    const x = torch.tensor([0, 1], f64).requiresGrad_();
    assert.equal(autograd.isAnomalyEnabled(), false);
    assert.throws(
      () => autograd.detectAnomaly(() => x.sqrt().mul(0).sum().backward()),
      /Function 'SqrtBackward0' returned nan values in its 0th output/,
    );
    assert.equal(autograd.isAnomalyEnabled(), false, "restored");
    autograd.setDetectAnomaly(true, false);
    assert.equal(autograd.isAnomalyEnabled(), true);
    assert.equal(autograd.isAnomalyCheckNanEnabled(), false);
    autograd.setDetectAnomaly(false);
  });
});

test("forwardAd: a dual tensor's tangent is J·v (sin: cos(x)·v), and unpackDual outside a level", () => {
  torch.scope(() => {
    const { forwardAd } = autograd;
    const x = torch.tensor([0.1, 0.7], f64);
    const v = torch.tensor([1, 2], f64);
    const t = forwardAd.dualLevel(() => {
      const d = forwardAd.makeDual(x, v);
      const y = d.sin().mul(d);
      const { primal, tangent } = forwardAd.unpackDual(y);
      close(flat(primal), flat(x.sin().mul(x)), "primal");
      return tangent!.clone();
    });
    // d/dx (x sin x) = sin x + x cos x
    close(flat(t), flat(x.sin().add(x.mul(x.cos())).mul(v)), "tangent");
    assert.equal(forwardAd.unpackDual(x).tangent, null);
    assert.throws(() => forwardAd.makeDual(x, v), /no dual level is active/);
  });
});

test("no JS callback outlives its tensors (hooks and Functions release their references)", () => {
  const before = ag.autogradLiveCallbacks();
  torch.scope(() => {
    const x = torch.tensor([1.0]).requiresGrad_();
    const y = x.mul(2);
    y.registerHook((g) => g);
    assert.equal(ag.autogradLiveCallbacks(), before + 1);
    y.sum().backward();
  });
  assert.equal(ag.autogradLiveCallbacks(), before, "disposing the tensors dropped the hook");
});
