// Optimisers and schedulers against PyTorch 1.13: the same model, weights and data, 20 steps of
// cross-entropy; the parameters, losses and optimiser state must match PyTorch's to float32
// precision, and scheduler learning rates to double precision.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat, fromPy } from "./helpers/seed-models.js";

const { nn, optim } = torch;
const STEPS = 20;

function assertClose(actual: number[], expected: number[], what: string, rtol = 1e-5, atol = 1e-7): void {
  assert.equal(actual.length, expected.length, `${what}: element count`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) assert.fail(`${what}[${i}]: tstorch ${a} vs PyTorch ${e}`);
  }
}

// ---------------------------------------------------------------- fixed model and data
torch.manualSeed(2024);
const init = torch.scope(() => {
  const m = new nn.Sequential(new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 3));
  const sd = Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, v.toArray()]));
  m.dispose();
  return sd;
});
const X = torch.scope(() => torch.randn([16, 8]).mul(1.5).toArray());
const Y = torch.scope(() => torch.randint(0, 3, [16]).toArray());

function model(): torch.nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(8, 4), new nn.ReLU(), new nn.Linear(4, 3));
  torch.scope(() => m.loadStateDict(Object.fromEntries(Object.entries(init).map(([k, v]) => [k, fromPy(v)]))));
  return m;
}

const PY_SETUP = dedent(`
import torch, torch.nn as nn, torch.nn.functional as F
X = torch.tensor(INPUT["X"], dtype=torch.float32)
Y = torch.tensor(INPUT["Y"], dtype=torch.int64)
def model():
    m = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))
    m.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in INPUT["init"].items()})
    return m
def train(m, opt, steps, sched=None):
    losses, lrs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(m(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if sched is not None:
            sched.step()
            lrs.append(sched.get_last_lr()[0])
    return losses, lrs
`);

function train(m: torch.nn.Module, opt: torch.optim.Optimizer, steps: number, sched?: torch.optim.LRScheduler): { losses: number[]; lrs: number[] } {
  const x = fromPy(X);
  const y = torch.tensor(Y as number[], { dtype: "int64" });
  const losses: number[] = [];
  const lrs: number[] = [];
  for (let s = 0; s < steps; s++) {
    torch.scope(() => {
      const loss = nn.crossEntropyForLogits(m.forward(x), y);
      opt.backwardStep(loss);
      losses.push(loss.item());
    });
    if (sched) {
      sched.step();
      lrs.push(sched.getLastLr()[0]);
    }
  }
  x.dispose();
  y.dispose();
  return { losses, lrs };
}

interface Case {
  name: string;
  ts: (m: torch.nn.Module) => torch.optim.Optimizer;
  /** Python expression over `m` (the model) */
  py: string;
}

const CASES: Case[] = [
  { name: "SGD", ts: (m) => new optim.SGD(m.parameters(), { lr: 0.1 }), py: "torch.optim.SGD(m.parameters(), lr=0.1)" },
  { name: "SGD momentum", ts: (m) => new optim.SGD(m, { lr: 0.1, momentum: 0.9 }), py: "torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)" },
  {
    name: "SGD nesterov + weight decay",
    ts: (m) => new optim.SGD(m, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2 }),
    py: "torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)",
  },
  {
    name: "SGD dampening + weight decay + maximize",
    ts: (m) => new optim.SGD(m, { lr: 0.01, momentum: 0.8, dampening: 0.3, weightDecay: 5e-3, maximize: true }),
    py: "torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.8, dampening=0.3, weight_decay=5e-3, maximize=True)",
  },
  {
    name: "SGD param groups",
    ts: (m) => new optim.SGD([{ params: m.parameters().slice(0, 2), lr: 0.02 }, { params: m.parameters().slice(2) }], { lr: 0.1, momentum: 0.5 }),
    py: "torch.optim.SGD([{'params': list(m.parameters())[:2], 'lr': 0.02}, {'params': list(m.parameters())[2:]}], lr=0.1, momentum=0.5)",
  },
  { name: "Adam", ts: (m) => new optim.Adam(m, { lr: 1e-2 }), py: "torch.optim.Adam(m.parameters(), lr=1e-2)" },
  {
    name: "Adam weight decay + amsgrad",
    ts: (m) => new optim.Adam(m, { lr: 2e-2, weightDecay: 1e-2, amsgrad: true }),
    py: "torch.optim.Adam(m.parameters(), lr=2e-2, weight_decay=1e-2, amsgrad=True)",
  },
  {
    name: "Adam betas, eps, maximize",
    ts: (m) => new optim.Adam(m, { lr: 5e-3, betas: [0.8, 0.99], eps: 1e-6, maximize: true }),
    py: "torch.optim.Adam(m.parameters(), lr=5e-3, betas=(0.8, 0.99), eps=1e-6, maximize=True)",
  },
  { name: "AdamW", ts: (m) => new optim.AdamW(m, { lr: 1e-2 }), py: "torch.optim.AdamW(m.parameters(), lr=1e-2)" },
  {
    name: "AdamW amsgrad",
    ts: (m) => new optim.AdamW(m, { lr: 3e-2, weightDecay: 0.1, amsgrad: true }),
    py: "torch.optim.AdamW(m.parameters(), lr=3e-2, weight_decay=0.1, amsgrad=True)",
  },
];

