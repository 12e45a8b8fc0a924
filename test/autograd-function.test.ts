// Custom autograd Functions (torch.autograd.Function) against the same Functions in PyTorch, gradcheck
// and gradgradcheck, ctx's features and errors, and Functions used from worker threads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { MIX_DERIVATIVES_PY, MIX_PY, Mix, XS, YS, mixDerivatives } from "./helpers/mix-function.js";

const { autograd } = torch;
type Ctx = torch.autograd.FunctionCtx;
const f64 = { dtype: "float64" as const };

function close(a: number[], b: number[], what: string, tol = 1e-12): void {
  assert.equal(a.length, b.length, `${what}: length`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: tstorch ${v} vs PyTorch ${b[i]}`));
}
function closeAll(got: Record<string, number[]>, want: Record<string, number[]>, what: string): void {
  for (const k of Object.keys(want)) close(got[k], want[k], `${what} ${k}`);
}

const PY = runPython(MIX_PY + MIX_DERIVATIVES_PY + `
OUTPUT = {"sin": mix_derivatives(1.5, "sin"), "cos": mix_derivatives(-0.5, "cos")}
x = torch.tensor(INPUT["xs"], dtype=torch.float64, requires_grad=True)
y = torch.tensor(INPUT["ys"], dtype=torch.float64, requires_grad=True)
OUTPUT["gradcheck"] = torch.autograd.gradcheck(lambda x, y: Mix.apply(x, y, 1.5, "sin"), (x, y))
OUTPUT["gradgradcheck"] = torch.autograd.gradgradcheck(lambda x, y: Mix.apply(x, y, 1.5, "sin"), (x, y))
`, { xs: XS, ys: YS }) as Record<string, any>;

test("a Function with two tensor inputs, two non-tensor arguments and two outputs gives PyTorch's first and second derivatives", () => {
  closeAll(mixDerivatives(1.5, "sin"), PY.sin, "sin");
  closeAll(mixDerivatives(-0.5, "cos"), PY.cos, "cos");
  torch.scope(() => {
    const x = torch.tensor(XS, f64).requiresGrad_();
    const [a, b] = Mix.apply(x, torch.tensor(YS, f64), 1.5, "sin");
    assert.equal(a.gradFn, "MixBackward");
    assert.equal(b.gradFn, "MixBackward");
    a.sum().add(b.sum()).backward();
    assert.ok(x.grad !== null);
  });
});

test("gradcheck and gradgradcheck pass for it (as PyTorch's do), and gradcheck catches a wrong backward", () => {
  assert.equal(PY.gradcheck, true);
  assert.equal(PY.gradgradcheck, true);
  torch.scope(() => {
    const x = torch.tensor(XS, f64).requiresGrad_();
    const y = torch.tensor(YS, f64).requiresGrad_();
    const f = (x: Tensor, y: Tensor) => Mix.apply(x, y, 1.5, "sin");
    assert.equal(autograd.gradcheck(f, [x, y]), true);
    assert.equal(autograd.gradgradcheck(f, [x, y]), true);
    class Wrong extends autograd.Function {
      static override forward(_ctx: Ctx, x: Tensor) { return x.pow(2); }
      static override backward(_ctx: Ctx, g: Tensor) { return g.mul(3); }
    }
    assert.throws(() => autograd.gradcheck((x: Tensor) => Wrong.apply(x), [x]), (e: unknown) =>
      e instanceof autograd.GradcheckError && /^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor\(\[\[0\.6000, 0\.0000/.test((e as Error).message));
    assert.equal(autograd.gradcheck((x: Tensor) => Wrong.apply(x), [x], { raiseException: false }), false);
  });
});

test("it works under torch.autograd.grad(..., { createGraph: true }) when backward itself is a Function", () => {
  // a Function whose backward uses another Function: double backward goes through both
  class Cube extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) { ctx.saveForBackward(x); return x.pow(3); }
    static override backward(ctx: Ctx, g: Tensor) { const [x] = ctx.savedTensors as Tensor[]; return g.mul(Square3.apply(x)); }
  }
  class Square3 extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) { ctx.saveForBackward(x); return x.pow(2).mul(3); }
    static override backward(ctx: Ctx, g: Tensor) { const [x] = ctx.savedTensors as Tensor[]; return g.mul(x).mul(6); }
  }
  torch.scope(() => {
    const x = torch.tensor([1.5, -2], f64).requiresGrad_();
    const [g1] = autograd.grad(Cube.apply(x).sum(), x, { createGraph: true });
    assert.equal(g1.gradFn, "MulBackward0");
    const [g2] = autograd.grad(g1.sum(), x);
    assert.deepEqual(g1.toArray(), [6.75, 12]);
    assert.deepEqual(g2.toArray(), [9, -12]);
  });
});

test("saving an output, markDirty, markNonDifferentiable, setMaterializeGrads and needsInputGrad behave as PyTorch's", () => {
  const py = runPython(`
import torch
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp(); ctx.save_for_backward(y); return y
    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors; return g * y
x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
y = Exp.apply(x)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)
OUTPUT = {"g": g, "gg": gg}
`) as Record<string, number[]>;
  class Exp extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
    static override backward(ctx: Ctx, g: Tensor) { const [y] = ctx.savedTensors as Tensor[]; return g.mul(y); }
  }
  class AddOne_ extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) { x.add_(1); ctx.markDirty(x); return x; }
    static override backward(_ctx: Ctx, g: Tensor) { return g; }
  }
  class SortIdx extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) {
      const { values, indices } = x.sort();
      ctx.markNonDifferentiable(indices);
      ctx.saveForBackward(indices);
      return [values, indices];
    }
    static override backward(ctx: Ctx, g: Tensor, gIdx: Tensor | null) {
      ctx.seenIdxGrad = gIdx === null ? "null" : (gIdx.toArray() as number[]).join(",");
      const [idx] = ctx.savedTensors as Tensor[];
      return torch.zerosLike(g).scatter(0, idx, g);
    }
  }
  torch.scope(() => {
    const x = torch.tensor([0.5, -1.0], f64).requiresGrad_();
    const [g] = autograd.grad(Exp.apply(x).sum(), x, { createGraph: true });
    const [gg] = autograd.grad(g.sum(), x);
    close(g.toArray() as number[], py.g, "Exp grad (saved output)");
    close(gg.toArray() as number[], py.gg, "Exp double backward");

    const leaf = torch.tensor([1, 2], f64).requiresGrad_();
    const z = leaf.mul(1);
    const r = AddOne_.apply(z);
    assert.equal(r, z, "a dirty input comes back as the same tensor");
    assert.deepEqual(z.toArray(), [2, 3]);
    assert.equal(z.gradFn, "AddOne_Backward");
    z.mul(2).sum().backward();
    assert.deepEqual(leaf.grad!.toArray(), [2, 2]);
    assert.throws(() => AddOne_.apply(leaf), /a leaf Variable that requires grad has been used in an in-place operation/);

    const v = torch.tensor([3, 1, 2], f64).requiresGrad_();
    const seen: Ctx[] = [];
    class SortIdxSpy extends SortIdx {
      static override backward(ctx: Ctx, g: Tensor, gIdx: Tensor | null) { seen.push(ctx); return super.backward(ctx, g, gIdx); }
    }
    const [vals, idx] = SortIdxSpy.apply(v);
    assert.equal(idx.requiresGrad, false);
    vals.mul(torch.tensor([1, 10, 100], f64)).sum().backward();
    assert.deepEqual(v.grad!.toArray(), [100, 1, 10]);
    assert.equal(seen[0].seenIdxGrad, "0,0,0", "materialized: zeros for the unused output");

    class TwoOut extends autograd.Function {
      static override forward(ctx: Ctx, x: Tensor, y: Tensor) { ctx.setMaterializeGrads(false); ctx.needs = ctx.needsInputGrad.join(","); return [x.mul(2), x.mul(3)]; }
      static override backward(ctx: Ctx, g0: Tensor | null, g1: Tensor | null) {
        ctx.got = `${g0 === null ? "null" : "t"},${g1 === null ? "null" : "t"}`;
        return [g0 === null ? null : g0.mul(2), null];
      }
    }
    const seen2: Ctx[] = [];
    class TwoOutSpy extends TwoOut {
      static override backward(ctx: Ctx, g0: Tensor | null, g1: Tensor | null) { seen2.push(ctx); return super.backward(ctx, g0, g1); }
    }
    const w = torch.tensor([1], f64).requiresGrad_();
    const [o0] = TwoOutSpy.apply(w, torch.tensor([1], f64));
    o0.sum().backward();
    assert.equal(seen2[0].needs, "true,false");
    assert.equal(seen2[0].got, "t,null");
    assert.deepEqual(w.grad!.toArray(), [2]);
  });
});

test("errors: wrong gradient count, a gradient for a non-tensor, a JS exception in backward, savedTensors outside backward", () => {
  class TooFew extends autograd.Function {
    static override forward(_ctx: Ctx, x: Tensor, _k: number) { return x.mul(2); }
    static override backward(_ctx: Ctx, g: Tensor) { return g; }
  }
  class GradForNumber extends autograd.Function {
    static override forward(_ctx: Ctx, x: Tensor, _k: number) { return x.mul(2); }
    static override backward(_ctx: Ctx, g: Tensor) { return [g, g]; }
  }
  class Throws extends autograd.Function {
    static override forward(ctx: Ctx, x: Tensor) { ctx.saveForBackward(x); return x.mul(2); }
    static override backward(_ctx: Ctx, _g: Tensor): Tensor { throw new RangeError("backward failed on purpose"); }
  }
  class NoTensor extends autograd.Function {
    static override forward(_ctx: Ctx, _x: Tensor) { return 3 as unknown as Tensor; }
  }
  torch.scope(() => {
    const x = torch.tensor([1, 2], f64).requiresGrad_();
    assert.throws(() => TooFew.apply(x, 3).sum().backward(), /function TooFewBackward returned an incorrect number of gradients \(expected 2, got 1\)/);
    assert.throws(() => GradForNumber.apply(x, 3).sum().backward(),
      /function GradForNumberBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable/);
    assert.throws(() => Throws.apply(x).sum().backward(), (e: unknown) => e instanceof RangeError && e.message === "backward failed on purpose");
    assert.throws(() => autograd.grad(Throws.apply(x).sum(), x), RangeError);
    // the engine is usable after a failed backward, and a Function's saved tensors are freed by one
    class Sq extends autograd.Function {
      static override forward(ctx: Ctx, x: Tensor) { ctx.saveForBackward(x); return x.pow(2); }
      static override backward(ctx: Ctx, g: Tensor) { return g.mul((ctx.savedTensors[0] as Tensor).mul(2)); }
    }
    const s = Sq.apply(x).sum();
    s.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4]);
    assert.throws(() => s.backward(), /Trying to backward through the graph a second time/);
  });
  assert.throws(() => torch.scope(() => NoTensor.apply(torch.ones([1]))), /NoTensor\.forward must return a Tensor or an array of Tensors/);
  assert.throws(() => new autograd.FunctionCtx().savedTensors, /ctx\.savedTensors can only be read in backward/);
});

// A worker thread: builds a graph through Mix, differentiates twice, runs gradcheck, and checks that a JS
// error thrown in backward reaches its backward() call; it posts the derivatives.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  try {
    const torch = await import(workerData.index);
    const { Mix, mixDerivatives } = await import(workerData.mix);
    const out = [];
    for (let i = 0; i < workerData.rounds; i++) out.push(mixDerivatives(workerData.alpha, workerData.mode));
    const x = torch.tensor([0.3, -1.1], { dtype: "float64" }).requiresGrad_();
    const y = torch.tensor([1.2, 0.5], { dtype: "float64" }).requiresGrad_();
    const gc = torch.autograd.gradcheck((x, y) => Mix.apply(x, y, workerData.alpha, workerData.mode), [x, y]);
    class Boom extends torch.autograd.Function {
      static forward(ctx, x) { return x.mul(2); }
      static backward() { throw new Error("boom in worker " + workerData.k); }
    }
    let caught = null;
    try { Boom.apply(x).sum().backward(); } catch (e) { caught = e.message; }
    parentPort.postMessage({ ok: true, d: out[out.length - 1], gc, caught });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
})();
`;

function runWorker(data: Record<string, unknown>): Promise<any> {
  return new Promise((resolve) => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: {
        ...data,
        index: new URL("../src/index.js", import.meta.url).href,
        mix: new URL("./helpers/mix-function.js", import.meta.url).href,
      },
    });
    let msg: any = null;
    w.on("message", (m) => (msg = m));
    w.on("error", (e) => (msg = { ok: false, error: String(e) }));
    w.on("exit", (code) => resolve(msg ?? { ok: false, error: `worker exited ${code} without a result` }));
  });
}

test("the Function works in worker threads, four at once, each with its own graph (PyTorch's derivatives, gradcheck, errors)", async () => {
  const jobs = [0, 1, 2, 3].map((k) =>
    runWorker({ k, rounds: 5, alpha: k % 2 === 0 ? 1.5 : -0.5, mode: k % 2 === 0 ? "sin" : "cos" }),
  );
  // the main thread differentiates through the same Function meanwhile
  for (let i = 0; i < 5; i++) closeAll(mixDerivatives(1.5, "sin"), PY.sin, "main thread");
  const results = await Promise.all(jobs);
  results.forEach((r, k) => {
    assert.ok(r.ok, `worker ${k}: ${r.error}`);
    closeAll(r.d, k % 2 === 0 ? PY.sin : PY.cos, `worker ${k}`);
    assert.equal(r.gc, true, `worker ${k}: gradcheck`);
    assert.equal(r.caught, `boom in worker ${k}`);
  });
});
