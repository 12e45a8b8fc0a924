// A module's state_dict, out and in: PyTorch's key order (per module, pre-order: its parameters, then
// its persistent buffers) and load_state_dict's checks and wording. Kept apart from Module so that
// the class reads as the tree it is; Module.stateDict() and loadStateDict() call these.
import { noGrad } from "../core/autograd.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import type { AnyModule } from "./module.js";

export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Shape mismatches always are, as in PyTorch. */
  strict?: boolean;
}
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Live parameters and persistent buffers of `root` in state_dict order: per module (pre-order) its parameters, then its buffers. */
export function stateEntries(root: AnyModule): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [p, m] of root.namedModules()) {
    const pre = p === "" ? "" : `${p}.`;
    for (const [n, t] of m._parameters) if (t !== null) out.set(pre + n, t);
    for (const [n, t] of m._buffers) if (t !== null && !m._nonPersistent.has(n)) out.set(pre + n, t);
  }
  return out;
}

/** Module.loadStateDict: everything is checked before anything is copied (in place, under noGrad). */
export function loadStateDict(m: AnyModule, sd: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
  const strict = opts.strict ?? true;
  const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
  const own = stateEntries(m);
  const missingKeys = [...own.keys()].filter((k) => !src.has(k));
  const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
  const errors: string[] = [];
  // PyTorch's order and wording (Module.load_state_dict): missing, unexpected, then per-key errors
  if (strict && missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${quote(missingKeys)}. `);
  if (strict && unexpectedKeys.length > 0) errors.push(`Unexpected key(s) in state_dict: ${quote(unexpectedKeys)}. `);
  for (const [k, dst] of own) {
    const s = src.get(k);
    if (s === undefined) continue;
    if (!(s instanceof Tensor)) {
      errors.push(`While copying the parameter named "${k}", expected a Tensor, got ${typeof s}.`);
      continue;
    }
    if (!sameShape(s.shape, dst.shape)) {
      errors.push(`size mismatch for ${k}: copying a param with shape ${shapeString(s.shape)} from checkpoint, the shape in current model is ${shapeString(dst.shape)}.`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`Error(s) in loading state_dict for ${m.constructor.name}:\n\t${errors.join("\n\t")}`);
  }
  noGrad(() => {
    for (const [k, dst] of own) {
      const s = src.get(k);
      if (s !== undefined) dst.copy_(s);
    }
  });
  return { missingKeys, unexpectedKeys };
}

function quote(keys: string[]): string {
  return keys.map((k) => `"${k}"`).join(", ");
}
