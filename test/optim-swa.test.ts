// torch.optim.swa_utils against PyTorch of the linked version: AveragedModel (SWA and EMA averages,
// with and without buffers) over 30 steps of a float64 Linear-BatchNorm-Linear model (the weights
// moved by fixed scalar updates, the BatchNorm statistics by training-mode forwards), updateBn's
// recomputed statistics, and SWALR's learning rates: bit-equal. PyTorch 2 copies the model's
// buffers into the average at each update (1.13 leaves them): the linked version's behaviour is checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { maxRelDiff, TORCH_MAJOR } from "./helpers/optim-harness.js";

const { nn, optim } = torch;
const { AveragedModel, SWALR, updateBn, getEmaAvgFn } = optim.swaUtils;

const wave = (n: number, k: number, s = 1): number[] => Array.from({ length: n }, (_, i) => Math.round(Math.sin(0.9 * i + k) * 1e6) / 1e6 * s);
const INIT: Record<string, number[]> = {
  "0.weight": wave(24, 0.1, 0.5), "0.bias": wave(6, 1.1, 0.1), "1.weight": wave(6, 2.1, 0.2).map((v) => 1 + v), "1.bias": wave(6, 3.3, 0.1),
  "3.weight": wave(12, 4.2, 0.4), "3.bias": wave(2, 5.5, 0.1),
};
const SHAPES: Record<string, number[]> = { "0.weight": [6, 4], "0.bias": [6], "1.weight": [6], "1.bias": [6], "3.weight": [2, 6], "3.bias": [2] };
const X = wave(32, 0.7); // [8, 4]
const Y = wave(16, 1.9); // [8, 2]
const BN_BATCHES = [wave(20, 2.5), wave(20, 3.5), wave(12, 4.5)]; // [5, 4], [5, 4], [3, 4]

function model(): torch.nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Linear(6, 2)).to("float64");
  torch.scope(() => m.loadStateDict(Object.fromEntries(Object.entries(INIT).map(([k, v]) => [k, torch.tensor(v, { dtype: "float64" }).reshape(SHAPES[k])])), { strict: false }));
  return m;
}

type Avg = "swa" | "ema" | "swa_buffers";
function tsRun(kind: Avg): Record<string, number[]> {
  const m = model();
  const swa = kind === "ema" ? new AveragedModel(m, { avgFn: getEmaAvgFn(0.9) }) : new AveragedModel(m, { useBuffers: kind === "swa_buffers" });
  const x = torch.persist(torch.tensor(X, { dtype: "float64" }).reshape([8, 4]));
  const y = torch.persist(torch.tensor(Y, { dtype: "float64" }).reshape([8, 2]));
  for (let s = 0; s < 30; s++) {
    // the weights move by scalar steps (exact on both sides); the statistics by a training-mode forward
    torch.scope(() => torch.noGrad(() => {
      m.parameters().forEach((p, i) => p.mul_(0.98).add_(0.01 * ((s + i) % 7) - 0.03));
      m.forward(x.add(s * 0.01));
    }));
    if (s >= 10) swa.updateParameters(m);
  }
  const out: Record<string, number[]> = {};
  const dump = (prefix: string) => torch.scope(() => {
    for (const [k, v] of swa.stateDict()) out[prefix + k] = Array.from(v.detach().flatten().to({ dtype: "float64" }).toTypedArray() as Float64Array);
  });
  dump("");
  const batches = BN_BATCHES.map((b) => torch.persist(torch.tensor(b, { dtype: "float64" }).reshape([-1, 4])));
  updateBn(batches, swa);
  dump("bn:");
  for (const t of [...batches, x, y]) t.dispose();
  swa.dispose();
  m.dispose();
  return out;
}

