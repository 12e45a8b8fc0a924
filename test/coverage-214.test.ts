// The names PyTorch 2.x adds that the coverage report (docs/coverage.md) lists for 2.14: the
// default device, torch.get_device_module, nn.Buffer, nn.LinearCrossEntropyLoss/Options and
// optim.swap_in_optimizer_params_and_state. Each is compared with the PyTorch next to the linked
// libtorch where that PyTorch has the name (2.14 in the forky matrix root), else with what
// PyTorch 1.13 can say (the reference computation) or hand-derived values.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { torchAtLeast } from "./helpers/optim-harness.js";

const { nn, optim } = torch;

test("setDefaultDevice/getDefaultDevice: cpu at the start, factories follow it, *Like follow their input", (t) => {
  assert.equal(String(torch.getDefaultDevice()), "cpu");
  if (torchAtLeast(2, 3)) {
    const py = runPython(`
      import torch
      a = str(torch.get_default_device()); torch.set_default_device("cpu"); b = str(torch.get_default_device())
      torch.set_default_device(None); OUTPUT = [a, b, str(torch.get_default_device())]`) as string[];
    assert.deepEqual(py, ["cpu", "cpu", "cpu"]);
  }
  torch.setDefaultDevice("cpu");
  assert.equal(String(torch.getDefaultDevice()), "cpu");
  assert.equal(String(torch.zeros([2]).device), "cpu");
  torch.setDefaultDevice(null);
  assert.throws(() => torch.setDefaultDevice("tpu"), /unknown device 'tpu'/);
  if (!torch.cuda.isAvailable()) {
    assert.throws(() => torch.setDefaultDevice("cuda"), /CUDA is not available/);
    assert.equal(String(torch.getDefaultDevice()), "cpu", "a failed set leaves the default alone");
    t.diagnostic("no CUDA: the factories' move to a non-CPU default device is checked on a GPU run");
    return;
  }
  const host = torch.ones([3]);
  torch.setDefaultDevice("cuda");
  try {
    assert.equal(String(torch.getDefaultDevice()), "cuda:0"); // PyTorch reads "cuda" as the current device
    for (const x of [torch.zeros([2]), torch.ones(2, 2), torch.randn([2]), torch.arange(4), torch.tensor([1, 2]), torch.full([2], 3), torch.eye(2)]) {
      assert.equal(String(x.device), "cuda:0");
    }
    assert.equal(String(torch.zeros([2], { device: "cpu" }).device), "cpu");
    assert.equal(String(torch.zerosLike(host).device), "cpu");
  } finally {
    torch.setDefaultDevice(null);
  }
  assert.equal(String(torch.zeros([2]).device), "cpu");
});

test("getDeviceModule: torch.cuda / torch.cpu, PyTorch's error for a device type without a module", () => {
  assert.equal(torch.getDeviceModule("cpu"), torch.cpu);
  assert.equal(torch.getDeviceModule(new torch.Device("cpu")), torch.cpu);
  assert.equal(torch.getDeviceModule("cuda:1"), torch.cuda);
  assert.equal(torch.getDeviceModule(), torch.cuda.isAvailable() ? torch.cuda : torch.cpu);
  assert.equal(torch.cpu.isAvailable(), true);
  assert.equal(torch.cpu.deviceCount(), 1);
  assert.throws(() => torch.getDeviceModule("nope"), /unknown device 'nope'/);
  let metaMsg = "Device 'meta' does not have a corresponding module registered as 'torch.meta'.";
  if (torchAtLeast(2, 3)) {
    const py = runPython(`
      import torch
      r = {}
      for d in ["cpu", "cuda:1", "meta"]:
          try: r[d] = torch.get_device_module(d).__name__
          except RuntimeError as e: r[d] = str(e)
      OUTPUT = r`) as Record<string, string>;
    assert.deepEqual([py.cpu, py["cuda:1"]], ["torch.cpu", "torch.cuda"]);
    metaMsg = py.meta;
  }
  assert.throws(() => torch.getDeviceModule("meta"), (e: Error) => e.message.includes(metaMsg.replace(/\.$/, "")));
});

