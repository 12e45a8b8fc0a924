// MultiplicativeLR, MultiStepLR, ConstantLR, ExponentialLR, PolynomialLR, CyclicLR,
// CosineAnnealingWarmRestarts, ChainedScheduler and ReduceLROnPlateau against
// torch.optim.lr_scheduler of the linked version: two groups' learning rates (and cycled momentum)
// over many epochs, bit-equal (powers, cos and log are C's on both sides). Where 2.x changed
// CyclicLR on purpose (beta1 cycling, the starting momentum) the linked version's behaviour is checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { TORCH_MAJOR } from "./helpers/optim-harness.js";

const { optim } = torch;
const EPOCHS = 60;

/** SGD (or Adam) with two groups (lr 0.1 and 0.03) on dummy parameters. */
function opt2(kind: "sgd" | "adam" = "sgd"): torch.optim.Optimizer {
  const a = torch.persist(torch.zeros([2]).requiresGrad_(true));
  const b = torch.persist(torch.zeros([3]).requiresGrad_(true));
  const groups = [{ params: [a] }, { params: [b], lr: 0.03 }];
  return kind === "sgd" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
}
function free(o: torch.optim.Optimizer): void {
  for (const g of o.paramGroups) for (const p of g.params) p.dispose();
  o.dispose();
}

/** Per epoch: each group's [lr, momentum or beta1]. */
type Stepper = { step(m: number): void; getLastLr(): number[] };

function run(o: torch.optim.Optimizer, s: Stepper, metrics?: number[]): number[][][] {
  const snap = () => o.paramGroups.map((g) => [g.lr, (Array.isArray(g.betas) ? g.betas[0] : g.momentum) as number]);
  const out = [snap()];
  for (let e = 0; e < EPOCHS; e++) {
    o.step();
    s.step(metrics?.[e] as number); // no metric: an LRScheduler's plain step()
    out.push(snap());
    assert.deepEqual(s.getLastLr(), out[out.length - 1].map((g) => g[0]));
  }
  return out;
}

/** A metric that improves, stalls, improves a little, then rises. */
const METRICS = Array.from({ length: EPOCHS }, (_, e) => (e < 10 ? 1 - 0.05 * e : e < 25 ? 0.55 : e < 35 ? 0.55 - 0.00001 * e : 0.5 + 0.01 * e));