interface PyRun {
  losses: number[];
  lrs: number[];
  params: Record<string, number[]>;
  state: Record<string, number[]>;
  groups: Record<string, unknown>[];
}

/** Runs every case in one Python process. */
function pythonRuns(cases: { name: string; py: string; sched?: string; steps?: number }[]): Record<string, PyRun> {
  return runPython(
    PY_SETUP +
      dedent(`
      OUTPUT = {}
      for c in INPUT["cases"]:
          torch.manual_seed(0)
          m = model()
          opt = eval(c["py"])
          sched = eval(c["sched"]) if c.get("sched") else None
          losses, lrs = train(m, opt, c.get("steps") or ${STEPS}, sched)
          sd = opt.state_dict()
          OUTPUT[c["name"]] = {
              "losses": losses, "lrs": lrs,
              "params": {k: v.flatten() for k, v in m.state_dict().items()},
              "state": {f"{i}.{k}": (v.flatten() if v.dim() else [v.item()]) for i, s in sd["state"].items() for k, v in s.items() if v is not None},
              "groups": [{k: v for k, v in g.items() if k != "params"} for g in sd["param_groups"]],
          }
      `),
    { X, Y, init, cases },
  ) as Record<string, PyRun>;
}

test(`optimisers: ${STEPS} steps give PyTorch's parameters, losses and state`, () => {
  const py = pythonRuns(CASES);
  for (const c of CASES) {
    const r = py[c.name];
    const m = model();
    const opt = c.ts(m);
    const { losses } = train(m, opt, STEPS);
    assertClose(losses, r.losses, `${c.name} losses`);
    torch.scope(() => {
      for (const [k, v] of m.stateDict()) assertClose(flat(v), r.params[k], `${c.name} ${k}`);
      const sd = opt.stateDict();
      assert.deepEqual([...sd.state.keys()].sort(), Object.keys(r.state).sort(), `${c.name} optimizer state names`);
      for (const [k, v] of sd.state) assertClose(flat(v), r.state[k], `${c.name} state ${k}`, 1e-4, 1e-9);
    });
    // every parameter moved, and the run was not trivially converged
    assert.ok(r.losses[0] !== r.losses[STEPS - 1], `${c.name}: the loss changed`);
    m.dispose();
    opt.dispose();
  }
});

