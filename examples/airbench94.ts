// airbench94: 94 % on CIFAR-10 in seconds on one GPU (Keller Jordan, arXiv 2404.00498), as ordinary
// tstorch code. The network is tstorch.vision.models.airbench94; this file is the recipe: augmented
// batches prepared on the device, SGD with Nesterov momentum and two parameter groups, a per-step
// learning-rate schedule, Lookahead weight averaging, and test-time augmentation.
//   npm run build && node dist/examples/airbench94.js [--data DIR] [--seed 0] [--steps N] [--threads N]
// It matches bench/airbench94_torch.py call for call (same seed → the same losses on the CPU).
import { readSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as torch from "../src/index.js";

const { nn, optim } = torch;
const { airbench94, initWhitening_, AIRBENCH94: H, AirbenchLoader, normalizeCifar10 } = torch.vision.models;
const { airbench94Optimizer, airbench94Schedule, lookaheadDecays, evaluateAirbench } = torch.vision.models;

export interface RunOptions {
  data: string;
  seed?: number;
  epochs?: number;
  /** Stop after this many steps (the bench's 50-step parity run). */
  steps?: number;
  batchSize?: number;
  limitTrain?: number;
  limitTest?: number;
  evaluation?: "tta" | "plain" | "none";
  device?: torch.DeviceLike;
  /** The GPU recipe: a half-precision network and data, BatchNorm in float32. */
  half?: boolean;
  /** Called before each step (the bench interleaves two processes step by step). */
  beforeStep?: () => void;
  onStep?: (step: number, loss: number, ms: number) => void;
  onEpoch?: (epoch: number, seconds: number) => void;
  /** After the whitening initialisation: its time and Σ|w| per state-dict entry (to compare two implementations). */
  onInit?: (ms: number, sums: Record<string, number>) => void;
}

export interface RunResult {
  steps: number;
  accuracy: number | null;
  /** Training, the whitening initialisation and the final evaluation, in seconds. */
  seconds: number;
  /** Median host time per step, ms (on a GPU without per-step syncs: the time to queue a step's work). */
  hostMsPerStep: number;
}

export function run(o: RunOptions): RunResult {
  const device = torch.Device.parse(String(o.device ?? torch.Device.cudaIfAvailable()));
  const batchSize = o.batchSize ?? H.batchSize;
  const cifar = torch.vision.cifar10.loadDir(o.data);
  const limit = (t: torch.Tensor, n?: number): torch.Tensor => (n ? t.narrow(0, 0, n) : t).to(device);
  const dtype = o.half ? "float16" : "float32";
  const trainX = torch.scope(() => torch.keep(normalizeCifar10(limit(cifar.trainImages, o.limitTrain)).to(dtype)));
  const trainY = limit(cifar.trainLabels, o.limitTrain);
  const testX = torch.scope(() => torch.keep(normalizeCifar10(limit(cifar.testImages, o.limitTest)).to(dtype)));
  const testY = limit(cifar.testLabels, o.limitTest);
  torch.dispose(cifar);

  torch.manualSeed(o.seed ?? 0);
  torch.backends.cudnn.benchmark = true; // cuDNN autotuning, as the recipe times itself
  const net = airbench94().to(device).to({ dtype, memoryFormat: "channelsLast" });
  for (const m of net.modules()) if (m instanceof nn.BatchNorm2d) m.to("float32"); // BatchNorm stays float32
  const whiten = net.at(0) as torch.nn.Conv2d;
  const loader = new AirbenchLoader(trainX, trainY, batchSize);
  const total = Math.ceil((o.epochs ?? H.epochs) * loader.length);
  const stopAt = o.steps ? Math.min(o.steps, total) : total;
  const whitenBiasSteps = Math.ceil(H.whitenBiasEpochs * loader.length);
  const opt = airbench94Optimizer(net); // Nesterov SGD; BatchNorm biases at 64× the lr
  const sched = airbench94Schedule(opt, total); // 0.2× → 1× over 23 % of the steps → 0.07×
  const decays = lookaheadDecays(total); // 0.95⁵·(t/T)³

  const sync = (): void => {
    if (device.type === "cuda") torch.cuda.synchronize();
  };
  sync();
  const t0 = performance.now();
  torch.scope(() => initWhitening_(whiten, trainX.narrow(0, 0, Math.min(H.whitenImages, trainX.shape[0]))));
  const lookahead = new optim.Lookahead(net);
  sync();
  let seconds = (performance.now() - t0) / 1000;
  if (o.onInit) o.onInit(seconds * 1000, torch.scope(() => Object.fromEntries([...net.stateDict()].map(([k, t]) => [k, t.to("float64").abs().sum().item()]))));

  let step = 0;
  const stepMs: number[] = [];
  let batches: Generator<[torch.Tensor, torch.Tensor], void, undefined> | null = null;
  while (step < stopAt) {
    o.beforeStep?.();
    const s0 = performance.now();
    if (step % loader.length === 0) batches = loader.batches(); // the epoch's draws happen on its first batch
    const [x, y] = (batches as Generator<[torch.Tensor, torch.Tensor], void, undefined>).next().value as [torch.Tensor, torch.Tensor];
    whiten.bias?.requiresGrad_(step < whitenBiasSteps);
    const loss = torch.scope(() => {
      const l = nn.functional.crossEntropy(net.forward(x), y, { labelSmoothing: H.labelSmoothing, reduction: "sum" });
      opt.zeroGrad({ setToNone: true });
      l.backward();
      opt.step();
      return torch.keep(l.detach());
    });
    torch.dispose([x, y]);
    sched.step();
    step++;
    if (step % 5 === 0) lookahead.update(decays[step]); // Lookahead: the weights become their EMA
    const ms = performance.now() - s0;
    stepMs.push(ms);
    seconds += ms / 1000;
    if (o.onStep) o.onStep(step, loss.item(), ms); // (a device sync, outside the step's time)
    loss.dispose();
    if (step % loader.length === 0) o.onEpoch?.(step / loader.length, seconds);
  }
  batches?.return(undefined);

  const e0 = performance.now();
  if (step === total) lookahead.update(1.0); // the final weights are the average
  const accuracy = o.evaluation === "none" ? null : evaluateAirbench(net, testX, testY, o.evaluation !== "plain");
  sync();
  seconds += (performance.now() - e0) / 1000;
  torch.dispose([trainX, trainY, testX, testY]);
  lookahead.dispose();
  loader.dispose();
  net.dispose();
  return { steps: step, accuracy, seconds, hostMsPerStep: stepMs.sort((a, b) => a - b)[Math.floor(stepMs.length / 2)] ?? NaN };
}

// ---------------------------------------------------------------- as a program
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function waitForLine(): void {
  const b = Buffer.alloc(1);
  while (readSync(0, b, 0, 1, null) === 1 && b[0] !== 10);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes("--json");
  const emit = (o: object): void => void process.stdout.write(JSON.stringify(o) + "\n");
  const num = (name: string): number | undefined => (arg(name) === undefined ? undefined : Number(arg(name)));
  if (arg("threads")) torch.setNumThreads(Number(arg("threads")));
  const r = run({
    data: arg("data") ?? ".cache/cifar10",
    seed: num("seed"),
    epochs: num("epochs"),
    steps: num("steps"),
    batchSize: num("batch-size"),
    limitTrain: num("limit-train"),
    limitTest: num("limit-test"),
    evaluation: (arg("eval") as RunOptions["evaluation"]) ?? "tta",
    device: arg("device"),
    half: process.argv.includes("--half"),
    beforeStep: process.argv.includes("--lockstep") ? waitForLine : undefined,
    onStep: json && !process.argv.includes("--no-step-log") ? (step, loss, ms) => emit({ event: "step", step, loss, ms }) : undefined,
    onInit: (ms, weights) => json && emit({ event: "init", ms, weights }),
    onEpoch: (epoch, time) => (json ? emit({ event: "epoch", epoch, time }) : console.log(`${epoch},${time.toFixed(3)}`)),
  });
  if (json) emit({ event: "done", steps: r.steps, acc: r.accuracy, time: r.seconds, host_ms_per_step: r.hostMsPerStep });
  else console.log(`airbench94: ${r.steps} steps, accuracy ${r.accuracy === null ? "-" : (100 * r.accuracy).toFixed(2) + " %"} (TTA), ${r.seconds.toFixed(1)} s`);
}
