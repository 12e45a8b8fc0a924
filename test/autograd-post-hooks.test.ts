// PyTorch 2.x's autograd additions: Tensor.registerPostAccumulateGradHook (libtorch >= 2.1),
// torch.autograd.setMultithreadingEnabled (>= 2.0) and torch.autograd.enforceGradLayoutPolicy (a 2026
// release; 2.14 has it). Where the PyTorch beside the linked libtorch has the name (2.14 in the forky
// matrix root), tstorch is compared with it; where it lacks it (1.13 on the host), tstorch must throw
// an error naming the libtorch it needs. What is available is decided by that PyTorch, so the test
// fails if a build that should have a name throws, or one that should not quietly answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const { autograd } = torch;
const f64 = { dtype: "float64" as const };
const list = (t: torch.Tensor | null): number[] => (t === null ? [] : (t.reshape(-1).toArray() as number[]));

const PY = runPython(`
import torch, threading
OUTPUT = {"version": torch.__version__.split("+")[0],
          "post": hasattr(torch.Tensor, "register_post_accumulate_grad_hook"),
          "mt": hasattr(torch.autograd, "set_multithreading_enabled"),
          "layout": hasattr(torch.autograd, "enforce_grad_layout_policy")}
if OUTPUT["post"]:
    ev = []
    x = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
    x.register_hook(lambda g: ev.append(["pre", g.tolist(), None if x.grad is None else x.grad.tolist()]))
    h1 = x.register_post_accumulate_grad_hook(lambda p: ev.append(["post1", p.grad.tolist()]))
    x.register_post_accumulate_grad_hook(lambda p: ev.append(["post2", p.grad.tolist()]))
    (x * x + 3 * x).sum().backward()   # x reaches the loss by two paths: one accumulation, one call each
    h1.remove()
    (x * x).sum().backward()
    OUTPUT["events"] = ev
    v = torch.tensor([0., 0., 0.], dtype=torch.float64, requires_grad=True)
    v.register_post_accumulate_grad_hook(lambda p: p.add_(p.grad, alpha=-0.01))
    v.backward(torch.tensor([1., 2., 3.], dtype=torch.float64))
    OUTPUT["sgd"] = v
    errs = []
    for make in (lambda: torch.ones(2, requires_grad=True) * 2, lambda: torch.ones(2)):
        try: make().register_post_accumulate_grad_hook(lambda p: None)
        except RuntimeError as e: errs.append(str(e))
    OUTPUT["errors"] = errs
if OUTPUT["mt"]:
    seen = [torch._C._is_multithreading_enabled()]
    with torch.autograd.set_multithreading_enabled(False):
        seen.append(torch._C._is_multithreading_enabled())
        other = []
        t = threading.Thread(target=lambda: other.append(torch._C._is_multithreading_enabled())); t.start(); t.join()
        seen.append(other[0])
    seen.append(torch._C._is_multithreading_enabled())
    OUTPUT["mtSeen"] = seen
if OUTPUT["layout"]:
    def run(enable):
        p = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4).permute(2, 0, 1).requires_grad_()
        with torch.autograd.enforce_grad_layout_policy(enable):
            (p * 2).sum().backward()
        return {"stride": list(p.grad.stride()), "grad": p.grad}
    OUTPUT["layoutOn"] = run(True)
    OUTPUT["layoutOff"] = run(False)
    seen = [torch._C._is_grad_layout_enforcement_enabled()]
    torch.autograd.enforce_grad_layout_policy(False); seen.append(torch._C._is_grad_layout_enforcement_enabled())
    torch.autograd.enforce_grad_layout_policy(); seen.append(torch._C._is_grad_layout_enforcement_enabled())
    OUTPUT["layoutSeen"] = seen
`) as Record<string, any>;

const linked = torch.versions().libtorch;
test("the PyTorch the tests compare with is the linked libtorch's version", () => {
  assert.equal(PY.version.split(".").slice(0, 2).join("."), linked.split(".").slice(0, 2).join("."),
    `PyTorch ${PY.version} beside libtorch ${linked}: availability below would be compared with the wrong release`);
});

