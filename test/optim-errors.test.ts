// Option errors of every optimiser against PyTorch's: the same bad value gives PyTorch's message
// (tstorch's start with "tstorch: " and, like the existing optimisers', say "invalid" in lower case).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { torchAtLeast } from "./helpers/optim-harness.js";

const { optim } = torch;

/** [tstorch constructor over P, PyTorch expression over P, minimum PyTorch version]. */
const CASES: [(P: torch.Tensor[]) => unknown, string, [number, number]?][] = [
  [(P) => new optim.Adadelta(P, -0.5), "torch.optim.Adadelta(P, lr=-0.5)"],
  [(P) => new optim.Adadelta(P, { rho: 1.5 }), "torch.optim.Adadelta(P, rho=1.5)"],
  [(P) => new optim.Adadelta(P, { eps: -0.5 }), "torch.optim.Adadelta(P, eps=-0.5)"],
  [(P) => new optim.Adadelta(P, { weightDecay: -0.5 }), "torch.optim.Adadelta(P, weight_decay=-0.5)"],
  [(P) => new optim.Adagrad(P, { lrDecay: -0.5 }), "torch.optim.Adagrad(P, lr_decay=-0.5)"],
  [(P) => new optim.Adagrad(P, { initialAccumulatorValue: -0.5 }), "torch.optim.Adagrad(P, initial_accumulator_value=-0.5)"],
  [(P) => new optim.Adagrad(P, { eps: -0.5 }), "torch.optim.Adagrad(P, eps=-0.5)"],
  [(P) => new optim.Adamax(P, { betas: [1.5, 0.9] }), "torch.optim.Adamax(P, betas=(1.5, 0.9))"],
  [(P) => new optim.Adamax(P, { betas: [0.9, -0.5] }), "torch.optim.Adamax(P, betas=(0.9, -0.5))"],
  [(P) => new optim.ASGD(P, { weightDecay: -0.5 }), "torch.optim.ASGD(P, weight_decay=-0.5)"],
  [(P) => new optim.NAdam(P, { momentumDecay: -0.5 }), "torch.optim.NAdam(P, momentum_decay=-0.5)"],
  [(P) => new optim.NAdam(P, { eps: -0.5 }), "torch.optim.NAdam(P, eps=-0.5)"],
  [(P) => new optim.RAdam(P, { weightDecay: -0.5 }), "torch.optim.RAdam(P, weight_decay=-0.5)"],
  [(P) => new optim.RAdam(P, { betas: [0.9, 1.5] }), "torch.optim.RAdam(P, betas=(0.9, 1.5))"],
  [(P) => new optim.RMSprop(P, { alpha: -0.5 }), "torch.optim.RMSprop(P, alpha=-0.5)"],
  [(P) => new optim.RMSprop(P, { momentum: -0.5 }), "torch.optim.RMSprop(P, momentum=-0.5)"],
  [(P) => new optim.RMSprop(P, { eps: -0.5 }), "torch.optim.RMSprop(P, eps=-0.5)"],
  [(P) => new optim.Rprop(P, { etas: [1.5, 1.2] }), "torch.optim.Rprop(P, etas=(1.5, 1.2))"],
  [(P) => new optim.Rprop(P, { etas: [0.5, 0.75] }), "torch.optim.Rprop(P, etas=(0.5, 0.75))"],
  [(P) => new optim.SparseAdam(P, { betas: [0.9, 1.5] }), "torch.optim.SparseAdam(P, betas=(0.9, 1.5))"],
  [(P) => new optim.SparseAdam(P, { eps: -0.5 }), "torch.optim.SparseAdam(P, eps=-0.5)"],
  [(P) => new optim.LBFGS(P, -0.5), "torch.optim.LBFGS(P, lr=-0.5)", [2, 0]],
  [(P) => new optim.Adafactor(P, { beta2Decay: 0.5 }), "torch.optim.Adafactor(P, beta2_decay=0.5)", [2, 5]],
  [(P) => new optim.Adafactor(P, { d: 0.5 }), "torch.optim.Adafactor(P, d=0.5)", [2, 5]],
  [(P) => new optim.Muon([P[0]], { momentum: -0.5 }), "torch.optim.Muon([P[0]], momentum=-0.5)", [2, 9]],
  [(P) => new optim.Muon(P), "torch.optim.Muon(P)", [2, 9]],
];

test("optimiser option errors: PyTorch's messages", () => {
  const cases = CASES.filter(([, , v]) => v === undefined || torchAtLeast(...v));
  const py = runPython(dedent(`
    import torch
    P = [torch.zeros(3, 2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    out = []
    for expr in INPUT:
        try:
            eval(expr); out.append(None)
        except ValueError as e:
            out.append(str(e))
    OUTPUT = out
  `), cases.map(([, e]) => e)) as (string | null)[];
  const P = [torch.persist(torch.zeros([3, 2]).requiresGrad_(true)), torch.persist(torch.zeros([2]).requiresGrad_(true))];
  cases.forEach(([make, expr], i) => {
    assert.ok(py[i] !== null, `PyTorch accepts ${expr}`);
    let msg: string | null = null;
    try {
      make(P);
    } catch (e) {
      msg = (e as Error).message;
    }
    assert.ok(msg !== null, `tstorch accepts ${expr}`);
    // Muon prints torch.Size([2]) for the shape; tstorch prints [2]
    const norm = (s: string) => s.replace(/^tstorch: /, "").replace(/torch\.Size\((\[[^\]]*\])\)/, "$1").toLowerCase();
    assert.equal(norm(msg!), norm(py[i]!), expr);
  });
  for (const p of P) p.dispose();
});
