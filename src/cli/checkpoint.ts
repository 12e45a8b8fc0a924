// The CLI's checkpoints, one safetensors file each:
//   final.safetensors  model state (PyTorch's state_dict names) + "optim.<name>" optimiser state
//                      + metadata: model, epoch and position inside it, options, metrics history,
//                      best result, optimiser settings, versions. What --resume takes.
//   best.safetensors   the best epoch's model weights only (loadable with nn's loadModule).
// Shuffling needs no saved generator: epoch e's order is a pure function of (seed, e).
import * as fs from "node:fs";
import * as torch from "../index.js";
import { encodeSafetensors, readSafetensorsFile, SafetensorsError, type SafetensorsEntry } from "../io/safetensors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { toEntry, fromEntry } from "../io/checkpoint.js";
import { UsageError } from "./errors.js";
import type { Cifar10Options, ModelName } from "./args.js";
import type { MetricsRow } from "./chart.js";

export const CHECKPOINT_FORMAT = "tstorch-cifar10-checkpoint/1";
export const OPTIM_PREFIX = "optim.";

export interface Best {
  epoch: number;
  acc: number;
  loss: number;
}

/** Where training stands: `epoch` complete epochs, plus `step` batches of the next one. */
export interface Position {
  epoch: number;
  step: number;
  /** Running sums of the unfinished epoch's training loss (so its mean stays exact over a resume). */
  lossSum: number;
  samples: number;
  /** Seconds of training so far, all runs together (the CSV's time column continues from it). */
  elapsed: number;
}

export interface CheckpointMeta {
  kind: "final" | "best";
  model: ModelName;
  position: Position;
  options: Cifar10Options;
  history: MetricsRow[];
  best: Best | null;
  optimizer: { name: string; meta: unknown } | null;
  versions: { tstorch: string; libtorch: string };
}

export interface OptimizerLike {
  stateDict(): { state: Map<string, torch.Tensor>; meta: unknown };
  loadStateDict(sd: { state: Map<string, torch.Tensor>; meta: unknown }): void;
}

export interface ModuleLike {
  stateDict(): Map<string, torch.Tensor>;
  loadStateDict(sd: Map<string, torch.Tensor>): unknown;
}

function metadataOf(m: CheckpointMeta): Record<string, string> {
  // JSON has no NaN: metric rows keep NaN (autoencoder accuracy) as null.
  return {
    format: CHECKPOINT_FORMAT,
    kind: m.kind,
    model: m.model,
    epoch: String(m.position.epoch),
    position: JSON.stringify(m.position),
    options: JSON.stringify(m.options),
    history: JSON.stringify(m.history),
    best: JSON.stringify(m.best),
    optimizer: JSON.stringify(m.optimizer),
    tstorch: m.versions.tstorch,
    libtorch: m.versions.libtorch,
  };
}

/** Serialises and writes atomically. The model's tensors are read as they are now. */
export function saveCheckpoint(file: string, model: ModuleLike, optimizer: OptimizerLike | null, meta: CheckpointMeta): void {
  const entries: Record<string, SafetensorsEntry> = {};
  let optimMeta: unknown = null;
  torch.scope(() => {
    for (const [k, t] of model.stateDict()) entries[k] = toEntry(t);
    if (optimizer !== null) {
      const sd = optimizer.stateDict();
      for (const [k, t] of sd.state) entries[OPTIM_PREFIX + k] = toEntry(t);
      optimMeta = sd.meta;
    }
  });
  const m = optimizer !== null && meta.optimizer !== null ? { ...meta, optimizer: { name: meta.optimizer.name, meta: optimMeta } } : meta;
  writeFileAtomic(file, encodeSafetensors(entries, metadataOf(m)));
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  model: Map<string, torch.Tensor>;
  optim: Map<string, torch.Tensor>;
}

/** Reads and validates a checkpoint for --resume. Every problem is a one-line UsageError. */
export function readCheckpoint(file: string, expectedModel: ModelName): LoadedCheckpoint {
  const what = `--resume ${file}`;
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st === undefined) throw new UsageError(`${what}: no such file`);
  if (!st.isFile()) throw new UsageError(`${what}: not a file`);
  let contents;
  try {
    contents = readSafetensorsFile(file);
  } catch (err) {
    if (err instanceof SafetensorsError) {
      throw new UsageError(`${what}: corrupt checkpoint (${(err.cause as Error | undefined)?.message ?? err.message})`);
    }
    throw new UsageError(`${what}: cannot read it (${(err as Error).message})`);
  }
  const md = contents.metadata ?? {};
  if (md.format !== CHECKPOINT_FORMAT) {
    throw new UsageError(`${what}: not a tstorch cifar10 checkpoint (its metadata has no format "${CHECKPOINT_FORMAT}")`);
  }
  if (md.model !== expectedModel) {
    throw new UsageError(`${what}: checkpoint of the ${md.model} model, not ${expectedModel}`);
  }
  if (md.kind !== "final") {
    throw new UsageError(`${what}: a '${md.kind}' checkpoint holds weights only; resume from final.safetensors`);
  }
  let meta: CheckpointMeta;
  try {
    meta = {
      kind: "final",
      model: expectedModel,
      position: JSON.parse(md.position),
      options: JSON.parse(md.options),
      history: (JSON.parse(md.history) as MetricsRow[]).map(reviveRow),
      best: JSON.parse(md.best),
      optimizer: JSON.parse(md.optimizer),
      versions: { tstorch: md.tstorch, libtorch: md.libtorch },
    };
    checkPosition(meta.position);
    if (typeof meta.options !== "object" || meta.options === null) throw new Error("options");
    if (!Array.isArray(meta.history)) throw new Error("history");
    if (meta.optimizer === null || typeof meta.optimizer.name !== "string") throw new Error("optimizer");
  } catch (err) {
    throw new UsageError(`${what}: corrupt checkpoint metadata (${(err as Error).message})`);
  }
  const model = new Map<string, torch.Tensor>();
  const optim = new Map<string, torch.Tensor>();
  try {
    for (const [k, e] of Object.entries(contents.tensors)) {
      if (k.startsWith(OPTIM_PREFIX)) optim.set(k.slice(OPTIM_PREFIX.length), fromEntry(k, e));
      else model.set(k, fromEntry(k, e));
    }
  } catch (err) {
    torch.dispose([model, optim]);
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
  return { meta, model, optim };
}

function checkPosition(p: Position): void {
  const int = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  if (typeof p !== "object" || p === null || !int(p.epoch) || !int(p.step) || !int(p.samples) ||
      typeof p.lossSum !== "number" || typeof p.elapsed !== "number" || !(p.elapsed >= 0)) {
    throw new Error("position");
  }
}

function reviveRow(r: MetricsRow): MetricsRow {
  const num = (x: unknown): number => (typeof x === "number" ? x : NaN);
  return { epoch: num(r.epoch), time: num(r.time), trainLoss: num(r.trainLoss), testLoss: num(r.testLoss), testAcc: num(r.testAcc) };
}