test("optimizer stateDict / loadStateDict: 10 + 10 steps through a checkpoint equal 20 straight", () => {
  for (const c of CASES.filter((x) => ["SGD nesterov + weight decay", "Adam weight decay + amsgrad", "AdamW"].includes(x.name))) {
    const straight = model();
    const o1 = c.ts(straight);
    train(straight, o1, 20);

    const first = model();
    const o2 = c.ts(first);
    train(first, o2, 10);
    const resumed = model();
    const o3 = c.ts(resumed);
    torch.scope(() => {
      resumed.loadStateDict(first.stateDict());
      const sd = o2.stateDict();
      // the checkpoint meta must survive JSON
      o3.loadStateDict({ state: sd.state, meta: JSON.parse(JSON.stringify(sd.meta)) });
    });
    o2.dispose(); // the loaded state must be a copy
    train(resumed, o3, 10);
    torch.scope(() => {
      const a = straight.stateDict();
      for (const [k, v] of resumed.stateDict()) assert.deepEqual(flat(v), flat(a.get(k)!), `${c.name} ${k} after resume`);
    });
    for (const x of [straight, first, resumed]) x.dispose();
    o1.dispose();
    o3.dispose();
  }
  const m = model();
  const adam = new optim.Adam(m);
  assert.throws(() => adam.loadStateDict({ state: new Map(), meta: { paramGroups: [] } }), /1 parameter groups|has 0 parameter groups/);
  assert.throws(() => adam.loadStateDict({ state: new Map(), meta: "nope" }), /not an optimizer state dict/);
  m.dispose();
});

// ---------------------------------------------------------------- schedulers
interface SchedCase {
  name: string;
  opt: Case;
  ts: (o: torch.optim.Optimizer) => torch.optim.LRScheduler;
  py: string;
  steps: number;
  /** also compare the cycled momentum / beta1 */
  momentum?: "momentum" | "beta1";
}
const sgd = CASES[1];
const adam = CASES[5];
const SCHED: SchedCase[] = [
  { name: "StepLR", opt: sgd, ts: (o) => new optim.StepLR(o, { stepSize: 7, gamma: 0.5 }), py: "torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)", steps: 30 },
  { name: "StepLR default gamma", opt: adam, ts: (o) => new optim.StepLR(o, { stepSize: 4 }), py: "torch.optim.lr_scheduler.StepLR(opt, step_size=4)", steps: 30 },
  {
    name: "CosineAnnealingLR",
    opt: sgd,
    ts: (o) => new optim.CosineAnnealingLR(o, { tMax: 10, etaMin: 1e-3 }),
    py: "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3)",
    steps: 30,
  },
  { name: "CosineAnnealingLR etaMin 0", opt: adam, ts: (o) => new optim.CosineAnnealingLR(o, { tMax: 30 }), py: "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30)", steps: 30 },
  {
    name: "OneCycleLR SGD",
    opt: sgd,
    ts: (o) => new optim.OneCycleLR(o, { maxLr: 0.1, totalSteps: 30 }),
    py: "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=30)",
    steps: 29,
    momentum: "momentum",
  },
  {
    name: "OneCycleLR Adam linear",
    opt: adam,
    ts: (o) => new optim.OneCycleLR(o, { maxLr: 0.05, totalSteps: 30, pctStart: 0.25, anneal: "linear", divFactor: 10, finalDivFactor: 100 }),
    py: "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=30, pct_start=0.25, anneal_strategy='linear', div_factor=10., final_div_factor=100.)",
    steps: 29,
    momentum: "beta1",
  },
  {
    name: "OneCycleLR three phase, epochs",
    opt: sgd,
    ts: (o) => new optim.OneCycleLR(o, { maxLr: 0.2, epochs: 3, stepsPerEpoch: 10, threePhase: true }),
    py: "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=3, steps_per_epoch=10, three_phase=True)",
    steps: 30,
    momentum: "momentum",
  },
];

