// `tstorch cifar10 <model>`, in the training thread (worker.ts): resolve -> build -> restore ->
// train -> save. Every input (options, checkpoint, device, data, output folder) is validated before
// anything is written. A stop request (Ctrl-C, SIGTERM, a closed stdout) ends the loop at the next
// step boundary and still writes everything.
import * as path from "node:path";
import * as torch from "../index.js";
import type { Cifar10Options, OptionKey, ParsedCifar10 } from "./args.js";
import { checkOutDir, defaultOutDir, FILES, prepareOutDir, writeConfig, writeMetrics } from "./artifacts.js";
import type { ModuleLike } from "./checkpoint.js";
import { saveRun, summarize } from "./cifar10-save.js";
import { dataTensors, readData, resolveDataDir, type RunData } from "./data.js";
import { startDataParallel, type DataParallel } from "./data-parallel.js";
import { UsageError } from "./errors.js";
import { buildModel, buildOptimizer } from "./models.js";
import { createReporter, type Reporter } from "./progress.js";
import { readResume, restoreCheckpoint } from "./resume.js";
import { SIGNAL_EXIT_CODE, type StopController } from "./signals.js";
import { batching, csvHeader, train, type TrainSetup, type TrainState } from "./train.js";
import { checkpointable, trainAirbench } from "./airbench.js";

/** Full checkpoint refresh interval while training (also written at the end and on a stop). */
const SAVE_INTERVAL_S = 600;
/** metrics.csv refresh interval while training. */
const METRICS_INTERVAL_S = 5;

/** How a run talks to the outside (the worker passes everything through the main thread). */
export interface RunIO {
  stop: StopController;
  /** One line of the stdout CSV, without newline. */
  csv(line: string): void;
  /** Text for stderr, as is. */
  stderr(text: string): void;
  stderrIsTTY: boolean;
  columns?: number;
}

/** What the options resolve to before anything is built: where to write, on which device, which data. */
interface RunInputs {
  /** The options, the checkpoint's where not given, with the data folder recorded absolute. */
  o: Cifar10Options;
  out: string;
  device: torch.Device;
  dataDir: string;
  data: RunData;
}

interface RunParts {
  model: torch.nn.Module;
  optimizer: torch.optim.Optimizer;
  /** airbench's Lookahead (its copy of the weights is part of what a checkpoint holds), else null. */
  lookahead: torch.optim.Lookahead | null;
  /** What a checkpoint saves and restores. */
  saved: ModuleLike;
}

export interface Cifar10Run extends RunInputs, RunParts {
  state: TrainState;
  reporter: Reporter;
}

export async function runCifar10(parsed: ParsedCifar10, command: string[], io: RunIO): Promise<number> {
  // the checkpoint first: its options become this run's defaults
  const resumed = readResume(parsed);
  const options = resumed.options;
  // launched data-parallel (torchrun / tstorch run): rank 0 alone prints and writes (data-parallel.ts)
  const dp = startDataParallel();
  const silent = dp !== null && !dp.isMain;
  if (silent) io = { ...io, csv: () => {} };
  const reporter = createReporter({ quiet: options.quiet || silent, write: io.stderr, tty: io.stderrIsTTY, columns: io.columns });
  try {
    const inputs = resolveInputs(options, dp);
    const parts = buildParts(inputs);
    let state: TrainState = { position: { epoch: 0, step: 0, lossSum: 0, samples: 0, elapsed: 0 }, history: [], best: null, bestState: null };
    if (resumed.checkpoint !== null) {
      state = restoreCheckpoint(resumed.checkpoint, {
        options: inputs.o, explicit: parsed.explicit, model: parts.model, saved: parts.saved, optimizer: parts.optimizer,
        nTrain: inputs.data.trainX.shape[0], device: inputs.device, reporter,
      });
      resumed.checkpoint = null; // its tensors are disposed; let the rest go
    }
    const run: Cifar10Run = { ...inputs, ...parts, state, reporter };

    // from here on files are written
    begin(run, command, parsed.explicit, io);
    await trainRun(run, io, dp);
    await saveRun(run);
    summarize(run, io.stop.requested);
    run.lookahead?.dispose();
    disposeAll(run);
    return io.stop.requested === null ? 0 : SIGNAL_EXIT_CODE[io.stop.requested];
  } finally {
    reporter.close();
    dp?.close();
  }
}

function resolveInputs(o: Cifar10Options, dp: DataParallel | null): RunInputs {
  const out = dp?.scratch ?? o.out ?? (o.resume !== null ? path.dirname(o.resume) : defaultOutDir(o.model));
  checkOutDir(out);
  const device = resolveDevice(o.device);
  if (o.threads !== null) torch.setNumThreads(o.threads);
  // every data file is checked before anything is written
  const dataDir = resolveDataDir(o.data);
  // The tensors are built here; the 180 MB of file bytes are garbage once this line is done.
  const data = dataTensors(readData(dataDir), o, device);
  // recorded absolute, so a resume from anywhere finds it
  return { o: { ...o, data: path.resolve(dataDir) }, out, device, dataDir, data };
}

function resolveDevice(d: string): torch.Device {
  if (d === "auto") return torch.Device.cudaIfAvailable();
  const dev = torch.Device.parse(d);
  if (dev.type === "cuda") {
    const n = torch.cuda.deviceCount();
    if (n === 0) throw new UsageError(`--device ${d}: CUDA is not available (no GPU visible, or this libtorch has no CUDA); use --device cpu or auto`);
    if ((dev.index ?? 0) >= n) throw new UsageError(`--device ${d}: only ${n} CUDA device${n === 1 ? "" : "s"} (cuda:0${n > 1 ? `..cuda:${n - 1}` : ""})`);
  }
  return dev;
}