test("AveragedModel (SWA, EMA, with buffers) and updateBn: PyTorch's averages and statistics, bit for bit", () => {
  const py = runPython(dedent(`
    import torch, torch.nn as nn
    from torch.optim.swa_utils import AveragedModel, update_bn
    torch.set_num_threads(INPUT["threads"])  # tstorch's: reductions split by thread count round differently
    def model():
        m = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).double()
        sd = m.state_dict()
        for k, v in INPUT["init"].items():
            sd[k] = torch.tensor(v, dtype=torch.float64).reshape(INPUT["shapes"][k])
        m.load_state_dict(sd)
        return m
    X = torch.tensor(INPUT["X"], dtype=torch.float64).reshape(8, 4)
    Y = torch.tensor(INPUT["Y"], dtype=torch.float64).reshape(8, 2)
    OUTPUT = {}
    for kind in ["swa", "ema", "swa_buffers"]:
        m = model()
        if kind == "ema": swa = AveragedModel(m, avg_fn=lambda a, p, n: 0.9 * a + (1 - 0.9) * p)
        else: swa = AveragedModel(m, use_buffers=(kind == "swa_buffers"))
        for s in range(30):
            with torch.no_grad():
                for i, p in enumerate(m.parameters()):
                    p.mul_(0.98).add_(0.01 * ((s + i) % 7) - 0.03)
                m(X.add(s * 0.01))
            if s >= 10: swa.update_parameters(m)
        # copies: update_bn resets the statistics in place in PyTorch 2 (1.13 replaced the tensors)
        out = {k: v.detach().clone().flatten().double() for k, v in swa.state_dict().items()}
        update_bn([torch.tensor(b, dtype=torch.float64).reshape(-1, 4) for b in INPUT["bn"]], swa)
        out.update({"bn:" + k: v.flatten().double() for k, v in swa.state_dict().items()})
        OUTPUT[kind] = {k: v.tolist() for k, v in out.items()}
  `), { init: INIT, shapes: SHAPES, X, Y, bn: BN_BATCHES, threads: torch.getNumThreads() }) as Record<string, Record<string, number[]>>;
  for (const kind of ["swa", "ema", "swa_buffers"] as const) {
    const ours = tsRun(kind);
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(py[kind]).sort(), `${kind}: state names`);
    for (const [k, v] of Object.entries(ours)) assert.equal(maxRelDiff(v, py[kind][k]), 0, `${kind} ${k}: ${v} vs PyTorch ${py[kind][k]}`);
    assert.deepEqual(ours.n_averaged, [20]);
  }
  // PyTorch 2 copies the model's BatchNorm statistics into the average; 1.13 leaves the copy's own (never updated: 0 and 1)
  const swa = py.swa["module.1.running_var"];
  if (TORCH_MAJOR >= 2) assert.ok(swa.some((v) => v !== 1));
  else assert.ok(swa.every((v) => v === 1));
});

test("SWALR: learning rates equal PyTorch's (cos and linear, two groups, annealEpochs 0 and 5)", () => {
  const cases: [string, (o: torch.optim.Optimizer) => torch.optim.LRScheduler, string][] = [
    ["cos", (o) => new SWALR(o, 0.05, 5), "SWALR(opt, swa_lr=0.05, anneal_epochs=5)"],
    ["linear groups", (o) => new SWALR(o, { swaLr: [0.01, 0.2], annealEpochs: 7, annealStrategy: "linear" }), "SWALR(opt, swa_lr=[0.01, 0.2], anneal_epochs=7, anneal_strategy='linear')"],
    ["no annealing", (o) => new SWALR(o, 0.02, 0), "SWALR(opt, swa_lr=0.02, anneal_epochs=0)"],
  ];
  const py = runPython(dedent(`
    import torch, warnings
    from torch.optim.swa_utils import SWALR
    warnings.simplefilter("ignore")
    OUTPUT = {}
    for name, expr in INPUT:
        a = torch.zeros(2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1)
        s = eval(expr)
        lrs = [[g["lr"] for g in opt.param_groups]]
        for _ in range(15):
            opt.step(); s.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        OUTPUT[name] = lrs
  `), cases.map(([n, , e]) => [n, e])) as Record<string, number[][]>;
  for (const [name, make] of cases) {
    const a = torch.persist(torch.zeros([2]).requiresGrad_(true));
    const b = torch.persist(torch.zeros([3]).requiresGrad_(true));
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.03 }], 0.1);
    const s = make(opt);
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    for (let i = 0; i < 15; i++) {
      s.step();
      lrs.push(opt.paramGroups.map((g) => g.lr));
    }
    assert.deepEqual(lrs, py[name], name);
    a.dispose();
    b.dispose();
  }
});

test("swa_utils errors: PyTorch's messages", () => {
  const p = torch.persist(torch.zeros([2]).requiresGrad_(true));
  const opt = new optim.SGD([{ params: [p] }], 0.1);
  assert.throws(() => new SWALR(opt, 0.05, -1), /anneal_epochs must be equal or greater than 0, got -1/);
  assert.throws(() => new SWALR(opt, 0.05, 2.5), /anneal_epochs must be equal or greater than 0, got 2.5/);
  assert.throws(() => new SWALR(opt, 0.05, 5, "step" as "cos"), /anneal_strategy must b[ey] one of 'cos' or 'linear', instead got step/);
  assert.throws(() => new SWALR(opt, [0.1, 0.2]), /swa_lr/);
  assert.throws(() => getEmaAvgFn(1.5), /Invalid decay value 1.5 provided. Please provide a value in \[0,1\] range./);
  const m = new nn.Linear(2, 2);
  assert.throws(() => new AveragedModel(m, { avgFn: getEmaAvgFn(), multiAvgFn: optim.swaUtils.getSwaMultiAvgFn() }), /Only one of avg_fn and multi_avg_fn should be provided/);
  // the copy is independent of the model
  const avg = new AveragedModel(m);
  torch.scope(() => m.parameters()[0].detach().add_(1));
  assert.notDeepEqual(torch.scope(() => avg.module.parameters()[0].toArray()), torch.scope(() => m.parameters()[0].toArray()));
  avg.dispose();
  m.dispose();
  p.dispose();
});