test("nn.Buffer: a field holding one is registered as a buffer with its persistent flag, as PyTorch's __setattr__ does", () => {
  class M extends nn.Module {
    w = new nn.Parameter(torch.ones([2]));
    b = new nn.Buffer(torch.tensor([1, 2, 3]));
    nb = new nn.Buffer(torch.zeros([2]), { persistent: false });
    plain = torch.zeros([1]);
    forward(x: torch.Tensor): torch.Tensor { return x; }
  }
  const m = new M();
  const got = { params: [...m.namedParameters().keys()], buffers: [...m.namedBuffers().keys()], sd: [...m.stateDict().keys()] };
  let want = { params: ["w"], buffers: ["b", "nb"], sd: ["w", "b"] };
  if (torchAtLeast(2, 5)) {
    want = runPython(`
      import torch, torch.nn as nn
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.w = nn.Parameter(torch.ones(2)); self.b = nn.Buffer(torch.tensor([1., 2., 3.]))
              self.nb = nn.Buffer(torch.zeros(2), persistent=False); self.plain = torch.zeros(1)
      m = M()
      OUTPUT = {"params": [k for k, _ in m.named_parameters()], "buffers": [k for k, _ in m.named_buffers()], "sd": list(m.state_dict().keys())}`) as typeof want;
  }
  assert.deepEqual(got, want);
  assert.deepEqual(m.b.toArray(), [1, 2, 3]);
  assert.equal(m.b.requiresGrad, false);
  assert.equal(new nn.Buffer(torch.ones([1]).requiresGrad_(true)).requiresGrad, true, "requires_grad is kept, as PyTorch's Buffer(data)");
  assert.deepEqual(new nn.Buffer().shape, [0]);
  // assigning a Buffer over a registered buffer takes the new tensor and its flag
  m.b = new nn.Buffer(torch.tensor([7]), { persistent: false });
  assert.deepEqual([...m.stateDict().keys()], ["w"]);
  assert.deepEqual(m.namedBuffers().get("b")!.toArray(), [7]);
  assert.throws(() => new nn.Buffer([1, 2] as unknown as torch.Tensor), /nn.Buffer expects a Tensor/);
  m.dispose();
});

const LCE_X = [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.3, 0.9, 0.2], [0.0, -0.5, 1.5]];
const W4 = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, -0.1, 0.05]];
const B4 = [0.1, -0.2, 0.3, 0.0];
const T4 = [0, 3, 1, 2];

test("nn.LinearCrossEntropyLoss: loss and gradients equal PyTorch's (2.14's module, or 1.13's cross_entropy(linear(...)))", () => {
  const cases = [
    { name: "mean, bias", o: { bias: true }, py: "bias=True" },
    { name: "sum, class weights, smoothing", o: { reduction: "sum" as const, weight: [1, 2, 0.5, 1], labelSmoothing: 0.1 }, py: "reduction='sum', weight=torch.tensor([1, 2, 0.5, 1], dtype=torch.float64), label_smoothing=0.1" },
    { name: "none, ignore index 3", o: { reduction: "none" as const, ignoreIndex: 3 }, py: "reduction='none', ignore_index=3" },
  ];
  const py = runPython(`
    import torch, torch.nn as nn, torch.nn.functional as F
    x0 = torch.tensor(INPUT["x"], dtype=torch.float64); t = torch.tensor(INPUT["t"])
    W = torch.tensor(INPUT["w"], dtype=torch.float64); b = torch.tensor(INPUT["b"], dtype=torch.float64)
    out = []
    for kw in INPUT["cases"]:
        x = x0.clone().requires_grad_()
        if hasattr(nn, "LinearCrossEntropyLoss"):
            m = eval(f"nn.LinearCrossEntropyLoss(3, 4, dtype=torch.float64, {kw})")
            with torch.no_grad():
                m.linear.weight.copy_(W)
                if m.linear.bias is not None: m.linear.bias.copy_(b)
            loss = m(x, t); lin_w = m.linear.weight; lin_b = m.linear.bias; rep = repr(m)
        else:
            args = eval(f"dict({kw})"); bias = args.pop("bias", False)
            lin_w = W.clone().requires_grad_(); lin_b = b.clone().requires_grad_() if bias else None
            loss = F.cross_entropy(F.linear(x, lin_w, lin_b), t, **args); rep = None
        loss.sum().backward()
        out.append({"loss": loss, "gx": x.grad, "gw": lin_w.grad, "gb": None if lin_b is None else lin_b.grad, "repr": rep})
    OUTPUT = out`, { x: LCE_X, t: T4, w: W4, b: B4, cases: cases.map((c) => c.py) }) as { loss: number | number[]; gx: number[][]; gw: number[][]; gb: number[] | null; repr: string | null }[];
  cases.forEach((c, i) => {
    const { weight, ...rest } = c.o as Record<string, unknown>;
    const m = new nn.LinearCrossEntropyLoss(3, 4, { dtype: "float64", ...rest, weight: weight === undefined ? null : torch.tensor(weight as number[], { dtype: "float64" }) });
    torch.noGrad(() => {
      m.linear.weight.copy_(torch.tensor(W4, { dtype: "float64" }));
      m.linear.bias?.copy_(torch.tensor(B4, { dtype: "float64" }));
    });
    const x = torch.tensor(LCE_X, { dtype: "float64", requiresGrad: true });
    const loss = m.call(x, torch.tensor(T4, { dtype: "int64" }));
    loss.sum().backward();
    const close = (a: unknown, b: unknown, what: string): void => {
      const fa = [a].flat(3) as number[], fb = [b].flat(3) as number[];
      assert.equal(fa.length, fb.length, `${c.name}: ${what} length`);
      fa.forEach((v, k) => assert.ok(Math.abs(v - fb[k]) <= 1e-12, `${c.name}: ${what}[${k}] ${v} vs ${fb[k]}`));
    };
    close(loss.dim() === 0 ? loss.item() : loss.toArray(), py[i].loss, "loss");
    close(x.grad!.toArray(), py[i].gx, "input grad");
    close(m.linear.weight.grad!.toArray(), py[i].gw, "weight grad");
    if (py[i].gb !== null) close(m.linear.bias!.grad!.toArray(), py[i].gb, "bias grad");
    if (py[i].repr !== null) assert.equal(String(m), py[i].repr);
    m.dispose();
  });
});

