// LBFGS's state dict in PyTorch's layout (optim/lbfgs-state-dict.ts): a state PyTorch saved with
// torch.save(opt.state_dict()) loads through tstorch's torch.load and resumes PyTorch's own iterates,
// bit for bit (float64 Rosenbrock, strong Wolfe and fixed steps); stateDict({ layout: "pytorch" })
// has PyTorch's keys, round-trips tstorch to tstorch, and saved by tstorch resumes in PyTorch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { rosenbrock, ROSENBROCK_START } from "./helpers/rosenbrock.js";
import { dedent, runPython } from "./helpers/python.js";

const { optim } = torch;

const START = ROSENBROCK_START;
const K = 3; // steps before the checkpoint
const N = 4; // steps after it

const CASES: { name: string; opts: torch.optim.LBFGSOptions; py: string }[] = [
  { name: "strong_wolfe, history 3", opts: { lineSearchFn: "strong_wolfe", historySize: 3, maxIter: 5 }, py: "line_search_fn='strong_wolfe', history_size=3, max_iter=5" },
  { name: "fixed steps", opts: { lr: 0.05, maxIter: 10 }, py: "lr=0.05, max_iter=10" },
];

const PY_PRELUDE = dedent(`
  import torch
  def rosen(x):
      n = x.shape[0]
      a = x.narrow(0, 0, n - 1); b = x.narrow(0, 1, n - 1)
      u = b.sub(a.mul(a)); v = a.neg().add(1)
      return u.mul(u).mul(100).add(v.mul(v)).sum()
  def run(opt, x, n):
      def closure():
          opt.zero_grad(); l = rosen(x); l.backward(); return l
      its = []
      for _ in range(n):
          opt.step(closure); its.append(x.detach().tolist())
      return its
  def start_and_run():
      x = torch.tensor(INPUT["start"], dtype=torch.float64, requires_grad=True)
      opt = eval("torch.optim.LBFGS([x], " + INPUT["py"] + ")")
      run(opt, x, INPUT["k"])
      return x, opt
`);

/** n closure steps of tstorch's LBFGS on x; the iterate after each. */
function tsRun(opt: torch.optim.LBFGS, x: torch.Tensor, n: number): number[][] {
  const its: number[][] = [];
  for (let s = 0; s < n; s++) {
    torch.scope(() => {
      opt.step(() => {
        opt.zeroGrad();
        const f = rosenbrock(x);
        f.backward();
        return f;
      });
      its.push(x.detach().toArray() as number[]);
    });
  }
  return its;
}

