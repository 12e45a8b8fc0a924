// Weights from a file only (torchvision downloads them; tstorch never does): a model constructor's
// `weights` names a file written by PyTorch — `torch.save(model.state_dict(), "model.pth")`, read by
// torch.load (weights only, no code run), or a safetensors file — or is a state dict in memory. Loading is strict, as
// torchvision's load_state_dict: every key must match by name and shape.
import { existsSync, openSync, readSync, closeSync } from "node:fs";
import { loadTensors } from "../../io/checkpoint.js";
import { load as torchLoad } from "../../serialization/load.js";
import { Tensor } from "../../core/tensor.js";
import type { AnyModule, StateDict } from "../../nn/module.js";

/** A path to a weights file, or a state dict. */
export type Weights = string | StateDict;

/** The options every classification model constructor takes. */
export interface ClassifierOptions {
  /** Output classes (default 1000, ImageNet's). */
  numClasses?: number;
  /** Loaded into the model after construction (strict). */
  weights?: Weights;
}

/**
 * Reads a state dict from a file: torch.save's formats (.pt/.pth: a zip archive, or the legacy
 * pickle) through torch.load, anything else as safetensors. A .pth holding something other than a
 * state dict (a dict of tensors) is refused with what it holds.
 */
export function readStateDict(path: string): Map<string, Tensor> {
  if (!existsSync(path)) throw new Error(`tstorch: weights file not found: ${path}`);
  const head = Buffer.alloc(2);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  // "PK" (the zip archive torch.save writes since PyTorch 1.6) or a pickle's PROTO opcode (the legacy format)
  const isTorchSave = (head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x80 && head[1] <= 5);
  if (!isTorchSave) return loadTensors(path).tensors;
  const obj: unknown = torchLoad(path, { mapLocation: "cpu" });
  const entries = obj instanceof Map ? [...obj.entries()] : null;
  if (entries === null || entries.some(([k, v]) => typeof k !== "string" || !(v instanceof Tensor))) {
    disposeAll(obj);
    throw new Error(`tstorch: ${path} does not hold a state dict (a dict of tensors by name, as torch.save(model.state_dict(), path) writes); it holds ${describe(obj)}`);
  }
  return obj as Map<string, Tensor>;
}

function describe(o: unknown): string {
  if (o instanceof Map) {
    const bad = [...o.entries()].find(([k, v]) => typeof k !== "string" || !(v instanceof Tensor));
    return `a dict whose entry ${JSON.stringify(String(bad?.[0]))} is not a tensor`;
  }
  if (Array.isArray(o)) return "a list";
  if (o instanceof Tensor) return "a single tensor";
  return o === null ? "None" : typeof o;
}

function disposeAll(o: unknown): void {
  if (o instanceof Tensor) o.dispose();
  else if (o instanceof Map) for (const v of o.values()) disposeAll(v);
  else if (Array.isArray(o)) for (const v of o) disposeAll(v);
}

/**
 * Loads `weights` into `model` (strict), disposing what it read. `rename` maps a key of an older
 * layout to the model's (what torchvision's _load_from_state_dict hooks do for old checkpoints).
 */
export function loadWeights(model: AnyModule, weights: Weights, rename?: (key: string) => string): void {
  const read = typeof weights === "string" ? readStateDict(weights) : null;
  const src = read ?? (weights instanceof Map ? weights : new Map(Object.entries(weights as Record<string, Tensor>)));
  try {
    model.loadStateDict(rename === undefined ? src : new Map([...src].map(([k, t]) => [rename(k), t])));
  } finally {
    if (read !== null) for (const t of read.values()) t.dispose();
  }
}
