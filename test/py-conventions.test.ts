// PyTorch's calling conventions (issue 20 point 5): positional constructor arguments in PyTorch's
// order (checked by repr against PyTorch's modules built with the same arguments), weight tying
// through attribute assignment (a tied LM's loss and gradients against PyTorch's), p.data, size(dim),
// Module.double(), a user-written optimiser inside torch.scope, and errors that name their fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../src/index.js";
import { nn, optim, Tensor } from "../src/index.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { dedent, runPython } from "./helpers/python.js";

const skip = pyTorchSkipReason();

// [PyTorch expression, the same construction ported line by line]
const CASES: [string, () => nn.AnyModule][] = [
  ["nn.ReLU(True)", () => new nn.ReLU(true)],
  ["nn.ReLU()", () => new nn.ReLU()],
  ["nn.LeakyReLU(0.2, True)", () => new nn.LeakyReLU(0.2, true)],
  ["nn.LeakyReLU(0.2)", () => new nn.LeakyReLU({ negativeSlope: 0.2 })],
  ["nn.ELU(0.5, True)", () => new nn.ELU(0.5, true)],
  ["nn.Hardtanh(-2.0, 2.0, True)", () => new nn.Hardtanh(-2.0, 2.0, true)],
  ["nn.ReLU6(True)", () => new nn.ReLU6(true)],
  ["nn.SELU(True)", () => new nn.SELU(true)],
  ["nn.Threshold(0.1, 20.5, True)", () => new nn.Threshold(0.1, 20.5, true)],
  ["nn.Conv2d(1, 32, 3, 1)", () => new nn.Conv2d(1, 32, 3, 1)],
  ["nn.Conv2d(3, 8, 3, 2, 1, 1, 1, False)", () => new nn.Conv2d(3, 8, 3, 2, 1, 1, 1, false)],
  ["nn.Conv2d(1, 32, 3, 1, bias=False)", () => new nn.Conv2d(1, 32, 3, 1, { bias: false })],
  ["nn.Conv1d(4, 4, 3, 1, 2, 2, 2)", () => new nn.Conv1d(4, 4, 3, 1, 2, 2, 2)],
  ["nn.ConvTranspose2d(64, 32, 4, 2, 1, 0, 1, False)", () => new nn.ConvTranspose2d(64, 32, 4, 2, 1, 0, 1, false)],
  ["nn.Linear(4, 2, False)", () => new nn.Linear(4, 2, false)],
  ["nn.Dropout(0.5)", () => new nn.Dropout(0.5)],
  ["nn.Dropout(0.3, True)", () => new nn.Dropout(0.3, true)],
  ["nn.Dropout2d(0.25)", () => new nn.Dropout2d(0.25)],
  ["nn.BatchNorm2d(64, 1e-5, 0.1)", () => new nn.BatchNorm2d(64, 1e-5, 0.1)],
  ["nn.BatchNorm1d(10, 1e-3, 0.01, False)", () => new nn.BatchNorm1d(10, 1e-3, 0.01, false)],
  ["nn.InstanceNorm2d(4, 1e-5, 0.1, True)", () => new nn.InstanceNorm2d(4, 1e-5, 0.1, true)],
  ["nn.LayerNorm(8, 1e-6)", () => new nn.LayerNorm(8, 1e-6)],
  ["nn.GroupNorm(2, 8, 1e-3)", () => new nn.GroupNorm(2, 8, 1e-3)],
  ["nn.LSTM(10, 20, 2, True, True, 0.5)", () => new nn.LSTM(10, 20, 2, true, true, 0.5)],
  ["nn.GRU(5, 6, 1, False)", () => new nn.GRU(5, 6, 1, false)],
  // PyTorch documents (and 2.x takes) nonlinearity 4th; 1.13's RNN(*args) read it as bias, so the reference names it
  ["nn.RNN(4, 5, 2, nonlinearity='relu')", () => new nn.RNN(4, 5, 2, "relu")],
  ["nn.LSTMCell(3, 4, False)", () => new nn.LSTMCell(3, 4, false)],
  ["nn.Embedding(100, 16, 0)", () => new nn.Embedding(100, 16, 0)],
  ["nn.MaxPool2d(2, 2)", () => new nn.MaxPool2d(2, 2)],
  ["nn.AvgPool2d(3, 1, 1)", () => new nn.AvgPool2d(3, 1, 1)],
  ["nn.MaxPool1d(3, 2, 1)", () => new nn.MaxPool1d(3, 2, 1)],
];

