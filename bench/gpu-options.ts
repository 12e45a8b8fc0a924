// The opt-in GPU speed-ups, measured on the seed's full-batch steps (50,000 CIFAR-10 images):
// TF32 matrix products, cuDNN autotuning, channels-last memory format, bf16/fp16 autocast and CUDA
// graph capture of the whole training step (forward, backward, Adam), alone and combined.
//
//   node dist/bench/gpu-options.js --data DIR [--steps-cnn N] [--steps-mlp N] [--out FILE.json]
//
// Each variant trains a fresh model from the same seed (tch's initialisation, Adam at the seed's
// learning rate): 3 warm-up steps, `timed` steps timed together (one synchronisation at the end),
// then more steps up to the total; the test accuracy after them (always evaluated in float32,
// eager) shows each switch's effect on what the model learns. Prints a table; writes JSON.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as torch from "../src/index.js";
import { buildModel } from "../src/cli/models.js";

interface Variant {
  name: string;
  model: "cnn" | "mlp";
  tf32?: boolean;
  benchmark?: boolean;
  channelsLast?: boolean;
  amp?: "bfloat16" | "float16";
  graph?: boolean;
}

interface Outcome {
  variant: string;
  model: string;
  msPerStep: number;
  speedup: number;
  steps: number;
  testAcc: number;
  finalLoss: number;
  error?: string;
}

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    "steps-cnn": { type: "string", default: "200" },
    "steps-mlp": { type: "string", default: "100" },
    timed: { type: "string", default: "20" },
    only: { type: "string" },
    // for trying the script without a GPU: --device cpu --limit 512 (graph variants are skipped)
    device: { type: "string", default: "cuda" },
    limit: { type: "string" },
    out: { type: "string" },
  },
});
const stepsFor = { cnn: Number(values["steps-cnn"]), mlp: Number(values["steps-mlp"]) };
const TIMED = Number(values.timed);
const LR = { cnn: 1e-3, mlp: 1e-2 };

const DEVICE = values.device === "cpu" ? "cpu" : "cuda";
if (DEVICE === "cuda" && !torch.cuda.isAvailable()) {
  console.error("gpu-options: no CUDA device");
  process.exit(2);
}
const d = torch.data.loadCifar10(values.data ?? process.env.CIFAR10_DIR ?? ".cache/cifar10");
const limit = values.limit ? Number(values.limit) : null;
const [trainX, trainY, testX, testY] = torch.scope(() => {
  const cut = (t: torch.Tensor): torch.Tensor => (limit === null ? t : t.narrow(0, 0, Math.min(limit, t.shape[0])));
  return [cut(d.trainImages).to(DEVICE), cut(d.trainLabels).to(DEVICE), cut(d.testImages).to(DEVICE), cut(d.testLabels).to(DEVICE)]
    .map((t) => (t.device.type === "cpu" ? t.clone() : t));
});
torch.dispose([d.trainImages, d.trainLabels, d.testImages, d.testLabels]);

const VARIANTS: Variant[] = [
  { name: "eager fp32 (PyTorch's defaults)", model: "cnn" },
  { name: "TF32 matmul", model: "cnn", tf32: true },
  { name: "cudnn.benchmark", model: "cnn", benchmark: true },
  { name: "channels-last", model: "cnn", channelsLast: true },
  { name: "channels-last + cudnn.benchmark", model: "cnn", channelsLast: true, benchmark: true },
  { name: "autocast bf16", model: "cnn", amp: "bfloat16" },
  { name: "autocast fp16", model: "cnn", amp: "float16" },
  { name: "CUDA graph", model: "cnn", graph: true },
  { name: "bf16 + channels-last + benchmark + graph", model: "cnn", amp: "bfloat16", channelsLast: true, benchmark: true, graph: true },
  { name: "fp32 + benchmark + graph", model: "cnn", benchmark: true, graph: true },
  { name: "eager fp32 (PyTorch's defaults)", model: "mlp" },
  { name: "TF32 matmul", model: "mlp", tf32: true },
  { name: "autocast bf16", model: "mlp", amp: "bfloat16" },
  { name: "autocast fp16", model: "mlp", amp: "float16" },
  { name: "CUDA graph", model: "mlp", graph: true },
  { name: "bf16 + graph", model: "mlp", amp: "bfloat16", graph: true },
];

