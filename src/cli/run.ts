// `tstorch cifar10 <model>`: validates every input (options, checkpoint, device, data, output
// folder) before writing anything, then trains, then writes the artifacts. A stop request
// (Ctrl-C, SIGTERM, a closed stdout) ends the loop at the next step boundary and still
// writes everything.
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../index.js";
import { saveImage, saveImageGrid } from "../io/image.js";
import { loadTensors } from "../io/checkpoint.js";
import type { Cifar10Options, OptionKey, ParsedCifar10 } from "./args.js";
import { checkOutDir, defaultOutDir, FILES, prepareOutDir, writeChart, writeConfig, writeMetrics } from "./artifacts.js";
import { readCheckpoint, saveCheckpoint, type CheckpointMeta, type LoadedCheckpoint } from "./checkpoint.js";
import { dataTensors, readData, resolveDataDir, type RunData } from "./data.js";
import { UsageError, oneLine } from "./errors.js";
import { buildModel, buildOptimizer } from "./models.js";
import { createReporter, fmtDuration, type Reporter } from "./progress.js";
import { SIGNAL_EXIT_CODE, type StopController } from "./signals.js";
import { batching, csvHeader, train, type TrainState } from "./train.js";
import { startDataParallel } from "./data-parallel.js";
import { checkpointable, trainAirbench } from "./airbench.js";

/** Options a resumed run takes from its checkpoint unless given again on the command line. */
const INHERITED: readonly OptionKey[] = [
  "data", "epochs", "batchSize", "lr", "optimizer", "momentum", "weightDecay", "init", "seed", "limitTrain", "limitTest", "evalBatch",
];
/** Optimiser hyper-parameters a resumed run may override (the checkpoint's are restored first). */
const OPTIM_OVERRIDES = ["lr", "weightDecay", "momentum"] as const;
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

export async function runCifar10(parsed: ParsedCifar10, command: string[], io: RunIO): Promise<number> {
  const stop = io.stop;
  let o = parsed.options as Cifar10Options;
  const explicit = parsed.explicit;

  // ---- the checkpoint first: its options become this run's defaults
  let ckpt: LoadedCheckpoint | null = null;
  if (o.resume !== null) {
    ckpt = readCheckpoint(o.resume, o.model);
    o = mergeResumeOptions(o, ckpt.meta, explicit);
  }
  // launched data-parallel (torchrun / tstorch run): rank 0 alone prints and writes (data-parallel.ts)
  const dp = startDataParallel();
  if (dp !== null && !dp.isMain) io = { ...io, csv: () => {} };
  const reporter = createReporter({ quiet: o.quiet || (dp !== null && !dp.isMain), write: io.stderr, tty: io.stderrIsTTY, columns: io.columns });
  try {
    const out = dp?.scratch ?? o.out ?? (o.resume !== null ? path.dirname(o.resume) : defaultOutDir(o.model));
    checkOutDir(out);

    // ---- device and threads
    const device = resolveDevice(o.device);
    if (o.threads !== null) torch.setNumThreads(o.threads);

    // ---- data (every file checked before anything is written)
    const dataDir = resolveDataDir(o.data);
    // The tensors are built here; the 180 MB of file bytes are garbage once this line is done.
    const data = dataTensors(readData(dataDir), o, device);
    o = { ...o, data: path.resolve(dataDir) }; // recorded absolute, so a resume from anywhere finds it

    // ---- model and optimiser, restored from the checkpoint if any
    torch.manualSeed(o.seed);
    const model = buildModel(o.model, o.init);
    model.to(device);
    if (o.model === "airbench") model.to({ memoryFormat: "channelsLast" }); // the recipe's layout; its batches are channels-last
    applySpeedOptions(o, device, model, data);
    const optimizer = buildOptimizer(model, o);
    // airbench's Lookahead copy of the weights is part of what a checkpoint saves and restores
    const lookahead = o.model === "airbench" ? new torch.optim.Lookahead(model) : null;
    const saved = lookahead === null ? model : checkpointable(model, lookahead);
    const nTrain = data.trainX.shape[0];
    let state: TrainState = { position: { epoch: 0, step: 0, lossSum: 0, samples: 0, elapsed: 0 }, history: [], best: null, bestState: null };
    if (ckpt !== null) {
      state = restore(ckpt, o, explicit, model, saved, optimizer, nTrain, device, reporter);
      ckpt = null;
    }

    const classifier = o.model !== "autoencoder";

    // ---- from here on files are written
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
    reporter.info(
      `tstorch cifar10 ${o.model}: ${model.numParameters().toLocaleString("en-US")} parameters, device ${device}, ` +
        `${threads} thread${threads === 1 ? "" : "s"}, data ${dataDir} (train ${data.trainDesc}, eval ${data.evalDesc}), ` +
        `${o.batchSize === "full" ? "full-batch" : `batch ${bs} (${steps} steps/epoch)`}, ${o.optimizer} lr ${Number(o.lr.toPrecision(6))}, ` +
        `epochs ${state.position.epoch + 1}..${o.epochs}${o.resume !== null ? ` (resumed from ${o.resume})` : ""}, out ${out}`,
    );
    if (state.position.epoch >= o.epochs) {
      reporter.info(`the checkpoint is at epoch ${state.position.epoch}, already at --epochs ${o.epochs}: nothing to train`);
    }

    io.csv(csvHeader(classifier));

    const meta = (): CheckpointMeta => ({
      kind: "final",
      model: o.model,
      position: state.position,
      options: o,
      history: state.history,
      best: state.best,
      optimizer: { name: o.optimizer, meta: null },
      versions: { tstorch: v.tstorch, libtorch: v.libtorch },
    });
    const writeAll = async (): Promise<void> => {
      saveCheckpoint(path.join(out, FILES.final), saved, optimizer, meta());
      if (state.bestState !== null) {
        const best = state.bestState;
        saveCheckpoint(path.join(out, FILES.best), { stateDict: () => best, loadStateDict: () => {} }, null,
          { ...meta(), kind: "best", position: { ...state.position, epoch: state.best?.epoch ?? 0 } });
      }
      writeMetrics(out, state.history);
      if (state.history.length > 0) await writeChart(out, state.history, o.model, runTitle(o));
      if (data.samples !== null) writeAutoencoderImages(out, model, data.samples);
    };

    let lastSave = performance.now();
    let lastMetrics = performance.now();
    let failed = true;
    try {
      const setup = { o, model: dp ? dp.wrap(model) : model, optimizer, data, reporter, stop, hooks: {
          ...(dp ? { shard: dp.shard, reduceLoss: dp.reduceLoss } : {}),
          csv: io.csv,
          epochEnd: async () => {
            const t = performance.now();
            if (t - lastSave >= SAVE_INTERVAL_S * 1000) {
              await writeAll();
              lastSave = lastMetrics = performance.now();
            } else if (t - lastMetrics >= METRICS_INTERVAL_S * 1000) {
              writeMetrics(out, state.history);
              lastMetrics = performance.now();
            }
          },
        } };
      if (lookahead !== null) await trainAirbench(setup, state, lookahead);
      else await train(setup, state);
      failed = false;
    } finally {
      reporter.clear();
      // Even a failed run keeps what it had: the last consistent position and its history.
      if (failed) {
        try {
          await writeAll();
          reporter.warn(`the run failed; its last consistent state was saved to ${path.join(out, FILES.final)}`);
        } catch {
          /* the original error matters more */
        }
      }
    }
    await writeAll();
    summarize(reporter, o, state, out, stop.requested, steps, data);
    lookahead?.dispose();
    disposeAll(model, data, state);
    return stop.requested === null ? 0 : SIGNAL_EXIT_CODE[stop.requested];
  } finally {
    reporter.close();
    dp?.close();
  }
}

