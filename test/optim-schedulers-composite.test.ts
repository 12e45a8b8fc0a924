// LambdaLR, LinearLR, SequentialLR (and step(epoch) of StepLR / CosineAnnealingLR, which SequentialLR
// uses at milestones) against torch.optim.lr_scheduler of PyTorch 1.13: the learning rates of every
// group over many epochs, to 1e-15 relative: the same double formulas in the same order; only
// Math.cos (CosineAnnealingLR) can differ from C's cos in the last bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";

const { optim } = torch;
const EPOCHS = 30;
// The lambdas avoid `**`: V8's pow and C's can differ in the last bit, which would be the test's, not the scheduler's.

function assertLrs(actual: number[][], expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: epochs`);
  actual.forEach((row, e) => {
    assert.equal(row.length, expected[e].length, `${what}: groups`);
    row.forEach((a, g) => {
      const x = expected[e][g];
      if (!(Math.abs(a - x) <= 1e-15 * Math.abs(x))) assert.fail(`${what} epoch ${e} group ${g}: tstorch ${a} vs PyTorch ${x}`);
    });
  });
}

/** An SGD with two groups (lr 0.1 and 0.03) on dummy parameters. */
function sgd2(): torch.optim.SGD {
  const a = torch.zeros([2]).requiresGrad_(true);
  const b = torch.zeros([3]).requiresGrad_(true);
  return new optim.SGD([{ params: [a] }, { params: [b], lr: 0.03 }], { lr: 0.1, momentum: 0.9 });
}

/** The group lrs after construction and after each of EPOCHS steps. */
function run(opt: torch.optim.SGD, s: torch.optim.LRScheduler): number[][] {
  const out = [opt.paramGroups.map((g) => g.lr)];
  assert.deepEqual(s.getLastLr(), out[0]);
  for (let e = 0; e < EPOCHS; e++) {
    opt.step();
    s.step();
    out.push(opt.paramGroups.map((g) => g.lr));
    assert.deepEqual(s.getLastLr(), out[out.length - 1]);
  }
  return out;
}

const PY = dedent(`
import math, torch
from torch.optim import SGD
from torch.optim.lr_scheduler import LambdaLR, LinearLR, SequentialLR, StepLR, CosineAnnealingLR, OneCycleLR
import warnings
warnings.simplefilter("ignore")
def sgd2():
    a = torch.zeros(2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
    return SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1, momentum=0.9)
def run(opt, s):
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(${EPOCHS}):
        opt.step(); s.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out
def case(name):
    opt = sgd2()
    if name == "lambda1": s = LambdaLR(opt, lambda e: 1 / (1 + 0.1 * e))
    if name == "lambda2": s = LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: max(0.0, 1 - e / 20)])
    if name == "linear_default": s = LinearLR(opt)
    if name == "linear_down": s = LinearLR(opt, start_factor=1.0, end_factor=0.05, total_iters=17)
    if name == "linear_up": s = LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=8)
    if name == "seq_linear_cos":
        s = SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=5), CosineAnnealingLR(opt, T_max=20, eta_min=0.001)], milestones=[5])
    if name == "seq_three":
        s = SequentialLR(opt, [LinearLR(opt, start_factor=0.5, end_factor=1.0, total_iters=3), StepLR(opt, step_size=4, gamma=0.5),
                               LambdaLR(opt, lambda e: 1 - 0.03 * e)], milestones=[6, 15])
    if name == "seq_lambda_first":
        s = SequentialLR(opt, [LambdaLR(opt, [lambda e: (e + 1) / 4, lambda e: 1.0]), LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=10)], milestones=[3])
    return run(opt, s)