test("constructors take PyTorch's positional arguments: the modules' reprs equal PyTorch's", { skip }, () => {
  const py = runPython(dedent(`
    import torch, torch.nn as nn
    OUTPUT = [repr(eval(e)) for e in INPUT]
  `), CASES.map(([e]) => e)) as string[];
  CASES.forEach(([expr, build], i) => {
    const m = build();
    try {
      assert.equal(m.toString(), py[i], expr);
    } finally {
      m.dispose();
    }
  });
});

test("positional and options forms build the same layer; misuse names the argument", () => {
  const a = new nn.Conv2d(2, 4, 3, 2, 1);
  const b = new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 });
  assert.deepEqual([a.stride, a.padding, a.weight.shape], [b.stride, b.padding, b.weight.shape]);
  a.dispose();
  b.dispose();
  assert.throws(() => new nn.Conv2d(2, 4, 3, 2, { stride: 1 }), /^Error: tstorch: Conv2d: 'stride' is given twice \(positionally and in the options object\)$/);
  assert.throws(() => new (nn.ReLU as any)(true, false), /^Error: tstorch: ReLU takes at most 1 more positional argument\(s\) \(inplace\) before its options object, got 2$/);
  assert.throws(() => new (nn.Linear as any)(2, 2, { bias: false }, true), /options object must come last/);
});

test("optimisers and schedulers take PyTorch's positional arguments", () => {
  const w = torch.zeros([2]).requiresGrad_(true);
  const sgd = new optim.SGD([w], 0.1, 0.9);
  assert.equal(sgd.paramGroups[0].momentum, 0.9);
  assert.equal(sgd.paramGroups[0].lr, 0.1);
  const adam = new optim.Adam([w], 1e-3, [0.5, 0.9], 1e-6, 0.01, true);
  assert.deepEqual([adam.paramGroups[0].betas, adam.paramGroups[0].eps, adam.paramGroups[0].weightDecay, adam.paramGroups[0].amsgrad], [[0.5, 0.9], 1e-6, 0.01, true]);
  const rms = new optim.RMSprop([w], 0.01, 0.9, 1e-8, 0, 0.5, true, { maximize: true });
  assert.deepEqual([rms.paramGroups[0].alpha, rms.paramGroups[0].momentum, rms.paramGroups[0].centered, rms.paramGroups[0].maximize], [0.9, 0.5, true, true]);
  // StepLR(opt, 1, 0.7): lr · 0.7 each epoch, the same as the options form
  const o1 = new optim.SGD([w], 1.0);
  const o2 = new optim.SGD([w], 1.0);
  const s1 = new optim.StepLR(o1, 1, 0.7);
  const s2 = new optim.StepLR(o2, { stepSize: 1, gamma: 0.7 });
  const lrs: number[][] = [];
  for (let i = 0; i < 3; i++) {
    s1.step();
    s2.step();
    lrs.push([o1.lr, o2.lr]);
  }
  assert.deepEqual(lrs, [[0.7, 0.7], [0.7 * 0.7, 0.7 * 0.7], [0.7 * 0.7 * 0.7, 0.7 * 0.7 * 0.7]]);
  const cos = new optim.CosineAnnealingLR(new optim.SGD([w], 1.0), 10, 0.1);
  assert.equal(cos.tMax, 10);
  assert.throws(() => new (optim.StepLR as any)(o1), /StepLR needs a stepSize/);
  w.dispose();
});

test("inplace activations write into their input and return it", () => {
  torch.scope(() => {
    const x = torch.tensor([-1, 2, -3, 4], { dtype: "float32" });
    const y = new nn.ReLU(true).forward(x);
    assert.equal(y, x);
    assert.deepEqual(x.toArray(), [0, 2, 0, 4]);
    const z = torch.tensor([-1, 2], { dtype: "float32" });
    new nn.LeakyReLU(0.5, true).forward(z);
    assert.deepEqual(z.toArray(), [-0.5, 2]);
  });
});

/** A word-level LM with tied embedding and decoder, as PyTorch's examples/word_language_model writes it. */
class TiedLM extends nn.Module<[Tensor], Tensor> {
  encoder = new nn.Embedding(7, 5);
  hidden = new nn.Linear(5, 5);
  decoder = new nn.Linear(5, 7);
  constructor() {
    super();
    this.decoder.weight = this.encoder.weight;
  }
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.hidden.forward(this.encoder.forward(x)).tanh());
  }
}

