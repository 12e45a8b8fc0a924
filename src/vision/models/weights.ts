// Weights from a file only (torchvision downloads them; tstorch never does): a model constructor's
// `weights` names a file written by PyTorch — a state dict in safetensors, or torch.save's .pt/.pth
// when torch.load is available — or is a state dict already in memory. Loading is strict, as
// torchvision's load_state_dict: every key must match by name and shape.
import { existsSync, openSync, readSync, closeSync } from "node:fs";
import { loadTensors } from "../../io/checkpoint.js";
import type { AnyModule, StateDict } from "../../nn/module.js";
import type { Tensor } from "../../core/tensor.js";

/** A path to a weights file, or a state dict. */
export type Weights = string | StateDict;

/** The options every classification model constructor takes. */
export interface ClassifierOptions {
  /** Output classes (default 1000, ImageNet's). */
  numClasses?: number;
  /** Loaded into the model after construction (strict). */
  weights?: Weights;
}

/** Reads a state dict from a file: safetensors, or a torch.save zip archive (.pt/.pth). */
export function readStateDict(path: string): Map<string, Tensor> {
  if (!existsSync(path)) throw new Error(`tstorch: weights file not found: ${path}`);
  const head = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x50 && head[1] === 0x4b) {
    // "PK": the zip archive torch.save writes
    throw new Error(`tstorch: ${path} is a torch.save archive (.pt/.pth); this build reads model weights from safetensors files only`);
  }
  return loadTensors(path).tensors;
}

/** Loads `weights` into `model` (strict), disposing what it read. */
export function loadWeights(model: AnyModule, weights: Weights): void {
  if (typeof weights !== "string") {
    model.loadStateDict(weights);
    return;
  }
  const sd = readStateDict(weights);
  try {
    model.loadStateDict(sd);
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}