test("a state PyTorch saved (torch.save(opt.state_dict())) resumes PyTorch's iterates in tstorch, bit for bit", () => {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-lbfgs-sd-"));
  try {
    for (const c of CASES) {
      const file = join(dir, "opt.pt");
      const py = runPython(
        PY_PRELUDE +
          dedent(`
          x, opt = start_and_run()
          torch.save(opt.state_dict(), INPUT["file"])
          x_k = x.detach().tolist()
          OUTPUT = {"x_k": x_k, "rest": run(opt, x, INPUT["n"])}`),
        { start: START, py: c.py, k: K, n: N, file },
      ) as { x_k: number[]; rest: number[][] };
      const x = torch.persist(torch.tensor(py.x_k, { dtype: "float64" }).requiresGrad_(true));
      const opt = new optim.LBFGS([x], c.opts);
      torch.scope(() => opt.loadStateDict(torch.load(file)));
      const rest = tsRun(opt, x, N);
      assert.deepEqual(rest, py.rest, `${c.name}: the resumed iterates`);
      assert.notDeepEqual(rest[N - 1], py.x_k, `${c.name}: the run moved`);
      opt.dispose();
      x.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stateDict({ layout: 'pytorch' }) has PyTorch's keys and kinds; tstorch to tstorch resumes the straight run", () => {
  const c = CASES[0];
  const py = runPython(
    PY_PRELUDE +
      dedent(`
      x, opt = start_and_run()
      sd = opt.state_dict()
      kind = lambda v: "tensor" if torch.is_tensor(v) else "none" if v is None else "number"
      OUTPUT = {"state": {k: ([kind(e) for e in v] if isinstance(v, list) else kind(v)) for k, v in sd["state"][0].items()},
                "keys": list(sd["state"].keys()), "group": list(sd["param_groups"][0].keys()), "n_iter": sd["state"][0]["n_iter"]}`),
    { start: START, py: c.py, k: K },
  ) as { state: Record<string, string | string[]>; keys: number[]; group: string[]; n_iter: number };

  const straightX = torch.persist(torch.tensor(START, { dtype: "float64" }).requiresGrad_(true));
  const straight = new optim.LBFGS([straightX], c.opts);
  const all = tsRun(straight, straightX, K + N);

  const x1 = torch.persist(torch.tensor(START, { dtype: "float64" }).requiresGrad_(true));
  const o1 = new optim.LBFGS([x1], c.opts);
  tsRun(o1, x1, K);
  const x2 = torch.persist(x1.detach().clone().requiresGrad_(true));
  const o2 = new optim.LBFGS([x2], c.opts);
  torch.scope(() => {
    const sd = o1.stateDict({ layout: "pytorch" });
    assert.deepEqual([...sd.state.keys()], py.keys);
    assert.deepEqual(Object.keys(sd.param_groups[0]), py.group);
    const kind = (v: unknown): string => (v instanceof torch.Tensor ? "tensor" : v === null ? "none" : "number");
    const mine = Object.fromEntries(Object.entries(sd.state.get(0)!).map(([k, v]) => [k, Array.isArray(v) ? v.map(kind) : kind(v)]));
    assert.deepEqual(mine, py.state, "every entry a tensor, float or None where PyTorch's is");
    assert.equal(sd.state.get(0)!.n_iter, py.n_iter);
    o2.loadStateDict(sd);
  });
  o1.dispose(); // the loaded state is a copy
  const rest = tsRun(o2, x2, N);
  assert.deepEqual(rest, all.slice(K), "tstorch → tstorch in PyTorch's layout resumes the straight run");
  for (const t of [straightX, x1, x2]) t.dispose();
  straight.dispose();
  o2.dispose();
});

test("a state tstorch saved in PyTorch's layout resumes in PyTorch's load_state_dict as tstorch does", () => {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-lbfgs-sd-"));
  try {
    const c = CASES[0];
    const file = join(dir, "opt.pt");
    const x = torch.persist(torch.tensor(START, { dtype: "float64" }).requiresGrad_(true));
    const opt = new optim.LBFGS([x], c.opts);
    tsRun(opt, x, K);
    const xK = x.detach().toArray() as number[];
    torch.scope(() => torch.save(opt.stateDict({ layout: "pytorch" }), file));
    const rest = tsRun(opt, x, N);
    const py = runPython(
      PY_PRELUDE +
        dedent(`
        x = torch.tensor(INPUT["x_k"], dtype=torch.float64, requires_grad=True)
        opt = eval("torch.optim.LBFGS([x], " + INPUT["py"] + ")")
        opt.load_state_dict(torch.load(INPUT["file"]))
        OUTPUT = run(opt, x, INPUT["n"])`),
      { x_k: xK, py: c.py, n: N, file },
    ) as number[][];
    assert.deepEqual(py, rest);
    opt.dispose();
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PyTorch's layout: mismatched groups are PyTorch's errors", () => {
  const x = torch.persist(torch.zeros([2], { dtype: "float64" }).requiresGrad_(true));
  const opt = new optim.LBFGS([x]);
  assert.throws(() => opt.loadStateDict({ state: new Map(), param_groups: [] }), /loaded state dict has 0 parameter groups, this optimizer has 1/);
  const g = { lr: 1, max_iter: 20, max_eval: 25, tolerance_grad: 1e-7, tolerance_change: 1e-9, history_size: 100, line_search_fn: null, params: [0, 1] };
  assert.throws(() => opt.loadStateDict({ state: new Map(), param_groups: [g] }), /doesn't match the size of optimizer's group/);
  assert.throws(
    () => opt.loadStateDict({ state: new Map([[0, { func_evals: 1, n_iter: 1, d: 3 as unknown as torch.Tensor }]]), param_groups: [{ ...g, params: [0] }] }),
    /not an LBFGS state dict in PyTorch's layout \(d is not a tensor\)/,
  );
  opt.loadStateDict({ state: new Map(), param_groups: [{ ...g, lr: 0.25, params: [0] }] });
  assert.equal(opt.paramGroups[0].lr, 0.25);
  opt.dispose();
  x.dispose();
});