// The error a build without the API must give: the name, the libtorch it needs, the one it links.
function assertNeeds(fn: () => unknown, name: string, needs: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, new RegExp(name));
    assert.match(e.message, needs);
    assert.ok(e.message.includes(`this build links libtorch ${linked}`), e.message);
    return true;
  });
}

test("registerPostAccumulateGradHook: PyTorch's order and count of calls, the .grad each sees, and remove()", () => {
  const x = torch.tensor([1, 2, 3], f64).requiresGrad_();
  if (!PY.post) {
    assertNeeds(() => x.registerPostAccumulateGradHook(() => {}), "registerPostAccumulateGradHook", /libtorch 2\.1 or later/);
    return;
  }
  const ev: unknown[] = [];
  x.registerHook((g) => void ev.push(["pre", list(g), x.grad === null ? null : list(x.grad)]));
  const h1 = x.registerPostAccumulateGradHook((p) => void ev.push(["post1", list(p.grad)]));
  x.registerPostAccumulateGradHook((p) => void ev.push(["post2", list(p.grad)]));
  torch.scope(() => x.mul(x).add(x.mul(3)).sum().backward());
  h1.remove();
  h1.remove(); // twice is harmless, as PyTorch's RemovableHandle
  torch.scope(() => x.mul(x).sum().backward());
  assert.deepEqual(ev, PY.events);
  // by hand: d/dx (x^2 + 3x) = 2x + 3 = [5, 7, 9]; then + 2x = [7, 11, 15]
  assert.deepEqual(ev, [["pre", [5, 7, 9], null], ["post1", [5, 7, 9]], ["post2", [5, 7, 9]],
    ["pre", [2, 4, 6], [5, 7, 9]], ["post2", [7, 11, 15]]]);
});

test("registerPostAccumulateGradHook: the hook gets the leaf itself, in no-grad mode (PyTorch's SGD-step example)", () => {
  const v = torch.tensor([0, 0, 0], f64).requiresGrad_();
  if (!PY.post) {
    assertNeeds(() => v.registerPostAccumulateGradHook(() => {}), "registerPostAccumulateGradHook", /libtorch 2\.1 or later/);
    return;
  }
  let gradMode: boolean | null = null;
  v.registerPostAccumulateGradHook((p) => {
    gradMode = torch.isGradEnabled();
    p.add_(p.grad!, -0.01); // in place on a leaf that requires grad: legal only without grad mode
  });
  v.backward(torch.tensor([1, 2, 3], f64));
  assert.equal(gradMode, false);
  assert.deepEqual(list(v), PY.sgd);
  assert.deepEqual(list(v), [-0.01, -0.02, -0.03]);
});

