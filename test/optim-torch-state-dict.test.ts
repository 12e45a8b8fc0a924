// Every first-order optimiser's state dict in PyTorch's layout (optim/torch-state-dict.ts), against
// torch.optim of the linked version (one Python process for all): stateDict({ layout: "pytorch" })
// has the keys, values and kinds of PyTorch's state_dict() after the same 5 float64 steps; a file
// tstorch saved resumes in PyTorch's load_state_dict as tstorch goes on, and a file PyTorch saved
// resumes in tstorch as PyTorch goes on, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { freshParams, lossOf, PY_SETUP, pySetupInput } from "./helpers/optim-harness.js";

const { optim } = torch;
const N = 5; // steps before the checkpoint and after it

// the embedding problem of SparseAdam (sparse gradients): 8 rows, some steps miss rows
const W0 = Array.from({ length: 8 * 3 }, (_, i) => Math.round(Math.cos(0.7 * i + 0.3) * 1e6) / 1e6);
const IDX = Array.from({ length: 2 * N }, (_, s) => [(s * 3) % 8, (s * 5 + 1) % 8, (s * 3) % 8]);
const TARGET = [0.5, -0.25, 1.0];

interface Case {
  name: string;
  ts: (P: torch.Tensor[]) => torch.optim.Optimizer;
  py: string;
  sparse?: boolean;
  /**
   * PyTorch's load_state_dict casts every state tensor but step to its parameter's dtype: NAdam's
   * float32 mu_product becomes float64, so a resumed run is not the uninterrupted one (in PyTorch
   * as in tstorch, which loads the same way); resumed runs are compared only.
   */
  castOnLoad?: boolean;
}

const CASES: Case[] = [
  { name: "SGD nesterov", ts: (P) => new optim.SGD(P, 0.05, { momentum: 0.9, nesterov: true }), py: "torch.optim.SGD(P, 0.05, momentum=0.9, nesterov=True)" },
  {
    name: "SGD two groups",
    ts: (P) => new optim.SGD([{ params: [P[0]], lr: 0.1 }, { params: [P[1], P[2]] }], 0.05, { momentum: 0.5, weightDecay: 0.01 }),
    py: "torch.optim.SGD([{'params': [P[0]], 'lr': 0.1}, {'params': P[1:]}], 0.05, momentum=0.5, weight_decay=0.01)",
  },
  {
    name: "Adam amsgrad, two groups",
    ts: (P) => new optim.Adam([{ params: [P[0], P[1]] }, { params: [P[2]], lr: 0.003 }], 0.01, { amsgrad: true }),
    py: "torch.optim.Adam([{'params': P[:2]}, {'params': [P[2]], 'lr': 0.003}], 0.01, amsgrad=True)",
  },
  { name: "AdamW", ts: (P) => new optim.AdamW(P, 0.01), py: "torch.optim.AdamW(P, 0.01)" },
  { name: "Adamax", ts: (P) => new optim.Adamax(P), py: "torch.optim.Adamax(P)" },
  { name: "Adagrad", ts: (P) => new optim.Adagrad(P, 0.05, { lrDecay: 0.01 }), py: "torch.optim.Adagrad(P, 0.05, lr_decay=0.01)" },
  { name: "Adadelta", ts: (P) => new optim.Adadelta(P, 0.5, { weightDecay: 0.01 }), py: "torch.optim.Adadelta(P, 0.5, weight_decay=0.01)" },
  { name: "ASGD", ts: (P) => new optim.ASGD(P, 0.05, { t0: 2 }), py: "torch.optim.ASGD(P, 0.05, t0=2)" },
  { name: "NAdam", ts: (P) => new optim.NAdam(P, 0.01), py: "torch.optim.NAdam(P, 0.01)", castOnLoad: true },
  { name: "RAdam", ts: (P) => new optim.RAdam(P, 0.01), py: "torch.optim.RAdam(P, 0.01)" },
  { name: "RMSprop", ts: (P) => new optim.RMSprop(P, 0.005, { momentum: 0.8, centered: true }), py: "torch.optim.RMSprop(P, 0.005, momentum=0.8, centered=True)" },
  { name: "Rprop", ts: (P) => new optim.Rprop(P), py: "torch.optim.Rprop(P)" },
  { name: "SparseAdam", ts: (P) => new optim.SparseAdam(P, 0.05), py: "torch.optim.SparseAdam(P, lr=0.05)", sparse: true },
];