type Case = { ts: (o: torch.optim.Optimizer) => Stepper; py: string; opt?: "sgd" | "adam"; metrics?: boolean; minMajor?: number; maxMajor?: number };
const CASES: Record<string, Case> = {
  multiplicative: { ts: (o) => new optim.MultiplicativeLR(o, (e) => 0.95 - 0.001 * e), py: "MultiplicativeLR(opt, lambda e: 0.95 - 0.001 * e)" },
  multiplicative_groups: { ts: (o) => new optim.lrScheduler.MultiplicativeLR(o, { lrLambda: [() => 0.9, (e) => (e % 3 === 0 ? 0.5 : 1.0)] }), py: "MultiplicativeLR(opt, [lambda e: 0.9, lambda e: 0.5 if e % 3 == 0 else 1.0])" },
  multistep: { ts: (o) => new optim.MultiStepLR(o, [10, 25, 25, 40], 0.3), py: "MultiStepLR(opt, [10, 25, 25, 40], 0.3)" },
  multistep_default: { ts: (o) => new optim.MultiStepLR(o, { milestones: [5, 30] }), py: "MultiStepLR(opt, milestones=[5, 30])" },
  constant: { ts: (o) => new optim.ConstantLR(o), py: "ConstantLR(opt)" },
  constant_opts: { ts: (o) => new optim.ConstantLR(o, 0.4, 17), py: "ConstantLR(opt, factor=0.4, total_iters=17)" },
  exponential: { ts: (o) => new optim.ExponentialLR(o, 0.93), py: "ExponentialLR(opt, 0.93)" },
  polynomial: { ts: (o) => new optim.PolynomialLR(o, 40, 2.5), py: "PolynomialLR(opt, total_iters=40, power=2.5)" },
  polynomial_default: { ts: (o) => new optim.PolynomialLR(o), py: "PolynomialLR(opt)" },
  cyclic: { ts: (o) => new optim.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 7 }), py: "CyclicLR(opt, 0.01, 0.1, step_size_up=7)" },
  cyclic_triangular2: {
    ts: (o) => new optim.CyclicLR(o, [0.01, 0.002], [0.1, 0.05], { stepSizeUp: 5, stepSizeDown: 8, mode: "triangular2", baseMomentum: 0.7, maxMomentum: 0.95 }),
    py: "CyclicLR(opt, [0.01, 0.002], [0.1, 0.05], step_size_up=5, step_size_down=8, mode='triangular2', base_momentum=0.7, max_momentum=0.95)",
  },
  cyclic_exp_range: { ts: (o) => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.2, stepSizeUp: 6, mode: "exp_range", gamma: 0.97, cycleMomentum: false }), py: "CyclicLR(opt, 0.01, 0.2, step_size_up=6, mode='exp_range', gamma=0.97, cycle_momentum=False)" },
  cyclic_custom: { ts: (o) => new optim.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 4, scaleFn: (x) => 1 / (1 + 0.1 * x), scaleMode: "iterations" }), py: "CyclicLR(opt, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode='iterations')" },
  // PyTorch 2 cycles Adam's beta1 (1.13 refuses Adam with cycle_momentum: see the errors test)
  cyclic_adam: { ts: (o) => new optim.CyclicLR(o, 0.001, 0.01, { stepSizeUp: 5 }), py: "CyclicLR(opt, 0.001, 0.01, step_size_up=5)", opt: "adam", minMajor: 2 },
  warm_restarts: { ts: (o) => new optim.CosineAnnealingWarmRestarts(o, 10), py: "CosineAnnealingWarmRestarts(opt, 10)" },
  warm_restarts_mult: { ts: (o) => new optim.CosineAnnealingWarmRestarts(o, { T0: 3, tMult: 2, etaMin: 0.001 }), py: "CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)" },
  chained: {
    ts: (o) => new optim.ChainedScheduler([new optim.ConstantLR(o, 0.1, 3), new optim.ExponentialLR(o, 0.9), new optim.MultiStepLR(o, [20, 40], 0.5)]),
    py: "ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=3), ExponentialLR(opt, gamma=0.9), MultiStepLR(opt, [20, 40], 0.5)])",
  },
  sequential_new: {
    ts: (o) => new optim.SequentialLR(o, { schedulers: [new optim.ConstantLR(o, 0.5, 4), new optim.ExponentialLR(o, 0.9), new optim.PolynomialLR(o, 30, 2)], milestones: [8, 20] }),
    py: "SequentialLR(opt, [ConstantLR(opt, factor=0.5, total_iters=4), ExponentialLR(opt, gamma=0.9), PolynomialLR(opt, total_iters=30, power=2)], milestones=[8, 20])",
  },
  sequential_multistep: {
    ts: (o) => new optim.SequentialLR(o, { schedulers: [new optim.ExponentialLR(o, 0.95), new optim.MultiStepLR(o, [3, 9, 9], 0.6)], milestones: [12] }),
    py: "SequentialLR(opt, [ExponentialLR(opt, gamma=0.95), MultiStepLR(opt, [3, 9, 9], 0.6)], milestones=[12])",
  },
  plateau: { ts: (o) => new optim.ReduceLROnPlateau(o, { patience: 3 }), py: "ReduceLROnPlateau(opt, patience=3)", metrics: true },
  plateau_max_abs_cooldown: {
    ts: (o) => new optim.ReduceLROnPlateau(o, "max", { factor: 0.5, patience: 2, threshold: 0.01, thresholdMode: "abs", cooldown: 3, minLr: [0.02, 0.001] }),
    py: "ReduceLROnPlateau(opt, 'max', factor=0.5, patience=2, threshold=0.01, threshold_mode='abs', cooldown=3, min_lr=[0.02, 0.001])",
    metrics: true,
  },
  plateau_eps: { ts: (o) => new optim.ReduceLROnPlateau(o, { factor: 0.9, patience: 0, eps: 0.005 }), py: "ReduceLROnPlateau(opt, factor=0.9, patience=0, eps=0.005)", metrics: true },
};

