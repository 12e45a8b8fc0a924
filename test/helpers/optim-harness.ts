// Shared by the optimiser trajectory tests (test/optim-*.test.ts): one float64 problem, run for
// 100+ steps by tstorch and by the PyTorch next to the linked libtorch (/usr/bin/python3) from the
// same weights. Both sides call the same libtorch kernels in the same order, so the trajectories
// are compared bit for bit unless a case states a tolerance.
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { dedent, runPython } from "./python.js";

export const STEPS = 100;
/** PyTorch's major version (the linked libtorch's). */
export const TORCH_MAJOR = Number(/^(\d+)/.exec(torch.versions().libtorch)![1]);
/** [major, minor] of the linked libtorch. */
export const TORCH_VERSION = /^(\d+)\.(\d+)/.exec(torch.versions().libtorch)!.slice(1, 3).map(Number) as [number, number];
/** True when the linked PyTorch is at least major.minor. */
export function torchAtLeast(major: number, minor = 0): boolean {
  return TORCH_VERSION[0] > major || (TORCH_VERSION[0] === major && TORCH_VERSION[1] >= minor);
}

/** Deterministic inputs without a random generator: the same numbers reach Python as JSON. */
function wave(n: number, k: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(Math.sin(1.3 * i + k) * 1e6) / 1e6);
}
const X = wave(60, 0.2); // [10, 6]
const Y = wave(30, 1.7).map((v) => 0.8 * v); // [10, 3]
export const INIT = [wave(18, 3.1).map((v) => 0.5 * v), wave(3, 0.4).map((v) => 0.1 * v), wave(6, 2.2)]; // W [6,3], b [3], v [6]
export const SHAPES = [[6, 3], [3], [6]];

/** Fresh float64 leaf parameters with INIT's values. */
export function freshParams(): torch.Tensor[] {
  return INIT.map((v, i) => torch.persist(torch.tensor(v, { dtype: "float64" }).reshape(SHAPES[i]).requiresGrad_(true)));
}

/** The loss: mean((tanh(X W + b) - Y)^2) + 0.1 * sum(sin(v) * v) (the last term has a gradient of changing sign). */
export function lossOf(P: torch.Tensor[]): torch.Tensor {
  const x = torch.tensor(X, { dtype: "float64" }).reshape([10, 6]);
  const y = torch.tensor(Y, { dtype: "float64" }).reshape([10, 3]);
  const d = x.matmul(P[0]).add(P[1]).tanh().sub(y);
  return d.mul(d).mean().add(P[2].sin().mul(P[2]).sum().mul(0.1));
}

/** Python prelude: X, Y, fresh() (INIT's parameters), loss_of(P); its INPUT comes from pySetupInput(). */
export const PY_SETUP = dedent(`
import torch, math, warnings
warnings.simplefilter("ignore")
torch.set_num_threads(INPUT["threads"])  # tstorch's: reductions split by thread count round differently
X = torch.tensor(INPUT["X"], dtype=torch.float64).reshape(10, 6)
Y = torch.tensor(INPUT["Y"], dtype=torch.float64).reshape(10, 3)
SHAPES = INPUT["shapes"]
def fresh():
    return [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_(True) for v, s in zip(INPUT["init"], SHAPES)]
def loss_of(P):
    d = (X.matmul(P[0]) + P[1]).tanh() - Y
    return (d * d).mean() + (P[2].sin() * P[2]).sum() * 0.1
def plain(v):
    if torch.is_tensor(v): return v.flatten().tolist() if v.dim() else [v.item()]
    return [float(v)]
`);

/** The INPUT fields PY_SETUP reads. */
export function pySetupInput(): Record<string, unknown> {
  return { X, Y, init: INIT, shapes: SHAPES, threads: torch.getNumThreads() };
}

export interface OptCase {
  name: string;
  /** Builds the optimiser over P (the three parameters). */
  ts: (P: torch.Tensor[]) => torch.optim.Optimizer;
  /** The same in Python, an expression over P. */
  py: string;
  steps?: number;
  /** step(closure) instead of backward() then step() (LBFGS). */
  closure?: boolean;
  /** Only for PyTorch >= this major version (options 1.13 does not have). */
  minMajor?: number;
  /** Only for PyTorch >= [major, minor] (optimisers added later). */
  minVersion?: [number, number];
  /** Largest relative difference allowed (default 0: bit-equal). */
  rtol?: number;
}

interface PyRun {
  losses: number[];
  params: number[][];
  state: Record<string, number[]>;
  groups: Record<string, unknown>[];
}