test("schedulers: learning-rate sequences (and cycled momentum) equal PyTorch's; training with them too", () => {
  const py = runPython(
    PY_SETUP +
      dedent(`
      import warnings
      warnings.simplefilter("ignore")
      OUTPUT = {}
      for c in INPUT["cases"]:
          m = model()
          opt = eval(c["opt"])
          sched = eval(c["py"])
          def mom():
              g = opt.param_groups[0]
              return g["betas"][0] if "betas" in g else g["momentum"]
          lrs, moms = [sched.get_last_lr()[0]], [mom()]
          losses = []
          for _ in range(c["steps"]):
              opt.zero_grad()
              loss = F.cross_entropy(m(X), Y)
              loss.backward()
              opt.step()
              sched.step()
              losses.append(loss.item())
              lrs.append(sched.get_last_lr()[0])
              moms.append(mom())
          OUTPUT[c["name"]] = {"lrs": lrs, "moms": moms, "losses": losses, "params": {k: v.flatten() for k, v in m.state_dict().items()}}
      `),
    { X, Y, init, cases: SCHED.map((s) => ({ name: s.name, opt: s.opt.py, py: s.py, steps: s.steps })) },
  ) as Record<string, { lrs: number[]; moms: number[]; losses: number[]; params: Record<string, number[]> }>;
  for (const s of SCHED) {
    const r = py[s.name];
    const m = model();
    const opt = s.opt.ts(m);
    const sched = s.ts(opt);
    const mom = () => {
      const g = opt.paramGroups[0];
      return (Array.isArray(g.betas) ? g.betas[0] : g.momentum) as number;
    };
    const lrs = [sched.getLastLr()[0]];
    const moms = [mom()];
    const x = fromPy(X);
    const y = torch.tensor(Y as number[], { dtype: "int64" });
    const losses: number[] = [];
    for (let i = 0; i < s.steps; i++) {
      torch.scope(() => {
        const loss = nn.crossEntropyForLogits(m.forward(x), y);
        opt.backwardStep(loss);
        losses.push(loss.item());
      });
      sched.step();
      lrs.push(sched.getLastLr()[0]);
      moms.push(mom());
    }
    assertClose(lrs, r.lrs, `${s.name} learning rates`, 1e-12, 0);
    assert.equal(opt.lr, lrs[lrs.length - 1], `${s.name}: the optimizer's lr is the scheduler's`);
    if (s.momentum) assertClose(moms, r.moms, `${s.name} ${s.momentum}`, 1e-12, 0);
    assertClose(losses, r.losses, `${s.name} losses`);
    torch.scope(() => {
      for (const [k, v] of m.stateDict()) assertClose(flat(v), r.params[k], `${s.name} ${k}`);
    });
    assert.ok(new Set(lrs).size > 3, `${s.name}: the learning rate really changed`);
    m.dispose();
    opt.dispose();
    x.dispose();
    y.dispose();
  }
  // OneCycleLR refuses to go past totalSteps, like PyTorch
  const m = model();
  const o = new optim.SGD(m, { lr: 0.1 });
  const oc = new optim.OneCycleLR(o, { maxLr: 1, totalSteps: 2 });
  oc.step();
  oc.step();
  assert.throws(() => oc.step(), /tried to step 4 times/);
  m.dispose();
});

// ---------------------------------------------------------------- memory
test("optimiser steps leak no tensors and their state survives torch.scope", () => {
  const proto = torch.Tensor.prototype;
  const dispose = proto.dispose;
  let counting = false;
  let leaked = 0;
  proto.dispose = function (this: torch.Tensor) {
    if (counting && !this.isDisposed) leaked++;
    dispose.call(this);
  };
  try {
    for (const c of CASES) {
      const m = model();
      const opt = c.ts(m);
      const x = fromPy(X);
      const y = torch.tensor(Y as number[], { dtype: "int64" });
      for (let s = 0; s < 3; s++) {
        torch.scope(() => {
          const loss = nn.crossEntropyForLogits(m.forward(x), y);
          m.zeroGrad();
          loss.backward();
        });
        leaked = 0;
        // whatever step() leaves alive, the scope has to free: that count must be 0
        torch.scope(() => {
          opt.step();
          counting = true;
        });
        counting = false;
        assert.equal(leaked, 0, `${c.name}: step ${s} left ${leaked} tensors alive`);
      }
      for (const st of opt.state.values()) {
        for (const v of Object.values(st)) if (v instanceof torch.Tensor) assert.ok(!v.isDisposed, `${c.name}: state survived the scope`);
      }
      m.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    }
  } finally {
    proto.dispose = dispose;
  }
});