const PY = dedent(`
import torch, warnings
from torch.optim.lr_scheduler import *
warnings.simplefilter("ignore")
def opt2(kind):
    a = torch.zeros(2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.03}]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9) if kind == "sgd" else torch.optim.Adam(groups, lr=0.1)
def snap(opt):
    return [[g["lr"], g["betas"][0] if "betas" in g else g["momentum"]] for g in opt.param_groups]
OUTPUT = {}
for name, c in INPUT["cases"].items():
    opt = opt2(c["opt"])
    s = eval(c["py"])
    out = [snap(opt)]
    for e in range(${EPOCHS}):
        opt.step()
        if c["metrics"]: s.step(INPUT["metrics"][e])
        else: s.step()
        out.append(snap(opt))
    OUTPUT[name] = out
`);

test(`schedulers: two groups' learning rates and momentum equal PyTorch's bit for bit over ${EPOCHS} epochs`, () => {
  const names = Object.keys(CASES).filter((n) => TORCH_MAJOR >= (CASES[n].minMajor ?? 0));
  const py = runPython(PY, {
    metrics: METRICS,
    cases: Object.fromEntries(names.map((n) => [n, { py: CASES[n].py, opt: CASES[n].opt ?? "sgd", metrics: CASES[n].metrics ?? false }])),
  }) as Record<string, number[][][]>;
  for (const n of names) {
    const c = CASES[n];
    const o = opt2(c.opt);
    const ours = run(o, c.ts(o), c.metrics ? METRICS : undefined);
    ours.forEach((row, e) => assert.deepEqual(row, py[n][e], `${n}, epoch ${e}: tstorch ${JSON.stringify(row)} vs PyTorch ${JSON.stringify(py[n][e])}`));
    assert.ok(new Set(ours.map((r) => r[0][0])).size > 1, `${n}: the learning rate changes`);
    free(o);
  }
});

test("CyclicLR follows the linked PyTorch: 2 starts at maxMomentum, 1.13 at baseMomentum; 1.13 refuses Adam", () => {
  const o = opt2();
  new optim.CyclicLR(o, 0.01, 0.1, { baseMomentum: 0.7, maxMomentum: 0.95, stepSizeUp: 4 });
  // at iteration 0 the scale factor is 0: momentum = maxMomentum on both versions (1.13 set baseMomentum first, then the step overwrote it)
  assert.equal(o.paramGroups[0].momentum, 0.95);
  if (TORCH_MAJOR >= 2) assert.equal(o.paramGroups[0].maxMomentum, 0.95);
  else assert.equal(o.paramGroups[0].maxMomentum, undefined);
  free(o);
  const a = opt2("adam");
  if (TORCH_MAJOR < 2) assert.throws(() => new optim.CyclicLR(a, 0.001, 0.01), /optimizer must support momentum with `cycle_momentum` option enabled/);
  else assert.doesNotThrow(() => new optim.CyclicLR(a, 0.001, 0.01));
  free(a);
});