function buildParts({ o, device, data }: RunInputs): RunParts {
  torch.manualSeed(o.seed);
  const model = buildModel(o.model, o.init);
  model.to(device);
  if (o.model === "airbench") model.to({ memoryFormat: "channelsLast" }); // the recipe's layout; its batches are channels-last
  applySpeedOptions(o, device, model, data);
  const optimizer = buildOptimizer(model, o);
  const lookahead = o.model === "airbench" ? new torch.optim.Lookahead(model) : null;
  return { model, optimizer, lookahead, saved: lookahead === null ? model : checkpointable(model, lookahead) };
}

/** The opt-in GPU speed-ups (--cudnn-benchmark, --tf32, --channels-last; --amp and --cuda-graph act in train.ts). */
function applySpeedOptions(o: Cifar10Options, device: torch.Device, model: torch.nn.Module, data: RunData): void {
  if (o.cudaGraph) {
    if (device.type !== "cuda") throw new UsageError(`--cuda-graph needs a CUDA device; the run is on ${device}`);
    if (!torch.cuda.graphsAvailable()) {
      throw new UsageError("--cuda-graph: this build of tstorch has no CUDA graphs (its addon was built without CUDA's headers)");
    }
  }
  torch.backends.cudnn.benchmark = o.cudnnBenchmark;
  torch.backends.cuda.matmul.allowTf32 = o.tf32;
  if (o.channelsLast) {
    model.to({ memoryFormat: "channelsLast" });
    const cl = (t: torch.Tensor): torch.Tensor => {
      const c = t.contiguous("channelsLast");
      if (c !== t) t.dispose();
      return c;
    };
    data.trainX = cl(data.trainX);
    data.evalX = cl(data.evalX);
  }
}

/** Creates the output folder, writes config.json, says what the run is about to do, and prints the CSV header. */
function begin(run: Cifar10Run, command: string[], explicit: Set<OptionKey>, io: RunIO): void {
  const { o, out, device, dataDir, data, model, state } = run;
  prepareOutDir(out);
  const v = torch.versions();
  const threads = torch.getNumThreads();
  writeConfig(out, {
    command,
    options: o,
    explicitOptions: [...explicit],
    tstorch: v.tstorch,
    libtorch: v.libtorch,
    device: String(device),
    cudaAvailable: torch.cuda.isAvailable(),
    threads,
    model: { name: o.model, parameters: model.numParameters() },
    data: { dir: path.resolve(dataDir), train: data.trainDesc, eval: data.evalDesc, sampleIndices: data.sampleIndices },
    resumedFrom: o.resume === null ? null : { file: path.resolve(o.resume), epoch: state.position.epoch, step: state.position.step },
    startedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  });
  const { bs, steps } = batching(o, data.trainX.shape[0]);
  run.reporter.info(
    `tstorch cifar10 ${o.model}: ${model.numParameters().toLocaleString("en-US")} parameters, device ${device}, ` +
      `${threads} thread${threads === 1 ? "" : "s"}, data ${dataDir} (train ${data.trainDesc}, eval ${data.evalDesc}), ` +
      `${o.batchSize === "full" ? "full-batch" : `batch ${bs} (${steps} steps/epoch)`}, ${o.optimizer} lr ${Number(o.lr.toPrecision(6))}, ` +
      `epochs ${state.position.epoch + 1}..${o.epochs}${o.resume !== null ? ` (resumed from ${o.resume})` : ""}, out ${out}`,
  );
  if (state.position.epoch >= o.epochs) {
    run.reporter.info(`the checkpoint is at epoch ${state.position.epoch}, already at --epochs ${o.epochs}: nothing to train`);
  }
  io.csv(csvHeader(o.model !== "autoencoder"));
}

/** Trains until --epochs or a stop; refreshes the files along the way, and saves what it has if training fails. */
async function trainRun(run: Cifar10Run, io: RunIO, dp: DataParallel | null): Promise<void> {
  const { out, state, reporter } = run;
  let lastSave = performance.now();
  let lastMetrics = performance.now();
  const epochEnd = async (): Promise<void> => {
    const t = performance.now();
    if (t - lastSave >= SAVE_INTERVAL_S * 1000) {
      await saveRun(run);
      lastSave = lastMetrics = performance.now();
    } else if (t - lastMetrics >= METRICS_INTERVAL_S * 1000) {
      writeMetrics(out, state.history);
      lastMetrics = performance.now();
    }
  };
  const setup: TrainSetup = {
    o: run.o, model: dp ? dp.wrap(run.model) : run.model, optimizer: run.optimizer, data: run.data, reporter, stop: io.stop,
    hooks: { ...(dp ? { shard: dp.shard, reduceLoss: dp.reduceLoss } : {}), csv: io.csv, epochEnd },
  };
  let failed = true;
  try {
    if (run.lookahead !== null) await trainAirbench(setup, state, run.lookahead);
    else await train(setup, state);
    failed = false;
  } finally {
    reporter.clear();
    // Even a failed run keeps what it had: the last consistent position and its history.
    if (failed) {
      try {
        await saveRun(run);
        reporter.warn(`the run failed; its last consistent state was saved to ${path.join(out, FILES.final)}`);
      } catch {
        /* the original error matters more */
      }
    }
  }
}

function disposeAll({ model, data, state }: Cifar10Run): void {
  torch.dispose([data.trainX, data.trainY, data.evalX, data.evalY, data.samples]);
  if (state.bestState !== null) torch.dispose(state.bestState);
  model.dispose();
}