function runVariant(v: Variant): Outcome {
  torch.backends.cuda.matmul.allowTf32 = v.tf32 ?? false;
  torch.backends.cudnn.benchmark = v.benchmark ?? false;
  torch.manualSeed(0);
  const net = buildModel(v.model, "tch").to(DEVICE);
  if (v.channelsLast) net.to({ memoryFormat: "channelsLast" });
  const x = v.channelsLast ? trainX.contiguous("channelsLast") : trainX;
  const opt = new torch.optim.Adam(net.parameters(), { lr: LR[v.model], capturable: v.graph ?? false });
  const forwardLoss = (): torch.Tensor =>
    v.amp ? torch.autocast({ deviceType: DEVICE, dtype: v.amp }, () => net.forward(x).crossEntropyForLogits(trainY))
      : net.forward(x).crossEntropyForLogits(trainY);
  const step = (): torch.Tensor => {
    const loss = forwardLoss();
    opt.backwardStep(loss);
    return loss;
  };
  const total = stepsFor[v.model];
  let done = 0;
  let lossT: torch.Tensor | null = null;
  let graph: InstanceType<typeof torch.cuda.CUDAGraph> | null = null;
  try {
    // 3 warm-up steps (on a side stream for a graph: lazy initialisations stay out of the capture)
    const warm = (): void => {
      for (let i = 0; i < 3; i++) torch.scope(() => void step());
    };
    if (v.graph) torch.cuda.warmup(warm);
    else warm();
    done += 3;
    let one: () => void;
    if (v.graph) {
      graph = new torch.cuda.CUDAGraph();
      lossT = graph.capture(() => step()); // records the step without running it
      const g = graph;
      one = () => g.replay();
    } else {
      one = () => {
        const l = torch.scope(() => step());
        lossT?.dispose();
        lossT = l;
      };
    }
    torch.cuda.synchronize();
    const t0 = performance.now();
    for (let i = 0; i < TIMED; i++) one();
    torch.cuda.synchronize();
    const ms = (performance.now() - t0) / TIMED;
    done += TIMED;
    while (done < total) {
      one();
      done++;
    }
    const finalLoss = (lossT as torch.Tensor | null)?.item() ?? NaN;
    const testAcc = torch.noGrad(() => torch.scope(() => net.forward(testX).accuracyForLogits(testY).item()));
    return { variant: v.name, model: v.model, msPerStep: ms, speedup: NaN, steps: done, testAcc, finalLoss };
  } catch (e) {
    return { variant: v.name, model: v.model, msPerStep: NaN, speedup: NaN, steps: done, testAcc: NaN, finalLoss: NaN, error: e instanceof Error ? e.message : String(e) };
  } finally {
    graph?.reset();
    (lossT as torch.Tensor | null)?.dispose();
    opt.zeroGrad();
    if (x !== trainX) x.dispose();
    net.dispose();
    torch.backends.cuda.matmul.allowTf32 = false;
    torch.backends.cudnn.benchmark = false;
  }
}

const only = values.only?.split(",");
const results: Outcome[] = [];
for (const v of VARIANTS) {
  if (only && !only.includes(v.model)) continue;
  if (DEVICE === "cpu" && (v.graph || v.amp === "float16")) continue;
  const r = runVariant(v);
  const base = results.find((o) => o.model === v.model && o.variant.startsWith("eager"));
  r.speedup = base ? base.msPerStep / r.msPerStep : 1;
  results.push(r);
  console.log(
    `${v.model.padEnd(4)} ${v.name.padEnd(44)} ${r.msPerStep.toFixed(2).padStart(8)} ms/step  ×${r.speedup.toFixed(2).padStart(5)}  ` +
      `acc ${(r.testAcc * 100).toFixed(2)}% after ${r.steps} steps, loss ${r.finalLoss.toFixed(4)}${r.error ? `  ERROR ${r.error.split("\n")[0]}` : ""}`,
  );
}
if (values.out) writeFileSync(values.out, JSON.stringify({ gpu: torch.versions(), results }, null, 2) + "\n");
process.exit(0);