function mergeResumeOptions(o: Cifar10Options, m: CheckpointMeta, explicit: Set<OptionKey>): Cifar10Options {
  const merged = { ...o } as Record<string, unknown>;
  const saved = m.options as unknown as Record<string, unknown>;
  for (const k of INHERITED) if (!explicit.has(k) && k in saved) merged[k] = saved[k];
  const r = merged as unknown as Cifar10Options;
  // The checkpoint's data folder, if it is still there; else the usual search.
  if (!explicit.has("data") && r.data !== null && !fs.existsSync(r.data)) r.data = null;
  if (r.optimizer !== m.optimizer?.name) {
    throw new UsageError(`--resume ${o.resume}: the checkpoint was trained with ${m.optimizer?.name}; --optimizer ${r.optimizer} cannot continue it`);
  }
  return r;
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

function restore(
  ck: LoadedCheckpoint,
  o: Cifar10Options,
  explicit: Set<OptionKey>,
  model: torch.nn.Module,
  saved: { loadStateDict(sd: Map<string, torch.Tensor>): unknown },
  optimizer: torch.optim.Optimizer,
  nTrain: number,
  device: torch.Device,
  reporter: Reporter,
): TrainState {
  const what = `--resume ${o.resume}`;
  const m = ck.meta;
  try {
    const p = m.position;
    if (p.step > 0) {
      const saved = m.options;
      const { steps } = batching(o, nTrain);
      if (saved.batchSize !== o.batchSize || saved.limitTrain !== o.limitTrain || p.step >= steps) {
        throw new UsageError(`${what}: stopped inside epoch ${p.epoch + 1} (step ${p.step}); resume it with the same --batch-size and --limit-train`);
      }
    }
    try {
      saved.loadStateDict(ck.model);
    } catch (err) {
      throw new UsageError(`${what}: does not fit the ${o.model} model (${oneLine(err)})`);
    }
    try {
      optimizer.loadStateDict({ state: ck.optim, meta: m.optimizer?.meta as never });
    } catch (err) {
      throw new UsageError(`${what}: its optimiser state does not fit (${oneLine(err)})`);
    }
    for (const key of OPTIM_OVERRIDES) {
      if (!explicit.has(key) || (key === "momentum" && o.optimizer !== "sgd")) continue;
      for (const g of optimizer.paramGroups) (g as Record<string, unknown>)[key] = o[key];
    }
  } finally {
    torch.dispose([ck.model, ck.optim]);
  }
  const state: TrainState = { position: { ...m.position }, history: [...m.history], best: m.best, bestState: null };
  if (m.best !== null) {
    // The best weights so far live in best.safetensors beside the checkpoint; without them the
    // best is counted afresh from the resumed epochs on.
    state.bestState = readBestBeside(o.resume as string, o.model, m.best.epoch, model, device);
    if (state.bestState === null) {
      reporter.warn(`no matching ${FILES.best} beside ${o.resume}: the best checkpoint will come from the epochs trained from now on`);
      state.best = null;
    }
  }
  return state;
}

function readBestBeside(
  resume: string, modelName: string, epoch: number, model: torch.nn.Module, device: torch.Device,
): Map<string, torch.Tensor> | null {
  let loaded: { tensors: Map<string, torch.Tensor>; metadata: Record<string, string> };
  try {
    loaded = loadTensors(path.join(path.dirname(resume), FILES.best));
  } catch {
    return null;
  }
  const { tensors, metadata } = loaded;
  const own = torch.scope(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.shape.join(",")])));
  const fits =
    metadata.model === modelName && metadata.kind === "best" && metadata.epoch === String(epoch) &&
    tensors.size === own.size && [...tensors].every(([k, t]) => own.get(k) === t.shape.join(","));
  if (!fits) {
    torch.dispose(tensors);
    return null;
  }
  const out = new Map<string, torch.Tensor>();
  for (const [k, t] of tensors) {
    out.set(k, t.to(device));
    t.dispose();
  }
  return out;
}

