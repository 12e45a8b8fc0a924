// The tstorch side of the small-model workloads (bench/small-models.ts describes them; the same
// work is in bench/small_models_torch.py and bench/floor/small_models.cc). Every request starts
// again from the same deterministic weights (fill below, computed by ATen in float32 on every side),
// so the checksum it returns (the last loss, or a sum) agrees between the three sides up to rounding.
import * as torch from "../src/index.js";
import { buildModel } from "../src/cli/models.js";
import type { RunResult, SmallModel } from "./protocol.js";

const { nn } = torch;
type Tensor = torch.Tensor;

/** sin(0.37·k + offset)·scale over the flat index k, shaped: the same numbers on every side. */
function filled(shape: number[], offset: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return torch.scope(() => torch.arange(n, { dtype: "float32" }).mul(0.37).add(offset).sin().mul(scale).reshape(shape));
}

/** Overwrites the parameters, in order, with filled(): scale 1/√fan-in for matrices, 0.05 for vectors. */
function fillParams(params: Tensor[]): void {
  torch.noGrad(() => params.forEach((p, i) => {
    const scale = p.dim() >= 2 ? 1 / Math.sqrt(p.numel() / p.shape[0]) : 0.05;
    torch.scope(() => p.copy_(filled(p.shape, i, scale)));
  }));
}

/** Token ids (7t + 3b + shift) mod 65 as [100, 16] int64, one [16] row per time step. */
function tokens(shift: number): Tensor[] {
  return torch.scope(() => torch.arange(100, { dtype: "int64" }).mul(7).unsqueeze(1)
    .add(torch.arange(16, { dtype: "int64" }).mul(3)).add(shift).remainder(65).unbind(0));
}

interface Workload {
  params: Tensor[];
  /** Runs `iters` iterations from fresh weights and returns the checksum (read after the clock stops). */
  run(iters: number, time: (fn: () => void) => void): number;
}

function policy(): Workload {
  const model = new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 8));
  const params = model.parameters();
  const x = filled([64, 64], 100, 1);
  const target = filled([64, 8], 200, 1);
  return {
    params,
    run(iters, time) {
      const opt = new torch.optim.Adam(params, { lr: 1e-3 });
      let last: Tensor | null = null;
      time(() => {
        for (let i = 0; i < iters; i++) {
          last?.dispose();
          last = torch.scope(() => {
            opt.zeroGrad();
            const loss = model.forward(x).mseLoss(target);
            loss.backward();
            opt.step();
            return loss;
          });
        }
      });
      opt.dispose();
      const l = last!.item();
      last!.dispose();
      return l;
    },
  };
}

function lstm(): Workload {
  const emb = new nn.Embedding(65, 64);
  const cell = new nn.LSTMCell(64, 128);
  const head = new nn.Linear(128, 65);
  const params = [...emb.parameters(), ...cell.parameters(), ...head.parameters()];
  const inputs = tokens(0);
  const targets = tokens(7);
  return {
    params,
    run(iters, time) {
      const opt = new torch.optim.SGD(params, { lr: 0.1 });
      let last = NaN;
      time(() => {
        for (let i = 0; i < iters; i++) {
          const loss = torch.scope(() => {
            opt.zeroGrad();
            let state: [Tensor, Tensor] | null = null;
            let sum: Tensor | null = null;
            for (let t = 0; t < 100; t++) {
              state = cell.forward(emb.forward(inputs[t]), state);
              const l = head.forward(state[0]).crossEntropyForLogits(targets[t]);
              sum = sum === null ? l : sum.add(l);
            }
            const loss = sum!.div(100);
            loss.backward();
            opt.step();
            return loss;
          });
          if (i === iters - 1) last = loss.item();
          loss.dispose();
        }
      });
      opt.dispose();
      return last;
    },
  };
}

function smallOpt(): Workload {
  const params: Tensor[] = [];
  for (let i = 0; i < 100; i++) params.push(torch.zeros([32, 32]).requiresGrad_(), torch.zeros([32]).requiresGrad_());
  return {
    params,
    run(iters, time) {
      params.forEach((p, i) => {
        p.grad = filled(p.shape, 1000 + i, 0.01);
      });
      const opt = new torch.optim.Adam(params, { lr: 1e-3 });
      time(() => {
        for (let i = 0; i < iters; i++) opt.step();
      });
      opt.dispose();
      return torch.scope(() => params.reduce((s, p) => s + p.sum().item(), 0));
    },
  };
}

function cnnInfer1(): Workload {
  const model = buildModel("cnn", "torch");
  const x = filled([1, 3, 32, 32], 300, 1);
  return {
    params: model.parameters(),
    run(iters, time) {
      let out: Tensor | null = null;
      time(() => torch.autograd.inferenceMode(() => {
        for (let i = 0; i < iters; i++) {
          out?.dispose();
          out = model.forward(x);
        }
      }));
      const s = torch.scope(() => out!.sum().item());
      out!.dispose();
      return s;
    },
  };
}

const BUILD: Record<SmallModel, () => Workload> = { policy, "lstm-step": lstm, "small-opt": smallOpt, "cnn-infer1": cnnInfer1 };
const built = new Map<SmallModel, Workload>();

export function runSmall(model: SmallModel, iters: number): RunResult {
  let w = built.get(model);
  if (w === undefined) {
    w = BUILD[model]();
    built.set(model, w);
  }
  fillParams(w.params);
  let seconds = NaN;
  let cpu = NaN;
  const loss = w.run(iters, (fn) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1e6;
  });
  return { seconds, loss, cpu };
}
