// Module API against PyTorch: any-arity forward (type-checked by this file compiling), nn.Parameter
// fields, buffers, ModuleList / ModuleDict names, gradient clipping, parameter counts and repr.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { pyTorchSkipReason } from "./helpers/parity.js";

const { nn } = torch;
type Tensor = torch.Tensor;
const skip = pyTorchSkipReason();

/** forward(x, state) returning [out, state]: compiles with no cast (acceptance 2). */
class CharModel extends nn.Module<[Tensor, torch.nn.LSTMState?], [Tensor, torch.nn.LSTMState]> {
  embed = new nn.Embedding(20, 6);
  lstm = new nn.LSTM(6, 8, { batchFirst: true });
  head = new nn.Linear(8, 20);
  forward(x: Tensor, state?: torch.nn.LSTMState): [Tensor, torch.nn.LSTMState] {
    const [out, next] = this.lstm.forward(this.embed.forward(x), state);
    return [this.head.forward(out), next];
  }
}

class WithParam extends nn.Module {
  scale = new nn.Parameter(torch.ones([3]));
  plain = torch.randn([3]).requiresGrad_(); // a plain tensor attribute: not a parameter, as in PyTorch
  fc = new nn.Linear(3, 2);
  constructor() {
    super();
    this.registerBuffer("steps", torch.zeros([1]));
    this.registerBuffer("cache", torch.zeros([2]), false);
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(x.mul(this.scale));
  }
}

class Bad extends nn.Module {
  // @ts-expect-error a two-argument forward needs Module<[Tensor, Tensor], ...> (TS2416 otherwise)
  forward(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return [x, h];
  }
}
void Bad;

test("a forward(x, state) model trains through state: the state it returns feeds the next call", () => {
  const m = new CharModel();
  torch.scope(() => {
    const x = torch.randint(0, 20, [2, 5]);
    const [y, s] = m.forward(x);
    assert.deepEqual(y.shape, [2, 5, 20]);
    assert.deepEqual(s[0].shape, [1, 2, 8]);
    const [y2] = m.forward(x, s);
    assert.ok(!y2.allclose(y), "the state changes the output");
    y2.sum().backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    assert.deepEqual([...m.namedParameters().keys()].slice(0, 3), ["embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0"]);
  });
  m.dispose();
});

test("nn.Parameter fields, buffers, ModuleList and ModuleDict give PyTorch's names, counts and state_dict keys", { skip }, () => {
  const py = runPython(dedent(`
    import torch, torch.nn as nn
    class WithParam(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("steps", torch.zeros(1))
            self.register_buffer("cache", torch.zeros(2), persistent=False)
            self.scale = nn.Parameter(torch.ones(3))
            self.plain = torch.randn(3).requires_grad_()
            self.fc = nn.Linear(3, 2)
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.ReLU(), nn.LSTM(4, 3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(3, 2), "reg": nn.Linear(3, 1)})
    w, n = WithParam(), Net()
    OUTPUT = {"params": [k for k, _ in w.named_parameters()], "sd": list(w.state_dict().keys()),
              "buffers": [k for k, _ in w.named_buffers()],
              "net_sd": list(n.state_dict().keys()), "net_count": sum(p.numel() for p in n.parameters())}
  `)) as { params: string[]; sd: string[]; buffers: string[]; net_sd: string[]; net_count: number };
  const w = new WithParam();
  const net = new (class Net extends nn.Module<never[], never> {
    blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.ReLU(), new nn.LSTM(4, 3)]);
    heads = new nn.ModuleDict({ cls: new nn.Linear(3, 2), reg: new nn.Linear(3, 1) });
    forward(): never { throw new Error("unused"); }
  })();
  torch.scope(() => {
    // PyTorch registers in assignment order; tstorch's constructor-registered buffers come first, fields after
    assert.deepEqual([...w.namedParameters().keys()].sort(), [...py.params].sort());
    assert.deepEqual([...w.stateDict().keys()].sort(), [...py.sd].sort());
    assert.deepEqual([...w.namedBuffers().keys()].sort(), [...py.buffers].sort());
    assert.ok(!w.parameters().includes(w.plain), "a plain tensor field is not a parameter");
    assert.ok(w.scale instanceof nn.Parameter && w.scale.requiresGrad && w.scale.isLeaf);
    assert.deepEqual([...net.stateDict().keys()], py.net_sd);
    assert.equal(net.numParameters(), py.net_count);
    assert.equal(nn.utils.numParameters(net.parameters()), py.net_count);
  });
  assert.equal(net.blocks.length, 3);
  assert.ok(net.blocks.at(-1) instanceof nn.LSTM);
  assert.deepEqual(net.heads.keys(), ["cls", "reg"]);
  assert.throws(() => net.heads.get("box"), /ModuleDict has no key "box" \(keys: cls, reg\)/);
  assert.throws(() => net.blocks.at(3), /index 3 is out of range for a ModuleList of 3/);
  // a Parameter shares its data's storage
  const data = torch.zeros([2]);
  const p = new nn.Parameter(data);
  torch.noGrad(() => p.fill_(5));
  assert.deepEqual(data.toArray(), [5, 5]);
  w.dispose();
  net.dispose();
});

