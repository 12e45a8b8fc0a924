// The opt-in speed switches (autocast, backends flags, channels-last modules, capturable Adam, CUDA
// graphs) on the CPU: their values against PyTorch or the default path, and their errors. The
// same switches are measured on a GPU by scripts/gpu-check.sh.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { pyTorchSkipReason } from "./helpers/parity.js";

const { nn, optim } = torch;

test("autocast on the CPU: a Linear runs in bfloat16 inside the region, float32 after; values as PyTorch's", { skip: pyTorchSkipReason() }, () => {
  torch.manualSeed(7);
  const lin = new nn.Linear(16, 8);
  const x = torch.randn([4, 16]);
  const inside = torch.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => lin.forward(x));
  assert.equal(inside.dtype, "bfloat16");
  const after = lin.forward(x);
  assert.equal(after.dtype, "float32");
  const py = runPython(`
import torch
w = torch.tensor(INPUT["w"]); b = torch.tensor(INPUT["b"]); x = torch.tensor(INPUT["x"])
with torch.autocast("cpu", dtype=torch.bfloat16):
    y = torch.nn.functional.linear(x, w, b)
OUTPUT = {"dtype": str(y.dtype), "y": y.float()}
`, { w: lin.weight.toArray(), b: lin.bias!.toArray(), x: x.toArray() }) as { dtype: string; y: number[][] };
  assert.equal(py.dtype, "torch.bfloat16");
  assert.deepEqual(inside.to("float32").toArray(), py.y);
});

test("autocast restores the previous state when the function throws, and rejects a bad device type", () => {
  const lin = new nn.Linear(4, 2);
  const x = torch.randn([1, 4]);
  assert.throws(() => torch.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => { throw new Error("boom"); }), /boom/);
  assert.equal(lin.forward(x).dtype, "float32");
  assert.throws(() => torch.autocast({ deviceType: "tpu" as "cpu" }, () => 1), /autocast supports the device types 'cuda' and 'cpu', got 'tpu'/);
});

test("torch.backends flags read back what was set, with PyTorch's defaults", () => {
  assert.equal(torch.backends.cudnn.benchmark, false);
  assert.equal(torch.backends.cudnn.allowTf32, true);
  assert.equal(torch.backends.cuda.matmul.allowTf32, false);
  torch.backends.cudnn.benchmark = true;
  torch.backends.cuda.matmul.allowTf32 = true;
  assert.equal(torch.backends.cudnn.benchmark, true);
  assert.equal(torch.backends.cuda.matmul.allowTf32, true);
  torch.backends.cudnn.benchmark = false;
  torch.backends.cuda.matmul.allowTf32 = false;
  assert.equal(torch.backends.cudnn.benchmark, false);
  assert.throws(() => { (torch.backends.cudnn as { benchmark: unknown }).benchmark = "yes"; }, /takes a boolean/);
});

test("Module.to({ memoryFormat: 'channelsLast' }) gives 4-D weights NHWC strides and the same outputs", () => {
  torch.manualSeed(3);
  const conv = new nn.Conv2d(3, 5, 3, { padding: 1 });
  const x = torch.randn([2, 3, 6, 6]);
  const before = Array.from(conv.forward(x).toTypedArray() as Float32Array);
  const w = conv.weight;
  conv.to({ memoryFormat: "channelsLast" });
  assert.equal(conv.weight, w, "the parameter object keeps its identity");
  assert.deepEqual(conv.weight.stride(), [27, 1, 9, 3]);
  assert.deepEqual(conv.bias!.stride(), [1]);
  const after = conv.forward(x.contiguous("channelsLast"));
  const a = after.toTypedArray() as Float32Array;
  const b = before;
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `element ${i}`);
  assert.ok(conv.weight.requiresGrad);
});

test("Adam capturable keeps to the default trajectory (float32 rounding) over 30 steps", () => {
  const run = (capturable: boolean): number[] => {
    torch.manualSeed(11);
    const m = new nn.Sequential(new nn.Linear(8, 6), new nn.ReLU(), new nn.Linear(6, 3));
    const opt = new optim.Adam(m.parameters(), { lr: 1e-2, capturable });
    torch.manualSeed(12);
    const x = torch.randn([32, 8]);
    const y = torch.randint(0, 3, [32]);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      torch.scope(() => {
        const loss = m.forward(x).crossEntropyForLogits(y);
        opt.backwardStep(loss);
        losses.push(loss.item());
      });
    }
    return losses;
  };
  const plain = run(false);
  const cap = run(true);
  assert.ok(plain[29] < plain[0] - 0.1, "the loss falls");
  for (let i = 0; i < 30; i++) assert.ok(Math.abs(plain[i] - cap[i]) <= 1e-5, `step ${i}: ${plain[i]} vs ${cap[i]}`);
});