test("nn.LinearCrossEntropyLoss with outFeatures (K-dimensional loss) and LinearCrossEntropyOptions' checks", () => {
  // weight [C=2, d=3, in=2] through a Linear of 6 outputs: logits [N, 2, 3], target [N, 3]
  const m = new nn.LinearCrossEntropyLoss(2, 2, { outFeatures: [3], dtype: "float64", options: new nn.LinearCrossEntropyOptions({ batchChunkSize: 2 }) });
  const x = torch.tensor([[1, 2], [0.5, -1]], { dtype: "float64" });
  const tgt = torch.tensor([[0, 1, 1], [1, 0, 0]], { dtype: "int64" });
  const w = m.linear.weight.reshape([2, 3, 2]);
  const logits = torch.einsum("ni,cdi->ncd", x, w);
  const want = torch.nn.functional.crossEntropy(logits, tgt).item();
  assert.ok(Math.abs(m.call(x, tgt).item() - want) < 1e-12);
  assert.throws(() => new nn.LinearCrossEntropyOptions({ accPolicy: "fast" as "auto" }), /invalid accPolicy: 'fast'; expected one of 'auto', 'accurate', 'compact'/);
  assert.throws(() => new nn.LinearCrossEntropyOptions({ chunkingMethod: "aspect_ratio:0" }), /invalid chunkingMethod: 'aspect_ratio:0'/);
  assert.throws(() => new nn.LinearCrossEntropyOptions({ batchChunkSize: 0 }), /batchChunkSize must be positive int or null, got 0/);
  assert.throws(() => new nn.LinearCrossEntropyOptions({ accDtype: "int64" }), /accDtype must be one of/);
  new nn.LinearCrossEntropyOptions({ chunkingMethod: "aspect_ratio:4" });
  assert.throws(() => new nn.LinearCrossEntropyLoss(3, 4, { weight: torch.ones([3]) }), /expected weight shape to be \(4,\), got \(3,\)/);
  assert.throws(() => new nn.LinearCrossEntropyLoss(3, 4, { labelSmoothing: 2 }), /expected labelSmoothing to be in range \[0, 1\], got 2/);
  m.dispose();
});

const P0 = [[0.5, -0.3], [0.2, 0.8]];
const P1 = [0.1, -0.4];
const G0 = [[0.3, -0.1], [0.05, 0.2]];
const G1 = [-0.2, 0.6];

