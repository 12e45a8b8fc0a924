// `tstorch cifar10 --resume CHECKPOINT`: the checkpoint's options become the run's defaults (the
// command line still overrides them), then its weights, optimiser state, position, history and best
// epoch are restored into the freshly built model and optimiser.
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../index.js";
import { loadTensors } from "../io/checkpoint.js";
import type { Cifar10Options, OptionKey, ParsedCifar10 } from "./args.js";
import { FILES } from "./artifacts.js";
import { readCheckpoint, type CheckpointMeta, type LoadedCheckpoint, type ModuleLike } from "./checkpoint.js";
import { UsageError, oneLine } from "./errors.js";
import type { Reporter } from "./progress.js";
import { batching, type TrainState } from "./train.js";

/** Options a resumed run takes from its checkpoint unless given again on the command line. */
const INHERITED: readonly OptionKey[] = [
  "data", "epochs", "batchSize", "lr", "optimizer", "momentum", "weightDecay", "init", "seed", "limitTrain", "limitTest", "evalBatch",
];
/** Optimiser hyper-parameters a resumed run may override (the checkpoint's are restored first). */
const OPTIM_OVERRIDES = ["lr", "weightDecay", "momentum"] as const;

/** The run's options (the checkpoint's where not given) and the checkpoint itself, or null without --resume. */
export function readResume(parsed: ParsedCifar10): { options: Cifar10Options; checkpoint: LoadedCheckpoint | null } {
  const o = parsed.options as Cifar10Options;
  if (o.resume === null) return { options: o, checkpoint: null };
  const checkpoint = readCheckpoint(o.resume, o.model);
  return { options: mergeResumeOptions(o, checkpoint.meta, parsed.explicit), checkpoint };
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

export interface RestoreTarget {
  options: Cifar10Options;
  explicit: Set<OptionKey>;
  model: torch.nn.Module;
  /** What the checkpoint holds: the model, with airbench's Lookahead weights. */
  saved: ModuleLike;
  optimizer: torch.optim.Optimizer;
  /** Training images per epoch (a checkpoint stopped mid-epoch must see the same number of steps). */
  nTrain: number;
  device: torch.Device;
  reporter: Reporter;
}

/** Loads the checkpoint into the target (UsageError when it does not fit) and returns the position to go on from. */
export function restoreCheckpoint(ck: LoadedCheckpoint, t: RestoreTarget): TrainState {
  const o = t.options;
  const what = `--resume ${o.resume}`;
  const m = ck.meta;
  try {
    const p = m.position;
    if (p.step > 0) {
      const saved = m.options;
      const { steps } = batching(o, t.nTrain);
      if (saved.batchSize !== o.batchSize || saved.limitTrain !== o.limitTrain || p.step >= steps) {
        throw new UsageError(`${what}: stopped inside epoch ${p.epoch + 1} (step ${p.step}); resume it with the same --batch-size and --limit-train`);
      }
    }
    try {
      t.saved.loadStateDict(ck.model);
    } catch (err) {
      throw new UsageError(`${what}: does not fit the ${o.model} model (${oneLine(err)})`);
    }
    try {
      t.optimizer.loadStateDict({ state: ck.optim, meta: m.optimizer?.meta as never });
    } catch (err) {
      throw new UsageError(`${what}: its optimiser state does not fit (${oneLine(err)})`);
    }
    for (const key of OPTIM_OVERRIDES) {
      if (!t.explicit.has(key) || (key === "momentum" && o.optimizer !== "sgd")) continue;
      for (const g of t.optimizer.paramGroups) (g as Record<string, unknown>)[key] = o[key];
    }
  } finally {
    torch.dispose([ck.model, ck.optim]);
  }
  const state: TrainState = { position: { ...m.position }, history: [...m.history], best: m.best, bestState: null };
  if (m.best !== null) {
    // The best weights so far live in best.safetensors beside the checkpoint; without them the
    // best is counted afresh from the resumed epochs on.
    state.bestState = readBestBeside(o.resume as string, o.model, m.best.epoch, t.model, t.device);
    if (state.bestState === null) {
      t.reporter.warn(`no matching ${FILES.best} beside ${o.resume}: the best checkpoint will come from the epochs trained from now on`);
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