test("CUDA graphs without a CUDA build: a clear error, and graphsAvailable() says so", { skip: torch.cuda.graphsAvailable() ? "this build has CUDA graphs" : undefined }, () => {
  assert.equal(torch.cuda.graphsAvailable(), false);
  assert.throws(() => new torch.cuda.CUDAGraph(), /CUDA graphs are not available: the addon was built without CUDA/);
  assert.doesNotThrow(() => torch.cuda.synchronize());
});

test("GradScaler: a clean step equals the unscaled step; an inf gradient skips the step and halves the scale; the scale grows", () => {
  const make = (): { m: torch.nn.Sequential; opt: torch.optim.Adam } => {
    torch.manualSeed(21);
    const m = new nn.Sequential(new nn.Linear(6, 5), new nn.ReLU(), new nn.Linear(5, 2));
    return { m, opt: new optim.Adam(m.parameters(), { lr: 1e-2 }) };
  };
  torch.manualSeed(22);
  const x = torch.randn([16, 6]);
  const y = torch.randint(0, 2, [16]);
  const plain = make();
  const scaled = make();
  const scaler = new torch.amp.GradScaler({ growthInterval: 3 });
  assert.equal(scaler.getScale(), 65536);
  for (let i = 0; i < 3; i++) {
    torch.scope(() => plain.opt.backwardStep(plain.m.forward(x).crossEntropyForLogits(y)));
    torch.scope(() => {
      const loss = scaled.m.forward(x).crossEntropyForLogits(y);
      scaled.opt.zeroGrad();
      scaler.scale(loss).backward();
      assert.equal(scaler.step(scaled.opt), true);
      scaler.update();
    });
  }
  // scaling by a power of two and back is exact: the same parameters, bit for bit
  const a = plain.m.parameters().map((p) => p.toArray());
  const b = scaled.m.parameters().map((p) => p.toArray());
  assert.deepEqual(b, a);
  assert.equal(scaler.getScale(), 131072, "doubled after growthInterval (3) clean steps");

  // an inf in one gradient: no step, scale halved
  const before = scaled.m.parameters().map((p) => p.toArray());
  torch.scope(() => {
    const loss = scaled.m.forward(x).crossEntropyForLogits(y);
    scaled.opt.zeroGrad();
    scaler.scale(loss).backward();
    const w = scaled.m.parameters()[0];
    torch.noGrad(() => w.grad!.fill_(Infinity));
    assert.equal(scaler.step(scaled.opt), false);
    scaler.update();
  });
  assert.deepEqual(scaled.m.parameters().map((p) => p.toArray()), before);
  assert.equal(scaler.getScale(), 65536);
  assert.throws(() => new torch.amp.GradScaler({ backoffFactor: 2 }), /backoffFactor must be in \(0, 1\)/);
  const off = new torch.amp.GradScaler({ enabled: false });
  const l = torch.tensor([2]);
  assert.equal(off.scale(l), l);
  assert.equal(off.getScale(), 1);
});

test("Adam capturable resumes from a state dict (its own, or a plain Adam's) on the same trajectory", () => {
  torch.manualSeed(31);
  const x = torch.randn([24, 5]);
  const y = torch.randint(0, 3, [24]);
  const build = (): torch.nn.Sequential => {
    torch.manualSeed(32);
    return new nn.Sequential(new nn.Linear(5, 4), new nn.ReLU(), new nn.Linear(4, 3));
  };
  const train = (m: torch.nn.Module, opt: torch.optim.Optimizer, n: number): void => {
    for (let i = 0; i < n; i++) torch.scope(() => opt.backwardStep(m.forward(x).crossEntropyForLogits(y)));
  };
  const straight = build();
  train(straight, new optim.Adam(straight.parameters(), { lr: 1e-2, capturable: true }), 6);
  for (const firstCapturable of [true, false]) {
    const m = build();
    const first = new optim.Adam(m.parameters(), { lr: 1e-2, capturable: firstCapturable });
    train(m, first, 3);
    const sd = first.stateDict();
    const second = new optim.Adam(m.parameters(), { lr: 1e-2, capturable: true });
    second.loadStateDict(sd);
    train(m, second, 3);
    const a = straight.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
    const b = m.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
    for (let i = 0; i < a.length; i++) {
      for (let k = 0; k < a[i].length; k++) {
        assert.ok(Math.abs(a[i][k] - b[i][k]) <= 1e-6, `from ${firstCapturable ? "capturable" : "plain"} Adam: parameter ${i}[${k}] ${b[i][k]} vs ${a[i][k]}`);
      }
    }
  }
});
