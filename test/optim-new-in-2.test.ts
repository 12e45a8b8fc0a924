// Adafactor (PyTorch 2.5+) and Muon (2.9+): against torch.optim where the linked PyTorch has them
// (100 float64 steps, bit-equal); with an older libtorch (1.13 on the host) tstorch still has them,
// and the test checks what it can without PyTorch: they run, the loss falls, the options are checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { compareTrajectories, OptCase, torchAtLeast, tsRun } from "./helpers/optim-harness.js";

const { optim } = torch;

const ADAFACTOR: OptCase[] = [
  { name: "Adafactor", ts: (P) => new optim.Adafactor(P), py: "torch.optim.Adafactor(P)", minVersion: [2, 5] },
  {
    name: "Adafactor options",
    ts: (P) => new optim.Adafactor(P, 0.05, { beta2Decay: -0.5, eps: [1e-20, 1e-2], d: 1.5, weightDecay: 0.01 }),
    py: "torch.optim.Adafactor(P, lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, weight_decay=0.01)",
    minVersion: [2, 5],
  },
  {
    name: "Adafactor maximize, groups",
    ts: (P) => new optim.Adafactor([{ params: [P[0]] }, { params: [P[1], P[2]], lr: 0.001 }], { maximize: true }),
    py: "torch.optim.Adafactor([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.001}], maximize=True)",
    minVersion: [2, 5],
  },
];
const MUON: OptCase[] = [
  { name: "Muon", ts: (P) => new optim.Muon([P[0]], 0.02), py: "torch.optim.Muon([P[0]], lr=0.02)", minVersion: [2, 9] },
  {
    name: "Muon no nesterov, options",
    ts: (P) => new optim.Muon([P[0]], { lr: 0.01, weightDecay: 0.01, momentum: 0.9, nesterov: false, nsSteps: 3, adjustLrFn: "match_rms_adamw" }),
    py: "torch.optim.Muon([P[0]], lr=0.01, weight_decay=0.01, momentum=0.9, nesterov=False, ns_steps=3, adjust_lr_fn='match_rms_adamw')",
    minVersion: [2, 9],
  },
];

test("Adafactor and Muon: 100-step float64 trajectories equal PyTorch's bit for bit (where PyTorch has them)", (t) => {
  if (!torchAtLeast(2, 5)) t.diagnostic("PyTorch < 2.5: no Adafactor to compare with");
  if (!torchAtLeast(2, 9)) t.diagnostic("PyTorch < 2.9: no Muon to compare with");
  compareTrajectories([...ADAFACTOR, ...MUON]);
});

test("Adafactor and Muon run with every libtorch: the loss falls", () => {
  for (const c of [...ADAFACTOR.slice(0, 2), ...MUON]) {
    const r = tsRun(c);
    assert.ok(r.losses[r.losses.length - 1] < 0.9 * r.losses[0], `${c.name}: loss ${r.losses[0]} -> ${r.losses[r.losses.length - 1]}`);
    assert.ok(r.losses.every(Number.isFinite));
  }
});

test("Adafactor and Muon option errors: PyTorch's messages", () => {
  const m = torch.persist(torch.zeros([3, 2]).requiresGrad_(true));
  const v = torch.persist(torch.zeros([3]).requiresGrad_(true));
  assert.throws(() => new optim.Adafactor([m], -1), /Learning rate should be >= 0 but is: -1/);
  assert.throws(() => new optim.Adafactor([m], { beta2Decay: 0.5 }), /beta2_decay should be <= 0 but is: 0.5/);
  assert.throws(() => new optim.Adafactor([m], { eps: [-1, 1e-3] }), /epsilon1 should be >= 0 but is: -1/);
  assert.throws(() => new optim.Adafactor([m], { eps: [null, -1] }), /epsilon2 should be >= 0 but is: -1/);
  assert.throws(() => new optim.Adafactor([m], { d: 0.5 }), /Clipping threshold d should be >= 1 but is: 0.5/);
  assert.throws(() => new optim.Adafactor([m], { weightDecay: -1 }), /weight_decay should be >= 0 but is: -1/);
  assert.throws(() => new optim.Muon([m, v]), /Muon only supports 2D parameters whereas we found a parameter with size: \[3\]/);
  assert.throws(() => new optim.Muon([m], -1), /Learning rate should be >= 0 but is: -1/);
  assert.throws(() => new optim.Muon([m], { momentum: -1 }), /momentum should be >= 0 but is: -1/);
  assert.throws(() => new optim.Muon([m], { weightDecay: -1 }), /weight decay should be >= 0 but is: -1/);
  assert.throws(() => new optim.Muon([m], { adjustLrFn: "nope" as "original" }), /Adjust learning rate function nope is not supported/);
  m.dispose();
  v.dispose();
});
