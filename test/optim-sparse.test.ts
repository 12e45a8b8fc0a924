// SparseAdam and Adagrad with the sparse gradients of an embedding (torch.embedding(..., sparse=True)),
// against torch.optim of the linked version: 100 steps from the same float64 weights, bit-equal;
// SparseAdam refuses dense gradients and sparse parameters with PyTorch's messages; the dense
// optimisers refuse sparse gradients with theirs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { maxRelDiff, STEPS } from "./helpers/optim-harness.js";

const { optim } = torch;

const W0 = Array.from({ length: 8 * 3 }, (_, i) => Math.round(Math.cos(0.7 * i + 0.3) * 1e6) / 1e6);
/** The rows each step looks up (some steps miss rows, some repeat them). */
const IDX = Array.from({ length: STEPS }, (_, s) => [(s * 3) % 8, (s * 5 + 1) % 8, (s * 3) % 8, (s + 7) % 8]);
const TARGET = [0.5, -0.25, 1.0];

function tsRun(make: (w: torch.Tensor) => torch.optim.Optimizer): { losses: number[]; w: number[] } {
  const w = torch.persist(torch.tensor(W0, { dtype: "float64" }).reshape([8, 3]).requiresGrad_(true));
  const opt = make(w);
  const losses: number[] = [];
  for (const idx of IDX) {
    torch.scope(() => {
      opt.zeroGrad();
      const e = torch.embedding(w, torch.tensor(idx, { dtype: "int64" }), -1, false, true);
      const d = e.sub(torch.tensor(TARGET, { dtype: "float64" }));
      const l = d.mul(d).sum();
      l.backward();
      opt.step();
      losses.push(Number(l.item()));
    });
  }
  const out = { losses, w: Array.from(w.detach().flatten().toTypedArray() as Float64Array) };
  opt.dispose();
  w.dispose();
  return out;
}

const CASES: { name: string; ts: (w: torch.Tensor) => torch.optim.Optimizer; py: string }[] = [
  { name: "SparseAdam", ts: (w) => new optim.SparseAdam([w], 0.05), py: "torch.optim.SparseAdam([w], lr=0.05)" },
  {
    name: "SparseAdam betas, eps, maximize",
    ts: (w) => new optim.SparseAdam([w], { lr: 0.01, betas: [0.8, 0.95], eps: 1e-6, maximize: true }),
    py: "torch.optim.SparseAdam([w], lr=0.01, betas=(0.8, 0.95), eps=1e-6, maximize=True)",
  },
  { name: "Adagrad sparse", ts: (w) => new optim.Adagrad([w], 0.1, { lrDecay: 0.01, initialAccumulatorValue: 0.1 }), py: "torch.optim.Adagrad([w], lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)" },
];

test("SparseAdam and sparse Adagrad: 100 embedding steps equal PyTorch's bit for bit", () => {
  const py = runPython(
    dedent(`
    import torch
    OUTPUT = {}
    for c in INPUT["cases"]:
        w = torch.tensor(INPUT["w0"], dtype=torch.float64).reshape(8, 3).requires_grad_(True)
        opt = eval(c["py"])
        losses = []
        for idx in INPUT["idx"]:
            opt.zero_grad()
            e = torch.embedding(w, torch.tensor(idx, dtype=torch.int64), -1, False, True)
            d = e - torch.tensor(INPUT["target"], dtype=torch.float64)
            l = (d * d).sum()
            l.backward()
            opt.step()
            losses.append(l.item())
        OUTPUT[c["name"]] = {"losses": losses, "w": w.detach().flatten().tolist()}
    `),
    { w0: W0, idx: IDX, target: TARGET, cases: CASES.map((c) => ({ name: c.name, py: c.py })) },
  ) as Record<string, { losses: number[]; w: number[] }>;
  for (const c of CASES) {
    const t = tsRun(c.ts);
    assert.equal(maxRelDiff(t.losses, py[c.name].losses), 0, `${c.name}: losses`);
    assert.equal(maxRelDiff(t.w, py[c.name].w), 0, `${c.name}: weights`);
    assert.notEqual(py[c.name].losses[0], py[c.name].losses[STEPS - 1]);
  }
});

test("sparse gradients: PyTorch's errors", () => {
  const w = torch.persist(torch.ones([4, 2], { dtype: "float64" }).requiresGrad_(true));
  const sparseGrad = () => {
    w.zeroGrad();
    torch.scope(() => torch.embedding(w, torch.tensor([1, 2], { dtype: "int64" }), -1, false, true).sum().backward());
  };
  const denseGrad = () => {
    w.zeroGrad();
    torch.scope(() => w.sum().backward());
  };
  const sa = new optim.SparseAdam([w]);
  denseGrad();
  assert.throws(() => sa.step(), /SparseAdam does not support dense gradients, please consider Adam instead/);
  assert.throws(() => new optim.SparseAdam([w], 0), /invalid learning rate: 0/);
  assert.throws(() => new optim.SparseAdam([w], { eps: 0 }), /invalid epsilon value: 0/);
  const sparseParam = torch.scope(() => torch.persist(w.detach().toSparse()));
  assert.throws(() => new optim.SparseAdam([w, sparseParam]), /Sparse params at indices \[1\]: SparseAdam requires dense parameter tensors/);
  sparseGrad();
  for (const [name, opt] of [
    ["Adadelta", new optim.Adadelta([w])], ["Adamax", new optim.Adamax([w])], ["ASGD", new optim.ASGD([w])], ["NAdam", new optim.NAdam([w])],
    ["RAdam", new optim.RAdam([w])], ["RMSprop", new optim.RMSprop([w])], ["Rprop", new optim.Rprop([w])],
  ] as const) {
    assert.throws(() => opt.step(), new RegExp(`${name} does not support sparse gradients`));
  }
  assert.throws(() => new optim.Adagrad([w], { weightDecay: 0.1 }).step(), /weight_decay option is not compatible with sparse gradients/);
  sparseParam.dispose();
  w.dispose();
});