OUTPUT = {n: case(n) for n in INPUT}
`);

const CASES: Record<string, (opt: torch.optim.SGD) => torch.optim.LRScheduler> = {
  lambda1: (o) => new optim.LambdaLR(o, { lrLambda: (e) => 1 / (1 + 0.1 * e) }),
  lambda2: (o) => new optim.lrScheduler.LambdaLR(o, { lrLambda: [(e) => 1 / (e + 1), (e) => Math.max(0.0, 1 - e / 20)] }),
  linear_default: (o) => new optim.LinearLR(o),
  linear_down: (o) => new optim.LinearLR(o, { startFactor: 1.0, endFactor: 0.05, totalIters: 17 }),
  linear_up: (o) => new optim.lrScheduler.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 8 }),
  seq_linear_cos: (o) =>
    new optim.SequentialLR(o, {
      schedulers: [new optim.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new optim.CosineAnnealingLR(o, { tMax: 20, etaMin: 0.001 })],
      milestones: [5],
    }),
  seq_three: (o) =>
    new optim.lrScheduler.SequentialLR(o, {
      schedulers: [
        new optim.LinearLR(o, { startFactor: 0.5, endFactor: 1.0, totalIters: 3 }),
        new optim.lrScheduler.StepLR(o, { stepSize: 4, gamma: 0.5 }),
        new optim.LambdaLR(o, { lrLambda: (e) => 1 - 0.03 * e }),
      ],
      milestones: [6, 15],
    }),
  seq_lambda_first: (o) =>
    new optim.SequentialLR(o, {
      schedulers: [new optim.LambdaLR(o, { lrLambda: [(e) => (e + 1) / 4, () => 1.0] }), new optim.LinearLR(o, { startFactor: 1.0, endFactor: 0.0, totalIters: 10 })],
      milestones: [3],
    }),
};

test("LambdaLR, LinearLR, SequentialLR: two groups' learning rates equal PyTorch's over 30 epochs", () => {
  const names = Object.keys(CASES);
  const py = runPython(PY, names) as Record<string, number[][]>;
  for (const n of names) {
    const opt = sgd2();
    const ours = run(opt, CASES[n](opt));
    assertLrs(ours, py[n], n);
    // the two groups really differ and the schedule really moves
    assert.notEqual(ours[1][0], ours[1][1], `${n}: groups differ`);
    assert.ok(new Set(ours.map((r) => r[0])).size > 2, `${n}: the lr changes`);
    for (const g of opt.paramGroups) for (const p of g.params) p.dispose();
    opt.dispose();
  }
});

test("optim.lrScheduler holds every scheduler, as torch.optim.lr_scheduler", () => {
  const ls = optim.lrScheduler;
  assert.equal(ls.StepLR, optim.StepLR);
  assert.equal(ls.CosineAnnealingLR, optim.CosineAnnealingLR);
  assert.equal(ls.OneCycleLR, optim.OneCycleLR);
  assert.equal(ls.LambdaLR, optim.LambdaLR);
  assert.equal(ls.LinearLR, optim.LinearLR);
  assert.equal(ls.SequentialLR, optim.SequentialLR);
  assert.equal(ls.LRScheduler, optim.LRScheduler);
});

test("scheduler errors: wrong lambda count, factors out of range, foreign optimizer, milestone count", () => {
  const opt = sgd2();
  const other = sgd2();
  assert.throws(() => new optim.LambdaLR(opt, { lrLambda: [(e) => e] }), /^Error: tstorch: Expected 2 lr_lambdas, but got 1$/);
  assert.throws(() => new optim.LambdaLR(opt, {} as never), /tstorch: LambdaLR needs lrLambda/);
  assert.throws(() => new optim.LinearLR(opt, { startFactor: 1.5 }), /tstorch: LinearLR: startFactor expected to be between 0 and 1, got 1.5/);
  assert.throws(() => new optim.LinearLR(opt, { endFactor: -0.1 }), /tstorch: LinearLR: endFactor expected to be between 0 and 1/);
  const s1 = new optim.LinearLR(opt);
  const s2 = new optim.StepLR(other, { stepSize: 2 });
  assert.throws(
    () => new optim.SequentialLR(opt, { schedulers: [s1, s2], milestones: [3] }),
    /tstorch: SequentialLR expects all schedulers to belong to the same optimizer, but got schedulers at index 1 to be different/,
  );
  assert.throws(
    () => new optim.SequentialLR(opt, { schedulers: [s1], milestones: [3] }),
    /tstorch: SequentialLR expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1/,
  );
  const py = runPython(dedent(`
    import torch
    from torch.optim.lr_scheduler import LambdaLR
    a = torch.zeros(2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    try:
        LambdaLR(opt, [lambda e: e]); OUTPUT = None
    except ValueError as e:
        OUTPUT = str(e)
  `));
  assert.equal(py, "Expected 2 lr_lambdas, but got 1");
  for (const o of [opt, other]) for (const g of o.paramGroups) for (const p of g.params) p.dispose();
});