test("optim.swapInOptimizerParamsAndState: step() updates the swapped-in tensors and state, the optimiser gets its own back (PyTorch 2.14's values)", () => {
  const f64 = (a: number[] | number[][]): torch.Tensor => torch.tensor(a, { dtype: "float64" });
  const live = [torch.persist(f64(P0).requiresGrad_(true)), torch.persist(f64(P1).requiresGrad_(true))];
  const opt = new optim.Adam(live, 0.1);
  assert.throws(() => optim.swapInOptimizerParamsAndState(opt, live, opt.stateDict(), () => 0), /requires initialized optimizer state/);
  live[0].grad = f64(G0);
  live[1].grad = f64(G1);
  opt.step(); // state: step 1
  const liveAfter1 = live.map((p) => p.toArray());
  const sd = opt.stateDict();
  const swap = [f64(P0), f64(P1)];
  swap[0].grad = f64(G1.map((g) => [g, -g]) as number[][]);
  swap[1].grad = f64([0.7, -0.9]);
  const expAvg0 = sd.state.get("0.exp_avg")!;
  const ret = optim.swapInOptimizerParamsAndState(opt, new Map([["w", swap[0]], ["b", swap[1]]]), sd, () => {
    assert.equal(opt.paramGroups[0].params[0], swap[0]);
    opt.step();
    return "done";
  });
  assert.equal(ret, "done");
  // the optimiser has its own parameters, state and step count back, unchanged
  assert.equal(opt.paramGroups[0].params[0], live[0]);
  assert.deepEqual(live.map((p) => p.toArray()), liveAfter1);
  assert.equal(opt.state.get(live[0])!.step, 1, "tstorch's step is a number: the live count is not the supplied one");
  assert.equal(sd.meta.state["0"].step, 2, "the count goes back into the supplied dict (PyTorch's in-place step tensor)");
  let want = null as { p0: number[][]; p1: number[]; ea0: number[][] } | null;
  if (torchAtLeast(2, 14)) {
    want = runPython(`
      import torch
      from torch.optim import swap_in_optimizer_params_and_state as swap_in
      f = lambda a: torch.tensor(a, dtype=torch.float64)
      live = [f(INPUT["p0"]).requires_grad_(), f(INPUT["p1"]).requires_grad_()]
      opt = torch.optim.Adam(live, lr=0.1)
      live[0].grad = f(INPUT["g0"]); live[1].grad = f(INPUT["g1"]); opt.step()
      sd = opt.state_dict()
      sw = {"w": f(INPUT["p0"]), "b": f(INPUT["p1"])}
      sw["w"].grad = f([[g, -g] for g in INPUT["g1"]]); sw["b"].grad = f([0.7, -0.9])
      with swap_in(opt, sw, sd): opt.step()
      OUTPUT = {"p0": sw["w"], "p1": sw["b"], "ea0": sd["state"][0]["exp_avg"]}`, { p0: P0, p1: P1, g0: G0, g1: G1 }) as typeof want;
  }
  if (want !== null) {
    assert.deepEqual(swap[0].toArray(), want.p0);
    assert.deepEqual(swap[1].toArray(), want.p1);
    assert.deepEqual(expAvg0.toArray(), want.ea0, "in-place edits reach the supplied state tensors");
  } else {
    // without PyTorch 2.14: a second Adam run over the same two steps (the swap's second step starts
    // from the state after the first, on fresh copies of the weights) gives the same numbers
    const ref = [f64(P0).requiresGrad_(true), f64(P1).requiresGrad_(true)];
    const refOpt = new optim.Adam(ref, 0.1);
    ref[0].grad = f64(G0);
    ref[1].grad = f64(G1);
    refOpt.step();
    torch.noGrad(() => { ref[0].copy_(f64(P0)); ref[1].copy_(f64(P1)); });
    ref[0].grad = f64(G1.map((g) => [g, -g]) as number[][]);
    ref[1].grad = f64([0.7, -0.9]);
    refOpt.step();
    assert.deepEqual(swap[0].toArray(), ref[0].toArray());
    assert.deepEqual(swap[1].toArray(), ref[1].toArray());
    assert.deepEqual(expAvg0.toArray(), (refOpt.state.get(ref[0])!.exp_avg as torch.Tensor).toArray(), "in-place edits reach the supplied state tensors");
  }
  // PyTorch's checks
  const bad = { state: sd.state, meta: { ...sd.meta, paramGroups: [{ ...sd.meta.paramGroups[0], extra: 1 }] } };
  assert.throws(() => optim.swapInOptimizerParamsAndState(opt, swap, bad, () => 0), /Keys only in swap-in: \[extra\]\. Keys only in live: \[\]/);
  assert.throws(() => optim.swapInOptimizerParamsAndState(opt, [swap[0]], sd, () => 0), /match optimizer.paramGroups ordering/);
  assert.throws(() => optim.swapInOptimizerParamsAndState(opt, swap, { ...sd, meta: { ...sd.meta, paramGroups: [] } }, () => 0), /different number of parameter groups/);
  // restored also when the callback throws
  assert.throws(() => optim.swapInOptimizerParamsAndState(opt, swap, sd, () => { throw new Error("boom"); }), /boom/);
  assert.equal(opt.paramGroups[0].params[1], live[1]);
});
