// SGD with two parameter groups (own lr and weight decay), Nesterov momentum 0.85, and a parameter
// frozen mid-training (airbench freezes its whitening bias): against PyTorch 1.13's trajectory, with
// zeroGrad({ setToNone: true }) (the frozen parameter stops) and { setToNone: false } (PyTorch 1.13's
// default: a zeroed grad still moves it through weight decay and momentum).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat, fromPy } from "./helpers/seed-models.js";

const { nn, optim } = torch;
const STEPS = 7;
const FREEZE_AFTER = 3;

function assertClose(actual: number[], expected: number[], what: string, rtol = 1e-5, atol = 1e-7): void {
  assert.equal(actual.length, expected.length, `${what}: element count`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))) assert.fail(`${what}[${i}]: tstorch ${actual[i]} vs PyTorch ${expected[i]}`);
  }
}

torch.manualSeed(77);
const INIT = torch.scope(() => {
  const m = new nn.Sequential(new nn.Linear(6, 5), new nn.ReLU(), new nn.Linear(5, 3));
  const sd = Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, v.toArray()]));
  m.dispose();
  return sd;
});
const X = torch.scope(() => torch.randn([12, 6]).toArray());
const Y = torch.scope(() => torch.randint(0, 3, [12]).toArray());

const PY = dedent(`
import torch, torch.nn as nn, torch.nn.functional as F
X = torch.tensor(INPUT["X"], dtype=torch.float32); Y = torch.tensor(INPUT["Y"], dtype=torch.int64)
def trajectory(set_to_none):
    m = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    m.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in INPUT["init"].items()})
    opt = torch.optim.SGD([{"params": m[0].parameters(), "lr": 0.1, "weight_decay": 5e-3},
                           {"params": m[2].parameters(), "lr": 0.04, "weight_decay": 0.02}],
                          lr=0.5, momentum=0.85, nesterov=True)
    out = []
    for step in range(${STEPS}):
        if step == ${FREEZE_AFTER}: m[0].bias.requires_grad_(False)
        opt.zero_grad(set_to_none=set_to_none)
        F.cross_entropy(m(X), Y).backward()
        opt.step()
        out.append({k: v.flatten().clone() for k, v in m.state_dict().items()})  # clone: flatten may alias
    return out
OUTPUT = {"none": trajectory(True), "zero": trajectory(False)}
`);

function trajectory(zero: (opt: torch.optim.SGD) => void): Record<string, number[]>[] {
  const m = new nn.Sequential(new nn.Linear(6, 5), new nn.ReLU(), new nn.Linear(5, 3));
  torch.scope(() => m.loadStateDict(Object.fromEntries(Object.entries(INIT).map(([k, v]) => [k, fromPy(v)]))));
  const l0 = m.at(0) as torch.nn.Linear;
  const l2 = m.at(2) as torch.nn.Linear;
  const opt = new optim.SGD(
    [{ params: l0.parameters(), lr: 0.1, weightDecay: 5e-3 }, { params: l2.parameters(), lr: 0.04, weightDecay: 0.02 }],
    { lr: 0.5, momentum: 0.85, nesterov: true },
  );
  const x = torch.tensor(X, { dtype: "float32" });
  const y = torch.tensor(Y, { dtype: "int64" });
  const out: Record<string, number[]>[] = [];
  for (let step = 0; step < STEPS; step++) {
    if (step === FREEZE_AFTER) l0.namedParameters().get("bias")!.requiresGrad_(false);
    torch.scope(() => {
      zero(opt);
      nn.crossEntropy(m.forward(x), y).backward();
      opt.step();
      out.push(Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, flat(v)])));
    });
  }
  opt.dispose();
  m.dispose();
  x.dispose();
  y.dispose();
  return out;
}

test("SGD: two groups, Nesterov 0.85, a bias frozen after 3 steps: PyTorch's trajectory with set_to_none True and False", () => {
  const py = runPython(PY, { init: INIT, X, Y }) as Record<string, Record<string, number[]>[]>;
  const runs = {
    none: trajectory((o) => o.zeroGrad({ setToNone: true })),
    zero: trajectory((o) => o.zeroGrad({ setToNone: false })),
    default: trajectory((o) => o.zeroGrad()),
  };
  for (const [name, ref] of [["none", "none"], ["zero", "zero"], ["default", "none"]] as const) {
    runs[name].forEach((sd, step) => {
      for (const k of Object.keys(sd)) assertClose(sd[k], py[ref][step][k], `${name} step ${step} ${k}`);
    });
  }
  const bias = (r: Record<string, number[]>[], s: number) => r[s]["0.bias"];
  // set to none: the frozen bias is no longer updated (exactly), the rest still trains
  for (let s = FREEZE_AFTER; s < STEPS; s++) assert.deepEqual(bias(runs.none, s), bias(runs.none, FREEZE_AFTER - 1));
  assert.notDeepEqual(runs.none[STEPS - 1]["0.weight"], runs.none[FREEZE_AFTER - 1]["0.weight"]);
  // zeroed grads: weight decay and momentum still move it, as in PyTorch 1.13
  assert.notDeepEqual(bias(runs.zero, STEPS - 1), bias(runs.zero, FREEZE_AFTER - 1));
});

test("zeroGrad: setToNone drops the gradient, setToNone false zeroes it in place", () => {
  torch.scope(() => {
    const p = torch.ones([3]).requiresGrad_(true);
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.mul(2).sum().backward();
    assert.deepEqual(flat(p.grad!), [2, 2, 2]);
    opt.zeroGrad({ setToNone: false });
    assert.deepEqual(flat(p.grad!), [0, 0, 0]);
    p.mul(3).sum().backward();
    assert.deepEqual(flat(p.grad!), [3, 3, 3], "accumulates into the zeroed grad");
    opt.zeroGrad({ setToNone: true });
    assert.equal(p.grad, null);
    p.mul(2).sum().backward();
    opt.zeroGrad();
    assert.equal(p.grad, null, "the default sets to none");
    opt.zeroGrad({ setToNone: false }); // no grad: nothing to zero
    assert.equal(p.grad, null);
    opt.step(); // no grad: skipped
    assert.deepEqual(flat(p), [1, 1, 1]);
  });
});