function runTitle(o: Cifar10Options): string {
  return `${o.batchSize === "full" ? "full-batch" : `batch ${o.batchSize}`}, ${o.optimizer} lr ${Number(o.lr.toPrecision(6))}, init ${o.init}`;
}

function writeAutoencoderImages(out: string, model: torch.nn.Module, samples: torch.Tensor): void {
  model.eval();
  torch.noGrad(() =>
    torch.scope(() => {
      const recon = model.forward(samples);
      const n = samples.shape[0];
      const orig = samples.unbind(0);
      const rec = recon.unbind(0);
      for (let i = 0; i < n; i++) {
        saveImage(orig[i], path.join(out, `org_${i}.png`));
        saveImage(rec[i], path.join(out, `defer_${i}.png`));
      }
      saveImageGrid([...orig, ...rec], path.join(out, FILES.grid), { cols: n, padding: 2, scale: 4 });
    }),
  );
  model.train();
}

function summarize(
  r: Reporter,
  o: Cifar10Options,
  s: TrainState,
  out: string,
  stoppedBy: string | null,
  steps: number,
  data: RunData,
): void {
  const last = s.history[s.history.length - 1];
  const classifier = o.model !== "autoencoder";
  const best = s.best === null
    ? "no epoch finished"
    : classifier
      ? `best test accuracy ${s.best.acc.toFixed(5)} at epoch ${s.best.epoch}` + (last ? ` (last ${last.testAcc.toFixed(5)})` : "")
      : `best held-out MSE ${s.best.loss.toFixed(6)} at epoch ${s.best.epoch}` + (last ? ` (last training MSE ${last.trainLoss.toFixed(6)})` : "");
  const files: string[] = [FILES.metrics, FILES.chartSvg, FILES.chartPng, FILES.final, FILES.best, FILES.config]
    .filter((f) => fs.existsSync(path.join(out, f)));
  if (data.samples !== null) files.push("org_0..4.png", "defer_0..4.png", FILES.grid);
  const where = `artifacts in ${out}${path.sep} (${files.join(", ")})`;
  const p = s.position;
  if (stoppedBy !== null) {
    const at = p.step > 0 ? `epoch ${p.epoch} + step ${p.step}/${steps} of epoch ${p.epoch + 1}` : `epoch ${p.epoch}`;
    r.info(`stopped (${stoppedBy === "SIGPIPE" ? "stdout was closed" : stoppedBy}) at ${at}; ${best}; ${where}`);
    r.info(`resume with: tstorch cifar10 ${o.model} --resume ${path.join(out, FILES.final)}`);
  } else {
    r.info(`done: epoch ${p.epoch} in ${fmtDuration(p.elapsed)}; ${best}; ${where}`);
  }
}

function disposeAll(model: torch.nn.Module, data: RunData, s: TrainState): void {
  torch.dispose([data.trainX, data.trainY, data.evalX, data.evalY, data.samples]);
  if (s.bestState !== null) torch.dispose(s.bestState);
  model.dispose();
}