test("clipGradNorm_ (2, 1 and inf norms) and clipGradValue_ equal PyTorch's: total norm returned, gradients scaled in place", { skip }, () => {
  const grads = [[[3, -4, 1], [0.5, 2, -2]], [[10, -1], [0.2, 0.3]]];
  const py = runPython(dedent(`
    import torch
    OUTPUT = {}
    for name, norm in (("2", 2.0), ("1", 1.0), ("inf", float("inf")), ("big", 2.0)):
        ps = [torch.zeros(2, 3, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
        for p, g in zip(ps, INPUT): p.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(ps, 100.0 if name == "big" else 1.5, norm_type=norm)
        OUTPUT[name] = {"total": total.item(), "grads": [p.grad.flatten().tolist() for p in ps]}
    ps = [torch.zeros(2, 3, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
    for p, g in zip(ps, INPUT): p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_(ps, 0.75)
    OUTPUT["value"] = [p.grad.flatten().tolist() for p in ps]
  `), grads) as Record<string, { total: number; grads: number[][] }> & { value: number[][] };
  const fresh = () => {
    const ps = [torch.zeros([2, 3]).requiresGrad_(), torch.zeros([2, 2]).requiresGrad_()];
    ps.forEach((p, i) => { p.grad = torch.tensor(grads[i]); });
    return ps;
  };
  const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]), `${what}[${i}]: ${v} vs ${b[i]}`));
  torch.scope(() => {
    for (const [name, normType] of [["2", 2], ["1", 1], ["inf", Infinity], ["big", 2]] as const) {
      for (const foreach of [true, false]) {
        const ps = fresh();
        const total = nn.utils.clipGradNorm_(ps, name === "big" ? 100 : 1.5, { normType, foreach });
        close([total.item()], [py[name].total], `total ${name}`);
        ps.forEach((p, i) => close(Array.from(p.grad!.toTypedArray() as Float32Array), py[name].grads[i], `grad ${name} ${i}`));
      }
    }
    const ps = fresh();
    nn.utils.clipGradValue_(ps, 0.75);
    ps.forEach((p, i) => close(Array.from(p.grad!.toTypedArray() as Float32Array), py.value[i], `value ${i}`));
    const bad = fresh();
    bad[0].grad = torch.tensor([[NaN, 1, 1], [1, 1, 1]]);
    assert.throws(() => nn.utils.clipGradNorm_(bad, 1, { errorIfNonfinite: true }), /total norm of order 2 for gradients from `parameters` is non-finite/);
    assert.equal(nn.utils.clipGradNorm_([torch.zeros([2]).requiresGrad_()], 1).item(), 0, "no gradients: total norm 0");
  });
});

test("toString() prints modules as PyTorch's repr does", { skip }, () => {
  const py = runPython(dedent(`
    import torch.nn as nn
    mods = [nn.LSTM(5, 8, num_layers=2, batch_first=True, bidirectional=True), nn.GRU(4, 6, dropout=0.5, num_layers=2), nn.RNN(3, 4, nonlinearity="relu"),
            nn.LSTM(4, 6, proj_size=3), nn.Embedding(10, 4, padding_idx=2), nn.EmbeddingBag(10, 3, mode="sum"), nn.GroupNorm(4, 8),
            nn.InstanceNorm2d(3), nn.Conv1d(4, 6, 3, stride=2, padding=1), nn.Conv3d(2, 4, 3), nn.ConvTranspose1d(4, 6, 3, stride=2),
            nn.PixelShuffle(2), nn.Unflatten(1, (2, 3)), nn.Dropout2d(0.3), nn.LSTMCell(3, 4), nn.MultiheadAttention(8, 2),
            nn.ModuleList([nn.Linear(2, 2), nn.ReLU()]), nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)]
    OUTPUT = [repr(m) for m in mods]
  `)) as string[];
  const mods: torch.nn.AnyModule[] = [
    new nn.LSTM(5, 8, { numLayers: 2, batchFirst: true, bidirectional: true }), new nn.GRU(4, 6, { dropout: 0.5, numLayers: 2 }),
    new nn.RNN(3, 4, { nonlinearity: "relu" }), new nn.LSTM(4, 6, { projSize: 3 }), new nn.Embedding(10, 4, { paddingIdx: 2 }),
    new nn.EmbeddingBag(10, 3, { mode: "sum" }), new nn.GroupNorm(4, 8), new nn.InstanceNorm2d(3), new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1 }),
    new nn.Conv3d(2, 4, 3), new nn.ConvTranspose1d(4, 6, 3, { stride: 2 }), new nn.PixelShuffle(2), new nn.Unflatten(1, [2, 3]), new nn.Dropout2d(0.3),
    new nn.LSTMCell(3, 4), new nn.MultiheadAttention(8, 2), new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]),
    new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
  ];
  assert.deepEqual(mods.map((m) => m.toString()), py);
  for (const m of mods) m.dispose();
});

test("Embedding.fromPretrained is frozen by default and looks rows up; Dropout2d zeroes whole channels in training", () => {
  torch.scope(() => {
    const w = torch.tensor([[1, 2], [3, 4], [5, 6]]);
    const e = nn.Embedding.fromPretrained(w);
    assert.equal(e.weight.requiresGrad, false);
    assert.deepEqual(e.forward(torch.tensor([2, 0], { dtype: "int64" })).toArray(), [[5, 6], [1, 2]]);
    assert.equal(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad, true);
    torch.manualSeed(3);
    const d = new nn.Dropout2d(0.5);
    const y = d.forward(torch.ones([4, 16, 3, 3]));
    const perChannel = (y.sum([2, 3]).toTypedArray() as Float32Array);
    assert.ok([...perChannel].every((v) => v === 0 || v === 18), "each channel is all zero or all 2");
    const zeroed = [...perChannel].filter((v) => v === 0).length;
    assert.ok(zeroed > 16 && zeroed < 48, `about half the 64 channels dropped, got ${zeroed}`);
  });
});