function params(c: Case): torch.Tensor[] {
  if (!c.sparse) return freshParams();
  return [torch.persist(torch.tensor(W0, { dtype: "float64" }).reshape([8, 3]).requiresGrad_(true))];
}
/** Steps from..from+n-1 of the case's problem. */
function run(c: Case, P: torch.Tensor[], opt: torch.optim.Optimizer, from: number, n: number): void {
  for (let s = from; s < from + n; s++) {
    torch.scope(() => {
      opt.zeroGrad();
      if (!c.sparse) lossOf(P).backward();
      else {
        const d = torch.embedding(P[0], torch.tensor(IDX[s], { dtype: "int64" }), -1, false, true).sub(torch.tensor(TARGET, { dtype: "float64" }));
        d.mul(d).sum().backward();
      }
      opt.step();
    });
  }
}
const values = (P: torch.Tensor[]): number[][] => P.map((p) => Array.from(p.detach().flatten().toTypedArray() as Float64Array));
function setTo(P: torch.Tensor[], v: number[][]): void {
  torch.noGrad(() => P.forEach((p, i) => p.copy_(torch.scope(() => torch.persist(torch.tensor(v[i], { dtype: "float64" }).reshape(p.shape))))));
}

/** Kinds as the Python side writes them: "number", "boolean", "none", "<dtype>:<shape>", or an array's items. */
function kind(v: unknown): unknown {
  if (v === null) return "none";
  if (v instanceof torch.Tensor) return `${v.dtype}:${v.shape.join(",")}`;
  if (Array.isArray(v)) return "list";
  return typeof v;
}
function describe(sd: torch.optim.TorchStateDict): { groups: [string, unknown, unknown][][]; state: Record<string, [string, unknown][]> } {
  return {
    groups: sd.param_groups.map((g) => Object.entries(g).map(([k, v]) => [k, kind(v), v])),
    state: Object.fromEntries([...sd.state].map(([i, s]) => [String(i), Object.entries(s).map(([k, v]) => [k, kind(v)])])),
  };
}

const PY = PY_SETUP + dedent(`
  N = INPUT["n"]
  def params(c):
      if not c["sparse"]: return fresh()
      return [torch.tensor(INPUT["w0"], dtype=torch.float64).reshape(8, 3).requires_grad_(True)]
  def set_to(P, v):
      with torch.no_grad():
          for p, x in zip(P, v): p.copy_(torch.tensor(x, dtype=torch.float64).reshape(p.shape))
  def run(c, P, opt, start, n):
      for s in range(start, start + n):
          opt.zero_grad()
          if c["sparse"]:
              d = torch.embedding(P[0], torch.tensor(INPUT["idx"][s]), -1, False, True) - torch.tensor(INPUT["target"], dtype=torch.float64)
              l = (d * d).sum()
          else:
              l = loss_of(P)
          l.backward()
          opt.step()
      return [p.detach().flatten().tolist() for p in P]
  def kind(v):
      if v is None: return "none"
      if torch.is_tensor(v): return str(v.dtype).replace("torch.", "") + ":" + ",".join(str(d) for d in v.shape)
      if isinstance(v, (list, tuple)): return "list"
      return "boolean" if isinstance(v, bool) else "number"
  def describe(sd):
      return {"groups": [[[k, kind(v), list(v) if isinstance(v, tuple) else v] for k, v in g.items()] for g in sd["param_groups"]],
              "state": {str(i): [[k, kind(v)] for k, v in s.items()] for i, s in sd["state"].items()}}
  OUTPUT = {}
  for c in INPUT["cases"]:
      # (a) tstorch's checkpoint, resumed by PyTorch on tstorch's weights
      P = params(c); set_to(P, c["wA"]); opt = eval(c["py"])
      opt.load_state_dict(torch.load(c["fileA"]))
      a = run(c, P, opt, N, N)
      # (b) PyTorch's own: 5 steps, saved, then on straight and resumed by a fresh optimiser
      P = params(c); opt = eval(c["py"]); wB = run(c, P, opt, 0, N)
      sd = opt.state_dict(); desc = describe(sd); torch.save(sd, c["fileB"])
      straight = run(c, P, opt, N, N)
      P = params(c); set_to(P, wB); opt = eval(c["py"]); opt.load_state_dict(torch.load(c["fileB"]))
      OUTPUT[c["name"]] = {"a": a, "wB": wB, "desc": desc, "straight": straight, "resumed": run(c, P, opt, N, N)}
`);

interface PyOut { a: number[][]; wB: number[][]; desc: ReturnType<typeof describe>; straight: number[][]; resumed: number[][] }