test("step(epoch) jumps with the closed forms (SequentialLR's restart) and CosineAnnealingWarmRestarts takes fractional epochs", () => {
  const py = runPython(dedent(`
    import torch, warnings
    from torch.optim.lr_scheduler import *
    warnings.simplefilter("ignore")
    def opt():
        return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    out = {}
    for name, make, epochs in [("multistep", lambda o: MultiStepLR(o, [3, 7, 7], 0.5), [9, 2, 7, 12]),
                               ("exponential", lambda o: ExponentialLR(o, 0.8), [5, 1, 11]),
                               ("constant", lambda o: ConstantLR(o, 0.25, 4), [2, 6, 3]),
                               ("polynomial", lambda o: PolynomialLR(o, 10, 1.5), [3, 8, 14]),
                               ("warm", lambda o: CosineAnnealingWarmRestarts(o, 4, 2, 0.01), [0.5, 3.25, 5.0, 13.7, 29.9])]:
        o = opt(); s = make(o); lrs = []
        for e in epochs:
            s.step(e); lrs.append(o.param_groups[0]["lr"])
        out[name] = lrs
    OUTPUT = out
  `)) as Record<string, number[]>;
  const mk: Record<string, [(o: torch.optim.Optimizer) => torch.optim.LRScheduler, number[]]> = {
    multistep: [(o) => new optim.MultiStepLR(o, [3, 7, 7], 0.5), [9, 2, 7, 12]],
    exponential: [(o) => new optim.ExponentialLR(o, 0.8), [5, 1, 11]],
    constant: [(o) => new optim.ConstantLR(o, 0.25, 4), [2, 6, 3]],
    polynomial: [(o) => new optim.PolynomialLR(o, 10, 1.5), [3, 8, 14]],
    warm: [(o) => new optim.CosineAnnealingWarmRestarts(o, 4, 2, 0.01), [0.5, 3.25, 5.0, 13.7, 29.9]],
  };
  for (const [name, [make, epochs]] of Object.entries(mk)) {
    const p = torch.persist(torch.zeros([1]).requiresGrad_(true));
    const o = new optim.SGD([p], 0.1);
    const s = make(o);
    const lrs = epochs.map((e) => (s.step(e), o.paramGroups[0].lr));
    assert.deepEqual(lrs, py[name], name);
    p.dispose();
  }
});

test("scheduler state: ReduceLROnPlateau and ChainedScheduler survive stateDict / loadStateDict (JSON)", () => {
  const o1 = opt2();
  const s1 = new optim.ReduceLROnPlateau(o1, { patience: 1 });
  METRICS.slice(0, 20).forEach((m) => s1.step(m));
  const o2 = opt2();
  o2.paramGroups.forEach((g, i) => (g.lr = o1.paramGroups[i].lr));
  const s2 = new optim.ReduceLROnPlateau(o2);
  s2.loadStateDict(JSON.parse(JSON.stringify(s1.stateDict())));
  for (const m of METRICS.slice(20)) {
    s1.step(m);
    s2.step(m);
  }
  assert.deepEqual(s2.getLastLr(), s1.getLastLr());
  assert.equal(s2.numBadEpochs, s1.numBadEpochs);
  const make = (o: torch.optim.Optimizer) => new optim.ChainedScheduler([new optim.ExponentialLR(o, 0.9), new optim.MultiStepLR(o, [5, 12], 0.5)]);
  const o3 = opt2();
  const c3 = make(o3);
  for (let i = 0; i < 8; i++) c3.step();
  const o4 = opt2();
  const c4 = make(o4);
  c4.loadStateDict(JSON.parse(JSON.stringify(c3.stateDict())));
  o4.paramGroups.forEach((g, i) => (g.lr = o3.paramGroups[i].lr));
  for (let i = 0; i < 10; i++) {
    c3.step();
    c4.step();
  }
  assert.deepEqual(c4.getLastLr(), c3.getLastLr());
  for (const o of [o1, o2, o3, o4]) free(o);
});