test("registerPostAccumulateGradHook: PyTorch's errors for a non-leaf and for a tensor without grad, and for a returned value", () => {
  if (!PY.post) {
    assertNeeds(() => torch.ones([2]).registerPostAccumulateGradHook(() => {}), "registerPostAccumulateGradHook", /libtorch 2\.1 or later/);
    return;
  }
  const errors: string[] = [];
  for (const make of [() => torch.ones([2]).requiresGrad_().mul(2), () => torch.ones([2])]) {
    try {
      make().registerPostAccumulateGradHook(() => {});
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  assert.deepEqual(errors, PY.errors);
  const x = torch.ones([2]).requiresGrad_();
  let calls = 0;
  x.registerPostAccumulateGradHook(() => void calls++);
  x.registerPostAccumulateGradHook(((p: torch.Tensor) => p.grad) as unknown as (p: torch.Tensor) => void);
  assert.throws(() => x.mul(x).sum().backward(), /post accumulate grad hooks should return None/);
  assert.equal(calls, 1, "every hook ran before the error");
  // a hook's own exception reaches the backward() that ran it, as that value
  const y = torch.ones([2]).requiresGrad_();
  const boom = new RangeError("from the hook");
  y.registerPostAccumulateGradHook(() => {
    throw boom;
  });
  assert.throws(() => y.sum().backward(), (e) => e === boom);
  assert.throws(() => y.registerPostAccumulateGradHook(42 as never), /expects a function/);
});

test("setMultithreadingEnabled: the thread-local switch as PyTorch's, restored after the callback, backward unchanged", async () => {
  if (!PY.mt) {
    assertNeeds(() => autograd.setMultithreadingEnabled(false), "setMultithreadingEnabled", /libtorch 2\.0 or later/);
    assertNeeds(() => autograd.isMultithreadingEnabled(), "isMultithreadingEnabled", /libtorch 2\.0 or later/);
    assertNeeds(() => autograd.setMultithreadingEnabled(false, () => 1), "setMultithreadingEnabled", /libtorch 2\.0 or later/);
    return;
  }
  const seen: boolean[] = [autograd.isMultithreadingEnabled()];
  const grad = autograd.setMultithreadingEnabled(false, () => {
    seen.push(autograd.isMultithreadingEnabled());
    const x = torch.tensor([1.5, -2, 0.5], f64).requiresGrad_();
    x.pow(3).sum().backward(); // d/dx x^3 = 3x^2, run on the calling thread
    return list(x.grad);
  });
  // thread-local: a worker started while this thread has it off keeps its own (on)
  autograd.setMultithreadingEnabled(false);
  try {
    seen.push(await isMultithreadingEnabledInWorker());
  } finally {
    autograd.setMultithreadingEnabled(true);
  }
  seen.push(autograd.isMultithreadingEnabled());
  assert.deepEqual(seen, PY.mtSeen);
  assert.deepEqual(seen, [true, false, true, true]);
  assert.deepEqual(grad, [6.75, 12, 0.75]);
  autograd.setMultithreadingEnabled(false);
  assert.equal(autograd.isMultithreadingEnabled(), false);
  assert.throws(() => autograd.setMultithreadingEnabled(true, () => {
    throw new Error("inside");
  }), /inside/);
  assert.equal(autograd.isMultithreadingEnabled(), false, "restored to the mode before the callback, after a throw");
  autograd.setMultithreadingEnabled(true);
  assert.equal(autograd.isMultithreadingEnabled(), true);
  assert.throws(() => autograd.setMultithreadingEnabled("no" as never), /expects a boolean/);
});

function isMultithreadingEnabledInWorker(): Promise<boolean> {
  const src = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(workerData.index).then((torch) => parentPort.postMessage(torch.autograd.isMultithreadingEnabled()));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true, workerData: { index: new URL("../src/index.js", import.meta.url).href } });
    w.once("message", resolve);
    w.once("error", reject);
  });
}

test("enforceGradLayoutPolicy: a permuted leaf's .grad takes its strides, or the incoming gradient's when off (PyTorch's)", () => {
  if (!PY.layout) {
    assertNeeds(() => autograd.enforceGradLayoutPolicy(false), "enforceGradLayoutPolicy", /grad-layout switch/);
    assertNeeds(() => autograd.isGradLayoutEnforcementEnabled(), "isGradLayoutEnforcementEnabled", /grad-layout switch/);
    return;
  }
  const run = (enable: boolean) => {
    const p = torch.arange(24, f64).reshape([2, 3, 4]).permute([2, 0, 1]).requiresGrad_();
    autograd.enforceGradLayoutPolicy(enable, () => torch.scope(() => p.mul(2).sum().backward()));
    return { stride: p.grad!.stride(), grad: (p.grad!.toArray() as unknown) };
  };
  const on = run(true), off = run(false);
  assert.deepEqual(on, PY.layoutOn);
  assert.deepEqual(off, PY.layoutOff);
  assert.deepEqual(on.stride, [1, 12, 4], "enforced: the leaf's own strides");
  assert.deepEqual(off.stride, [6, 3, 1], "relaxed: the stolen gradient's row-major strides");
  const seen = [autograd.isGradLayoutEnforcementEnabled()];
  autograd.enforceGradLayoutPolicy(false);
  seen.push(autograd.isGradLayoutEnforcementEnabled());
  autograd.enforceGradLayoutPolicy();
  seen.push(autograd.isGradLayoutEnforcementEnabled());
  assert.deepEqual(seen, PY.layoutSeen);
  assert.deepEqual(seen, [true, false, true]);
});