test("weight tying: decoder.weight = encoder.weight; loss and gradients equal PyTorch's tied model", { skip }, () => {
  torch.manualSeed(0);
  const m = new TiedLM();
  assert.equal(m.decoder.weight, m.encoder.weight);
  assert.equal(m.parameters().length, 4, "the tied weight is listed once");
  const tokens = [1, 4, 2, 6, 0, 3];
  const targets = [4, 2, 6, 0, 3, 5];
  const weights = torch.scope(() => Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, v.toArray()])));
  const ours = torch.scope(() => {
    const logits = m.forward(torch.tensor(tokens, { dtype: "int64" }));
    const loss = torch.nn.functional.crossEntropy(logits, torch.tensor(targets, { dtype: "int64" }));
    loss.backward();
    return { loss: loss.item() as number, logits: logits.toArray(), gEnc: m.encoder.weight.grad!.toArray(), gBias: m.decoder.bias!.grad!.toArray() };
  });
  const py = runPython(dedent(`
    import torch, torch.nn as nn, torch.nn.functional as F
    class TiedLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(7, 5)
            self.hidden = nn.Linear(5, 5)
            self.decoder = nn.Linear(5, 7)
            self.decoder.weight = self.encoder.weight
        def forward(self, x):
            return self.decoder(torch.tanh(self.hidden(self.encoder(x))))
    m = TiedLM()
    sd = {k: torch.tensor(v) for k, v in INPUT["w"].items()}
    m.load_state_dict(sd)
    logits = m(torch.tensor(INPUT["x"]))
    loss = F.cross_entropy(logits, torch.tensor(INPUT["t"]))
    loss.backward()
    OUTPUT = {"loss": loss.item(), "logits": logits, "gEnc": m.encoder.weight.grad, "gBias": m.decoder.bias.grad,
              "keys": list(m.state_dict().keys()), "nparams": len(list(m.parameters()))}
  `), { w: weights, x: tokens, t: targets }) as { loss: number; logits: number[][]; gEnc: number[][]; gBias: number[]; keys: string[]; nparams: number };
  assert.deepEqual(Object.keys(weights), py.keys, "state_dict keys (both names of the tied weight)");
  assert.equal(m.parameters().length, py.nparams);
  const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 + 1e-5 * Math.abs(b[i]), `${what}[${i}]: ${v} vs ${b[i]}`));
  close([ours.loss], [py.loss], "loss");
  close((ours.logits as number[][]).flat(), py.logits.flat(), "logits");
  close((ours.gEnc as number[][]).flat(), py.gEnc.flat(), "encoder.weight.grad (both uses)");
  close(ours.gBias as number[], py.gBias, "decoder.bias.grad");
  m.dispose();
});

test("registerParameter replaces what forward uses; a non-tensor assignment is refused", () => {
  const lin = new nn.Linear(2, 1);
  torch.scope(() => {
    lin.registerParameter("weight", torch.tensor([[2, 3]], { dtype: "float32" }));
    lin.bias = torch.tensor([1], { dtype: "float32" });
    assert.deepEqual(lin.forward(torch.tensor([[1, 1]], { dtype: "float32" })).toArray(), [[6]]);
    assert.deepEqual(lin.parameters().map((p) => p.toArray()), [[[2, 3]], [1]]);
  });
  assert.throws(() => { (lin as any).weight = [1, 2]; }, /^Error: tstorch: cannot assign an array as parameter 'weight' of Linear \(a Tensor or null expected\)$/);
  // a recurrent layer's flat weights follow their slots too
  const rnn = new nn.RNN(1, 1, { bias: false });
  torch.scope(() => {
    (rnn as any).weightIhL0 = torch.tensor([[2]], { dtype: "float32" });
    (rnn as any).weight_hh_l0 = torch.tensor([[0]], { dtype: "float32" });
    const [out] = rnn.forward(torch.tensor([[[0.5]]], { dtype: "float32" }));
    assert.ok(Math.abs((out.item() as number) - Math.tanh(1)) < 1e-6);
  });
  lin.dispose();
  rnn.dispose();
});

