// LBFGS against torch.optim.LBFGS of the linked version: the iterates of the Rosenbrock function
// (strong Wolfe line search and fixed steps) and 100 closure steps of the shared float64 problem,
// bit-equal; the state dict round trip; PyTorch's errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { rosenbrock, ROSENBROCK_START } from "./helpers/rosenbrock.js";
import { dedent, runPython } from "./helpers/python.js";
import { compareTrajectories, maxRelDiff, OptCase } from "./helpers/optim-harness.js";

const { optim } = torch;

const START = ROSENBROCK_START;

interface RosenCase {
  name: string;
  opts: torch.optim.LBFGSOptions;
  py: string;
  steps: number;
  start?: number[];
}
const ROSEN: RosenCase[] = [
  // 6-d: ends in the stationary point near (-1, 1, ..., 1), f = 3.97 (PyTorch's too)
  { name: "strong_wolfe", opts: { lineSearchFn: "strong_wolfe" }, py: "line_search_fn='strong_wolfe'", steps: 8 },
  { name: "strong_wolfe 2-d from (-1.2, 1)", opts: { lineSearchFn: "strong_wolfe" }, py: "line_search_fn='strong_wolfe'", steps: 4, start: [-1.2, 1] },
  { name: "strong_wolfe, lr 0.5, history 3", opts: { lr: 0.5, historySize: 3, maxIter: 10, lineSearchFn: "strong_wolfe" }, py: "lr=0.5, history_size=3, max_iter=10, line_search_fn='strong_wolfe'", steps: 12 },
  { name: "fixed steps", opts: { lr: 0.05, maxIter: 10 }, py: "lr=0.05, max_iter=10", steps: 10 },
];

function tsRosen(c: RosenCase): { iterates: number[][]; losses: number[]; evals: number } {
  const x = torch.persist(torch.tensor(c.start ?? START, { dtype: "float64" }).requiresGrad_(true));
  const opt = new optim.LBFGS([x], c.opts);
  const iterates: number[][] = [];
  const losses: number[] = [];
  for (let s = 0; s < c.steps; s++) {
    torch.scope(() => {
      const l = opt.step(() => {
        opt.zeroGrad();
        const f = rosenbrock(x);
        f.backward();
        return f;
      }) as torch.Tensor;
      losses.push(Number(l.item()));
      iterates.push(Array.from(x.detach().toTypedArray() as Float64Array));
    });
  }
  const evals = (opt.stateDict().meta.state["0"] as Record<string, number>).func_evals;
  opt.dispose();
  x.dispose();
  return { iterates, losses, evals };
}

test("LBFGS on Rosenbrock: every step's iterate equals PyTorch's bit for bit (strong Wolfe and fixed steps)", () => {
  const py = runPython(
    dedent(`
    import torch
    OUTPUT = {}
    for c in INPUT["cases"]:
        x = torch.tensor(c["start"], dtype=torch.float64, requires_grad=True)
        opt = eval("torch.optim.LBFGS([x], " + c["py"] + ")")
        def f():
            n = x.shape[0]
            a = x.narrow(0, 0, n - 1); b = x.narrow(0, 1, n - 1)
            u = b.sub(a.mul(a)); v = a.neg().add(1)
            return u.mul(u).mul(100).add(v.mul(v)).sum()
        def closure():
            opt.zero_grad()
            l = f()
            l.backward()
            return l
        its, losses = [], []
        for _ in range(c["steps"]):
            losses.append(float(opt.step(closure)))
            its.append(x.detach().tolist())
        OUTPUT[c["name"]] = {"iterates": its, "losses": losses, "evals": opt.state[x]["func_evals"]}
    `),
    { cases: ROSEN.map((c) => ({ name: c.name, py: c.py, steps: c.steps, start: c.start ?? START })) },
  ) as Record<string, { iterates: number[][]; losses: number[]; evals: number }>;
  for (const c of ROSEN) {
    const r = py[c.name];
    const t = tsRosen(c);
    assert.equal(t.evals, r.evals, `${c.name}: function evaluations`);
    assert.deepEqual(t.losses, r.losses, `${c.name}: losses`);
    t.iterates.forEach((x, i) => assert.equal(maxRelDiff(x, r.iterates[i]), 0, `${c.name}: iterate ${i}: ${x} vs PyTorch ${r.iterates[i]}`));
  }
  // the line search gets close to the minimum (1, ..., 1)
  const last = py["strong_wolfe 2-d from (-1.2, 1)"].iterates.at(-1)!;
  assert.ok(last.every((v) => Math.abs(v - 1) < 1e-3), `strong Wolfe reached the minimum: ${last}`);
});

const CASES: OptCase[] = [
  { name: "LBFGS strong_wolfe", ts: (P) => new optim.LBFGS(P, 1, { maxIter: 4, historySize: 5, lineSearchFn: "strong_wolfe" }), py: "torch.optim.LBFGS(P, lr=1, max_iter=4, history_size=5, line_search_fn='strong_wolfe')", closure: true },
  { name: "LBFGS fixed", ts: (P) => new optim.LBFGS(P, { lr: 0.1, maxIter: 3 }), py: "torch.optim.LBFGS(P, lr=0.1, max_iter=3)", closure: true },
];

test("LBFGS: 100 closure steps of the float64 problem equal PyTorch's bit for bit", () => {
  compareTrajectoriesNoState(CASES);
});

/** LBFGS keeps its state in its own layout: compare losses and parameters. */
function compareTrajectoriesNoState(cases: OptCase[]): void {
  compareTrajectories(cases, { state: false });
}

test("LBFGS stateDict / loadStateDict: 3 + 3 steps through a checkpoint equal 6 straight", () => {
  const c = ROSEN[1];
  const run = (steps: number, from?: torch.optim.OptimizerStateDict, x0 = START): { x: number[]; sd: torch.optim.OptimizerStateDict } => {
    const x = torch.persist(torch.tensor(x0, { dtype: "float64" }).requiresGrad_(true));
    const opt = new optim.LBFGS([x], c.opts);
    if (from) opt.loadStateDict({ state: from.state, meta: JSON.parse(JSON.stringify(from.meta)) });
    for (let s = 0; s < steps; s++) {
      torch.scope(() => opt.step(() => {
        opt.zeroGrad();
        const f = rosenbrock(x);
        f.backward();
        return f;
      }));
    }
    const out = { x: Array.from(x.detach().toTypedArray() as Float64Array), sd: opt.stateDict() };
    opt.dispose();
    x.dispose();
    return out;
  };
  const straight = run(6);
  const first = run(3);
  const resumed = run(3, first.sd, first.x);
  assert.deepEqual(resumed.x, straight.x);
  assert.ok(first.sd.state.has("0.d") && first.sd.state.has("0.old_dirs.0"), "the direction and history are in the state dict");
});

test("LBFGS errors: PyTorch's messages", () => {
  const a = torch.persist(torch.zeros([2]).requiresGrad_(true));
  const b = torch.persist(torch.zeros([2]).requiresGrad_(true));
  assert.throws(() => new optim.LBFGS([{ params: [a] }, { params: [b] }]), /LBFGS doesn't support per-parameter options \(parameter groups\)/);
  assert.throws(() => new optim.LBFGS([a], { lineSearchFn: "armijo" as "strong_wolfe" }), /only 'strong_wolfe' is supported/);
  assert.throws(() => new optim.LBFGS([a], -1), /invalid learning rate: -1/);
  const opt = new optim.LBFGS([a]);
  assert.throws(() => opt.step(), /LBFGS.step needs a closure/);
  a.dispose();
  b.dispose();
});