/** Runs the cases in one Python process. */
export function pythonRuns(cases: OptCase[]): Record<string, PyRun> {
  return runPython(
    PY_SETUP +
      dedent(`
      OUTPUT = {}
      for c in INPUT["cases"]:
          P = fresh()
          opt = eval(c["py"])
          losses = []
          for _ in range(c["steps"]):
              def closure():
                  opt.zero_grad()
                  l = loss_of(P)
                  l.backward()
                  return l
              if c["closure"]:
                  l = opt.step(closure)
              else:
                  l = closure()
                  opt.step()
              losses.append(float(l))
          sd = opt.state_dict()
          OUTPUT[c["name"]] = {
              "losses": losses,
              "params": [p.detach().flatten().tolist() for p in P],
              "state": {f"{i}.{k}": plain(v) for i, s in sd["state"].items() for k, v in s.items() if torch.is_tensor(v) or (isinstance(v, (int, float)) and not isinstance(v, bool))},
          }
      `),
    {
      ...pySetupInput(),
      cases: cases.map((c) => ({ name: c.name, py: c.py, steps: c.steps ?? STEPS, closure: c.closure ?? false })),
    },
  ) as Record<string, PyRun>;
}

/** tstorch's run of a case: the losses, final parameters and flattened state dict. */
export function tsRun(c: OptCase): { losses: number[]; params: number[][]; state: Map<string, number[]> } {
  const P = freshParams();
  const opt = c.ts(P);
  const losses: number[] = [];
  const closure = (): torch.Tensor => {
    opt.zeroGrad();
    const l = lossOf(P);
    l.backward();
    return l;
  };
  for (let s = 0; s < (c.steps ?? STEPS); s++) {
    torch.scope(() => {
      if (c.closure) losses.push(Number((opt.step(closure) as torch.Tensor).item()));
      else {
        const l = closure();
        opt.step();
        losses.push(Number(l.item()));
      }
    });
  }
  const out = torch.scope(() => {
    const params = P.map((p) => Array.from(p.detach().flatten().toTypedArray() as Float64Array));
    const state = new Map<string, number[]>();
    for (const [k, v] of opt.stateDict().state) state.set(k, Array.from(v.flatten().to({ dtype: "float64" }).toTypedArray() as Float64Array));
    return { losses, params, state };
  });
  opt.dispose();
  for (const p of P) p.dispose();
  return out;
}

/** The largest relative difference |a - e| / max(|e|, tiny) over two lists (0 when bit-equal). */
export function maxRelDiff(a: readonly number[], e: readonly number[]): number {
  assert.equal(a.length, e.length, "element count");
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], e[i])) continue;
    const d = Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-300);
    m = Math.max(m, Number.isNaN(d) ? Infinity : d);
  }
  return m;
}

/** Runs every case on both sides and compares losses, parameters and state; returns the measured differences. */
export function compareTrajectories(cases: OptCase[], opts: { state?: boolean } = {}): Record<string, number> {
  const mine = cases.filter((c) => TORCH_MAJOR >= (c.minMajor ?? 0) && (c.minVersion === undefined || torchAtLeast(...c.minVersion)));
  const py = pythonRuns(mine);
  const measured: Record<string, number> = {};
  for (const c of mine) {
    const r = py[c.name];
    const t = tsRun(c);
    const tol = c.rtol ?? 0;
    const dl = maxRelDiff(t.losses, r.losses);
    assert.ok(dl <= tol, `${c.name}: losses differ by ${dl} (relative; allowed ${tol})`);
    let dp = 0;
    t.params.forEach((p, i) => (dp = Math.max(dp, maxRelDiff(p, r.params[i]))));
    assert.ok(dp <= tol, `${c.name}: parameters differ by ${dp} (relative; allowed ${tol})`);
    let ds = 0;
    if (opts.state !== false) {
      assert.deepEqual([...t.state.keys()].sort(), Object.keys(r.state).sort(), `${c.name}: state names`);
      for (const [k, v] of t.state) ds = Math.max(ds, maxRelDiff(v, r.state[k]));
    }
    // state "step" travels as float32 on both sides; the rest is float64
    assert.ok(ds <= tol, `${c.name}: state differs by ${ds} (relative; allowed ${tol})`);
    assert.ok(r.losses[0] !== r.losses[r.losses.length - 1], `${c.name}: the loss changed`);
    measured[c.name] = Math.max(dl, dp, ds);
  }
  return measured;
}