test("scheduler errors: PyTorch's messages", () => {
  const o = opt2();
  const other = opt2();
  assert.throws(() => new optim.MultiplicativeLR(o, [() => 1]), /Expected 2 lr_lambdas, but got 1/);
  assert.throws(() => new optim.ConstantLR(o, 1.5), /Constant multiplicative factor expected to be between 0 and 1\./);
  assert.throws(() => new optim.CosineAnnealingWarmRestarts(o, 0), /Expected positive integer T_0, but got 0/);
  assert.throws(() => new optim.CosineAnnealingWarmRestarts(o, 2.5), /Expected positive integer T_0, but got 2.5/);
  assert.throws(() => new optim.CosineAnnealingWarmRestarts(o, 3, 0), /Expected integer T_mult >= 1, but got 0/);
  assert.throws(() => new optim.CosineAnnealingWarmRestarts(o, 3).step(-1), /Expected non-negative epoch, but got -1/);
  assert.throws(() => new optim.CyclicLR(o, [0.1], 0.2), TORCH_MAJOR >= 2 ? /base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, param_groups has 2./ : /expected 2 values for base_lr, got 1/);
  assert.throws(() => new optim.CyclicLR(o, 0.1, 0.2, { mode: "sawtooth" as "triangular" }), /mode is invalid and scale_fn is None/);
  assert.throws(() => new optim.ReduceLROnPlateau(o, { factor: 1 }), /Factor should be < 1\.0\./);
  assert.throws(() => new optim.ReduceLROnPlateau(o, { minLr: [0] }), /expected 2 min_lrs, got 1/);
  assert.throws(() => new optim.ReduceLROnPlateau(o, "median" as "min"), /mode median is unknown!/);
  assert.throws(() => new optim.ReduceLROnPlateau(o, { thresholdMode: "pct" as "rel" }), /threshold mode pct is unknown!/);
  assert.throws(() => new optim.ChainedScheduler([]), /ChainedScheduler expects at least one scheduler to be chained, but got no scheduler\./);
  assert.throws(() => new optim.ChainedScheduler([new optim.ExponentialLR(o, 0.9), new optim.ExponentialLR(other, 0.9)]), /ChainedScheduler expects all schedulers to belong to the same optimizer/);
  assert.throws(() => new optim.ChainedScheduler([new optim.ReduceLROnPlateau(o) as never]), /ReduceLROnPlateau/);
  // the same texts as PyTorch's
  const py = runPython(dedent(`
    import torch
    from torch.optim.lr_scheduler import *
    a = torch.zeros(2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1, momentum=0.9)
    out = []
    for f in [lambda: MultiplicativeLR(opt, [lambda e: 1]), lambda: ConstantLR(opt, 1.5), lambda: CosineAnnealingWarmRestarts(opt, 0),
              lambda: CosineAnnealingWarmRestarts(opt, 3, 0), lambda: CyclicLR(opt, [0.1], 0.2), lambda: CyclicLR(opt, 0.1, 0.2, mode="sawtooth"),
              lambda: ReduceLROnPlateau(opt, factor=1), lambda: ReduceLROnPlateau(opt, min_lr=[0]), lambda: ReduceLROnPlateau(opt, "median")]:
        try:
            f(); out.append(None)
        except ValueError as e:
            out.append(str(e))
    OUTPUT = out
  `)) as string[];
  const ours = [
    () => new optim.MultiplicativeLR(o, [() => 1]), () => new optim.ConstantLR(o, 1.5), () => new optim.CosineAnnealingWarmRestarts(o, 0),
    () => new optim.CosineAnnealingWarmRestarts(o, 3, 0), () => new optim.CyclicLR(o, [0.1], 0.2), () => new optim.CyclicLR(o, 0.1, 0.2, { mode: "sawtooth" as "triangular" }),
    () => new optim.ReduceLROnPlateau(o, { factor: 1 }), () => new optim.ReduceLROnPlateau(o, { minLr: [0] }), () => new optim.ReduceLROnPlateau(o, "median" as "min"),
  ].map((f) => {
    try {
      f();
      return null;
    } catch (e) {
      return (e as Error).message.replace(/^tstorch: /, "");
    }
  });
  assert.deepEqual(ours, py);
  free(o);
  free(other);
});
