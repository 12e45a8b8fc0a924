// Lookahead as Keller Jordan's airbench runs it: a slow copy (an EMA) of every floating-point entry
// of a model's state dict, parameters and buffers alike; update(decay) pulls the slow copy towards
// the model and then puts the model back onto it:
//   ema.lerp_(net, 1 - decay); net.copy_(ema)
// Integer buffers (BatchNorm's num_batches_tracked) are left alone.
import { noGrad } from "../core/autograd.js";
import { isFloatingDType } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import type { Module } from "../nn/module.js";
import { persist } from "../core/scope.js";
import { sameShape } from "../core/shape.js";

export class Lookahead {
  /** state-dict key → the slow copy (owned, persisted), in state-dict order. */
  private ema: Map<string, Tensor> | null = new Map();

  /** Copies every floating-point entry of model.stateDict() (the slow weights start equal to the model's). */
  constructor(readonly model: Module) {
    const ema = this.ema as Map<string, Tensor>;
    noGrad(() => {
      for (const [k, t] of model.stateDict()) {
        try {
          if (isFloatingDType(t.dtype)) ema.set(k, persist(t.clone()));
        } finally {
          t.dispose();
        }
      }
    });
  }

  /** The state-dict keys this Lookahead follows, in order. */
  get keys(): string[] {
    return [...this.live().keys()];
  }

  /** ema ← lerp(ema, model, 1 - decay), then model ← ema: airbench's Lookahead step. */
  update(decay: number): void {
    this.visit(this.model, (ema, net) => {
      ema.lerp_(net, 1 - checkDecay(decay));
      net.copy_(ema);
    });
  }

  /** ema ← lerp(ema, model, 1 - decay) only: an exponential moving average of the model (the model is unchanged). */
  updateEma(decay: number): void {
    this.visit(this.model, (ema, net) => {
      ema.lerp_(net, 1 - checkDecay(decay));
    });
  }

  /** Copies the slow weights into `model` (this one by default, or another of the same structure). */
  copyTo(model: Module = this.model): void {
    this.visit(model, (ema, net) => {
      net.copy_(ema);
    });
  }

  /** The slow copy, key → a new handle on it (the caller disposes the handles; the data stays). For checkpoints. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.live()].map(([k, t]) => [k, t.detach()]));
  }

  /** Restores the slow copy from stateDict()'s output: the same keys and shapes. */
  loadStateDict(sd: Map<string, Tensor>): void {
    const ema = this.live();
    for (const k of sd.keys()) if (!ema.has(k)) throw new Error(`tstorch: Lookahead.loadStateDict: unexpected key "${k}"`);
    for (const k of ema.keys()) if (!sd.has(k)) throw new Error(`tstorch: Lookahead.loadStateDict: missing key "${k}"`);
    noGrad(() => {
      for (const [k, e] of ema) {
        const t = sd.get(k) as Tensor;
        if (!sameShape(t.shape, e.shape)) {
          throw new Error(`tstorch: Lookahead.loadStateDict: "${k}" has shape [${t.shape}], the slow copy [${e.shape}]`);
        }
        e.copy_(t);
      }
    });
  }

  /** Frees the slow copies; the Lookahead cannot be used afterwards. */
  dispose(): void {
    if (this.ema === null) return;
    for (const t of this.ema.values()) t.dispose();
    this.ema = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  private live(): Map<string, Tensor> {
    if (this.ema === null) throw new Error("tstorch: Lookahead used after dispose()");
    return this.ema;
  }

  /** Runs fn(ema, entry) for every followed key of model's state dict, under noGrad. */
  private visit(model: Module, fn: (ema: Tensor, net: Tensor) => void): void {
    const ema = this.live();
    noGrad(() => {
      const sd = model.stateDict();
      try {
        for (const k of ema.keys()) {
          if (!sd.has(k)) throw new Error(`tstorch: Lookahead: the model has no state-dict entry "${k}"`);
        }
        for (const [k, e] of ema) {
          const net = sd.get(k) as Tensor;
          const es = e.shape;
          const ns = net.shape;
          if (!sameShape(es, ns)) {
            throw new Error(`tstorch: Lookahead: "${k}" has shape [${ns}] in the model, [${es}] in the slow copy`);
          }
        }
        for (const [k, e] of ema) fn(e, sd.get(k) as Tensor);
      } finally {
        for (const t of sd.values()) t.dispose();
      }
    });
  }
}

function checkDecay(decay: number): number {
  if (typeof decay !== "number" || !(decay >= 0 && decay <= 1)) throw new Error(`tstorch: Lookahead: decay must be a number in [0, 1], got ${decay}`);
  return decay;
}