test("p.data is a property; size(dim) is a number; Module.double() converts in place", () => {
  const lin = new nn.Linear(3, 2);
  torch.scope(() => {
    const d = lin.weight.data;
    assert.equal(d.requiresGrad, false);
    d.zero_(); // shares storage
    assert.deepEqual(lin.weight.toArray(), [[0, 0, 0], [0, 0, 0]]);
    lin.bias!.data = torch.ones([2]);
    assert.deepEqual(lin.bias!.toArray(), [1, 1]);
    assert.ok(lin.bias!.requiresGrad, "set_data keeps the parameter a parameter");
    const x = torch.zeros([4, 3]);
    const twice: number = x.size(0) * 2; // compiles: size(dim) is typed number
    assert.equal(twice, 8);
    assert.deepEqual(x.size(), [4, 3]);
    assert.equal(x.size(-1), 3);
  });
  const w = lin.weight;
  lin.double();
  assert.equal(lin.weight, w, "the same tensor object, converted");
  assert.equal(lin.weight.dtype, "float64");
  assert.equal(lin.float().weight.dtype, "float32");
  assert.equal(lin.cpu().weight.device.type, "cpu");
  lin.dispose();
});

/** SGD with momentum as a user writes it from PyTorch's docs: no torch.persist anywhere. */
class MyMomentum extends optim.Optimizer {
  constructor(params: Tensor[], lr: number, readonly momentum: number) {
    super(params, { lr });
  }
  step(closure?: optim.Closure): void {
    this.evalClosure(closure);
    torch.noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          const state = this.stateOf(p);
          if (state.buf === undefined) state.buf = grad.clone();
          else (state.buf as Tensor).mul_(this.momentum).add_(grad);
          p.add_(state.buf as Tensor, -g.lr);
        }
      }
    });
  }
}

test("a user-written optimiser keeps its state across steps inside torch.scope (equal to optim.SGD's momentum)", () => {
  const a = torch.tensor([1, -2, 3], { dtype: "float64" }).requiresGrad_(true);
  const b = torch.tensor([1, -2, 3], { dtype: "float64" }).requiresGrad_(true);
  const mine = new MyMomentum([a], 0.1, 0.9);
  const ref = new optim.SGD([b], 0.1, 0.9);
  for (let i = 0; i < 5; i++) {
    for (const [p, o] of [[a, mine], [b, ref]] as const) {
      torch.scope(() => {
        o.zeroGrad();
        p.mul(p).sum().backward();
        o.step();
      });
    }
  }
  assert.deepEqual(a.toArray(), b.toArray());
  mine.dispose();
  ref.dispose();
  a.dispose();
  b.dispose();
});

test("a union of recurrent layers is callable", () => {
  const layers: nn.AnyRNN[] = [new nn.GRU(2, 3), new nn.LSTM(2, 3)];
  torch.scope(() => {
    for (const rnn of layers) {
      const [out] = rnn.call(torch.zeros([4, 1, 2]));
      assert.deepEqual(out.shape, [4, 1, 3]);
    }
  });
  for (const l of layers) l.dispose();
});

test("errors name their fix: BCELoss with an int64 target, use after dispose", () => {
  torch.scope(() => {
    const p = torch.tensor([0.2, 0.9], { dtype: "float32" });
    const t = torch.tensor([0, 1], { dtype: "int64" });
    assert.throws(() => new nn.BCELoss().forward(p, t), /^Error: tstorch: binaryCrossEntropy: the target has dtype int64 but the input float32; the target must be floating point like the input: use target\.float\(\) \(or target\.to\(input\.dtype\)\)$/);
    assert.throws(() => new nn.BCEWithLogitsLoss().forward(p, t), /use target\.float\(\)/);
  });
  const leaked = torch.scope(() => {
    torch.zeros([1]);
    return { kept: torch.zeros([1]), lost: [] as Tensor[] };
  });
  const freed = torch.scope(() => torch.ones([2]).mul(2)).add(0); // the inner ones([2]) was freed
  const gone = (() => {
    let t: Tensor | null = null;
    torch.scope(() => { t = torch.ones([1]); });
    return t as unknown as Tensor;
  })();
  // the message names the scope that freed it (freed-by.ts) and how to keep the tensor
  assert.throws(() => gone.add(1), /Tensor used after dispose\(\) \(self\): it was freed at the end of the unnamed torch\.scope of function `\(\) => \{ t = torch\.ones\(\[1\]\); \}` .*; to use it after that scope, return it from the scope's function or pass it to torch\.keep\(\) inside the scope/);
  leaked.kept.dispose();
  freed.dispose();
});