test("every optimiser's PyTorch layout: PyTorch's state_dict() keys and kinds, and checkpoints that resume bit for bit both ways", () => {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-torch-sd-"));
  try {
    const mine = new Map<string, { wA: number[][]; straight: number[][]; resumed: number[][]; desc: ReturnType<typeof describe> }>();
    for (const c of CASES) {
      const P = params(c);
      const opt = c.ts(P);
      run(c, P, opt, 0, N);
      const wA = values(P);
      const desc = torch.scope(() => {
        const sd = opt.stateDict({ layout: "pytorch" });
        torch.save(sd, join(dir, `${c.name}-a.pt`));
        return describe(sd);
      });
      run(c, P, opt, N, N);
      const straight = values(P);
      // tstorch resuming its own PyTorch-layout file (what PyTorch's resume is compared with)
      const Q = params(c);
      setTo(Q, wA);
      const o2 = c.ts(Q);
      torch.scope(() => o2.loadStateDict(torch.load(join(dir, `${c.name}-a.pt`))));
      run(c, Q, o2, N, N);
      mine.set(c.name, { wA, straight, resumed: values(Q), desc });
      for (const o of [opt, o2]) o.dispose();
      for (const p of [...P, ...Q]) p.dispose();
    }
    const py = runPython(PY, {
      ...pySetupInput(), n: N, w0: W0, idx: IDX, target: TARGET,
      cases: CASES.map((c) => ({ name: c.name, py: c.py, sparse: c.sparse ?? false, wA: mine.get(c.name)!.wA, fileA: join(dir, `${c.name}-a.pt`), fileB: join(dir, `${c.name}-b.pt`) })),
    }) as Record<string, PyOut>;
    for (const c of CASES) {
      const m = mine.get(c.name)!;
      const r = py[c.name];
      assert.deepEqual(m.desc, r.desc, `${c.name}: stateDict({ layout: "pytorch" }) is PyTorch's state_dict()`);
      assert.deepEqual(r.a, m.resumed, `${c.name}: tstorch's checkpoint resumed in PyTorch = in tstorch`);
      if (!c.castOnLoad) assert.deepEqual(r.a, m.straight, `${c.name}: tstorch's checkpoint resumed in PyTorch = tstorch going on`);
      assert.notDeepEqual(r.a, m.wA, `${c.name}: the resumed run moved`);
      // (b) PyTorch's checkpoint in tstorch
      const P = params(c);
      setTo(P, r.wB);
      const opt = c.ts(P);
      torch.scope(() => opt.loadStateDict(torch.load(join(dir, `${c.name}-b.pt`))));
      run(c, P, opt, N, N);
      assert.deepEqual(values(P), r.resumed, `${c.name}: PyTorch's checkpoint resumed in tstorch = in PyTorch`);
      if (!c.castOnLoad) assert.deepEqual(values(P), r.straight, `${c.name}: PyTorch's checkpoint resumed in tstorch = PyTorch going on`);
      opt.dispose();
      for (const p of P) p.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PyTorch's layout: PyTorch's errors for mismatched groups, shape errors, and none for tstorch-only optimisers", () => {
  const P = freshParams();
  const opt = new optim.Adam(P, 0.01);
  const sd = torch.scope(() => {
    opt.zeroGrad();
    lossOf(P).backward();
    opt.step();
    return opt.stateDict({ layout: "pytorch" });
  });
  assert.equal(sd.param_groups[0].lr, 0.01);
  assert.deepEqual(sd.param_groups[0].params, [0, 1, 2]);
  assert.throws(() => opt.loadStateDict({ state: new Map(), param_groups: [] }), /loaded state dict has a different number of parameter groups \(0, this optimizer has 1\)/);
  assert.throws(() => opt.loadStateDict({ state: new Map(), param_groups: [{ lr: 0.1, params: [0, 1] }] }), /loaded state dict contains a parameter group that doesn't match the size of optimizer's group/);
  torch.scope(() => {
    const bad = new Map([[1, { step: 3, exp_avg: torch.zeros([4], { dtype: "float64" }) }]]);
    assert.throws(() => opt.loadStateDict({ state: bad, param_groups: sd.param_groups }), /optimizer state "1.exp_avg" has shape \[4\], its parameter has \[3\]/);
  });
  assert.ok(opt.state.get(P[1])!.exp_avg instanceof torch.Tensor, "a failed load keeps the state");
  // SGD without momentum: PyTorch keeps { momentum_buffer: None } per parameter; it loads as no buffer
  const sgd = new optim.SGD(P, 0.1);
  sgd.loadStateDict({ state: new Map([[0, { momentum_buffer: null }]]), param_groups: [{ lr: 0.2, momentum: 0, params: [0, 1, 2] }] });
  assert.equal(sgd.paramGroups[0].lr, 0.2);
  assert.equal(sgd.state.size, 0);
  assert.throws(() => new optim.Adafactor(P).stateDict({ layout: "pytorch" }), /Adafactor has no PyTorch layout/);
  assert.throws(() => new optim.Muon([P[0]], 0.02).stateDict({ layout: "pytorch" }), /Muon has no PyTorch layout/);
  for (const o of [opt, sgd]) o.dispose();
  for (const p of P) p.dispose();
});
