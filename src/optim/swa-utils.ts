// torch.optim.swa_utils: AveragedModel (SWA / EMA weight averaging), SWALR (anneal to a constant
// SWA learning rate) and updateBn (recompute BatchNorm statistics for the averaged weights), as
// torch/optim/swa_utils.py. Where PyTorch 2 changed AveragedModel on purpose (buffers copied from
// the model at each update when useBuffers is false; multiAvgFn) the linked version's behaviour is
// followed; getEmaAvgFn / getSwaAvgFn / getEmaMultiAvgFn / getSwaMultiAvgFn are PyTorch 2's helpers.
import { noGrad } from "../core/autograd.js";
import { tensor } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { Module, type AnyModule } from "../nn/module.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d } from "../nn/normalization.js";
import { LRScheduler } from "./lr-scheduler.js";
import { formatParamMessage } from "./lr-scheduler-cyclic.js";
import { deepCopyModule } from "../nn/module-copy.js";
import type { Optimizer } from "./optimizer.js";
import { pyCos } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";

/** avg_fn(averaged, current, numAveraged): the new average (a new tensor). */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: Tensor | number) => Tensor;
/** multi_avg_fn(averaged, current, numAveraged): updates `averaged` in place. */
export type MultiAvgFn = (averaged: Tensor[], current: Tensor[], numAveraged: Tensor | number) => void;

/** The exponential moving average decay·ema + (1 - decay)·current. */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  if (decay < 0.0 || decay > 1.0) throw new Error(`tstorch: Invalid decay value ${decay} provided. Please provide a value in [0,1] range.`);
  return (ema, current) => noGrad(() => ema.mul(decay).add(current.mul(1 - decay)));
}

/** The running mean averaged + (current - averaged) / (numAveraged + 1). */
export function getSwaAvgFn(): AvgFn {
  return (averaged, current, n) => noGrad(() => averaged.add(current.sub(averaged).div(typeof n === "number" ? n + 1 : n.add(1))));
}

/** The EMA in place, as lerp (PyTorch's _foreach_lerp_). */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  if (decay < 0.0 || decay > 1.0) throw new Error(`tstorch: Invalid decay value ${decay} provided. Please provide a value in [0,1] range.`);
  return (ema, current) =>
    noGrad(() => {
      ema.forEach((e, i) => {
        if (isFloating(e)) e.lerp_(current[i], 1 - decay);
        else e.copy_(e.mul(decay).add(current[i].mul(1 - decay)));
      });
    });
}

/** The running mean in place, as lerp with weight 1 / (numAveraged + 1). */
export function getSwaMultiAvgFn(): MultiAvgFn {
  return (averaged, current, n) =>
    noGrad(() => {
      const count = typeof n === "number" ? n : Number(n.item());
      averaged.forEach((a, i) => {
        if (isFloating(a)) a.lerp_(current[i], 1 / (count + 1));
        else a.add_(current[i].sub(a), 1.0 / (count + 1));
      });
    });
}

function isFloating(t: Tensor): boolean {
  return /^(float|bfloat|complex)/.test(t.dtype);
}

export interface AveragedModelOptions {
  /** Where the averaged copy lives (default: the model's device). */
  device?: string;
  avgFn?: AvgFn | null;
  multiAvgFn?: MultiAvgFn | null;
  /** Average the buffers too (BatchNorm's running statistics), instead of recomputing them with updateBn. */
  useBuffers?: boolean;
}

/** A copy of a model whose weights are the running average of the model's, updated by updateParameters(model). */
export class AveragedModel<In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> {
  readonly module: Module<In, Out>;
  /** How many models were averaged (an int64 buffer, PyTorch's n_averaged). */
  declare nAveraged: Tensor;
  readonly avgFn: AvgFn | null;
  readonly multiAvgFn: MultiAvgFn | null;
  readonly useBuffers: boolean;

  constructor(model: Module<In, Out>, opts: AveragedModelOptions = {}) {
    super();
    if (opts.avgFn != null && opts.multiAvgFn != null) throw new Error("tstorch: Only one of avg_fn and multi_avg_fn should be provided");
    let copy = deepCopyModule(model as AnyModule) as Module<In, Out>;
    if (opts.device !== undefined) copy = copy.to(opts.device);
    this.module = this.registerModule("module", copy as AnyModule) as Module<In, Out>;
    this.nAveraged = this.registerBuffer("n_averaged", tensor(0, { dtype: "int64", device: opts.device }));
    this.avgFn = opts.avgFn ?? null;
    this.multiAvgFn = opts.multiAvgFn ?? null;
    this.useBuffers = opts.useBuffers ?? false;
  }

  forward(...args: In): Out {
    return this.module.forward(...args);
  }

  /** Folds the model's current weights (and buffers, with useBuffers) into the average. */
  updateParameters(model: Module<In, Out>): void {
    const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : this.parameters();
    const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : model.parameters();
    const n = Number(this.nAveraged.item());
    const v2 = torchVersion()[0] >= 2;
    noGrad(() => {
      const pairs: [Tensor, Tensor][] = [];
      const count = Math.min(mine.length, theirs.length);
      for (let i = 0; i < count; i++) {
        const a = mine[i].detach();
        const m = theirs[i].detach().to({ device: a.device });
        pairs.push([a, m]);
        if (n === 0) a.copy_(m);
      }
      if (n > 0) {
        if (this.avgFn !== null || !v2) {
          const f = this.avgFn ?? getSwaAvgFn();
          for (const [a, m] of pairs) a.copy_(f(a, m, this.nAveraged.to({ device: a.device })));
        } else if (this.multiAvgFn !== null) {
          this.multiAvgFn(pairs.map((p) => p[0]), pairs.map((p) => p[1]), this.nAveraged);
        } else {
          // PyTorch 2: foreach lerp on CUDA-like devices, the per-tensor formula on the CPU
          const onCpu = pairs.filter(([a]) => a.device.type === "cpu");
          const other = pairs.filter(([a]) => a.device.type !== "cpu");
          const f = getSwaAvgFn();
          for (const [a, m] of onCpu) a.copy_(f(a, m, this.nAveraged));
          if (other.length > 0) getSwaMultiAvgFn()(other.map((p) => p[0]), other.map((p) => p[1]), this.nAveraged);
        }
      }
      for (const [a, m] of pairs) {
        a.dispose();
        m.dispose();
      }
      if (!this.useBuffers && v2) {
        const bm = this.module.buffers();
        const bo = model.buffers();
        if (bm.length !== bo.length) throw new Error("tstorch: AveragedModel: the model has a different number of buffers than its average");
        bm.forEach((b, i) => {
          const src = bo[i].detach().to({ device: b.device });
          b.copy_(src);
          src.dispose();
        });
      }
      this.nAveraged.add_(1);
    });
  }
}

/**
 * Recomputes the running statistics of every BatchNorm of `model` with one pass over `loader`
 * (batches, or [input, ...] tuples): a cumulative average (momentum null) from reset statistics.
 */
export function updateBn(loader: Iterable<Tensor | readonly unknown[]>, model: AnyModule, device?: string): void {
  const momenta = new Map<BatchNorm1d | BatchNorm2d | BatchNorm3d, number | null>();
  for (const m of model.modules()) {
    if (m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof BatchNorm3d) {
      m.resetRunningStats();
      momenta.set(m, m.momentum);
    }
  }
  if (momenta.size === 0) return;
  const wasTraining = model.training;
  model.train();
  for (const m of momenta.keys()) m.momentum = null;
  noGrad(() => {
    for (let input of loader) {
      if (Array.isArray(input)) input = input[0] as Tensor;
      let x = input as Tensor;
      if (device !== undefined) x = x.to({ device });
      const out = model.forward(x) as unknown;
      if (out !== x && out && typeof (out as Tensor).dispose === "function") (out as Tensor).dispose();
      if (x !== input) x.dispose();
    }
  });
  for (const [m, mom] of momenta) m.momentum = mom;
  model.train(wasTraining);
}

export interface SWALROptions {
  /** The learning rate to anneal to, per group or for all. */
  swaLr: number | readonly number[];
  /** Epochs of annealing (an integer >= 0, default 10). */
  annealEpochs?: number;
  annealStrategy?: "cos" | "linear";
  lastEpoch?: number;
}

/** Anneals each group's learning rate to swaLr over annealEpochs, then holds it (for the SWA phase). */
export class SWALR extends LRScheduler {
  readonly annealEpochs: number;
  readonly annealStrategy: "cos" | "linear";

  constructor(optimizer: Optimizer, swaLr: number | readonly number[] | SWALROptions, annealEpochs?: number, annealStrategy?: "cos" | "linear", lastEpoch?: number) {
    const o: SWALROptions = typeof swaLr === "object" && !Array.isArray(swaLr)
      ? (swaLr as SWALROptions)
      : { swaLr: swaLr as number | readonly number[], annealEpochs, annealStrategy, lastEpoch };
    const n = optimizer.paramGroups.length;
    let lrs: number[];
    if (Array.isArray(o.swaLr)) {
      if (o.swaLr.length !== n) {
        throw new Error(torchVersion()[0] >= 2
          ? `tstorch: ${formatParamMessage("swa_lr", o.swaLr.length, n)}`
          : `tstorch: swa_lr must have the same length as optimizer.param_groups: swa_lr has ${o.swaLr.length}, optimizer.param_groups has ${n}`);
      }
      lrs = [...o.swaLr];
    } else lrs = new Array<number>(n).fill(o.swaLr as number);
    optimizer.paramGroups.forEach((g, i) => (g.swaLr = lrs[i]));
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") {
      const verb = torchVersion()[0] >= 2 ? "be" : "by"; // 1.13's message says "must by"
      throw new Error(`tstorch: anneal_strategy must ${verb} one of 'cos' or 'linear', instead got ${strategy}`);
    }
    const epochs = o.annealEpochs ?? 10;
    if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`tstorch: anneal_epochs must be equal or greater than 0, got ${epochs}`);
    super(optimizer, o.lastEpoch ?? -1);
    this.annealStrategy = strategy;
    this.annealEpochs = epochs;
    this.initialStep();
  }

  private anneal(t: number): number {
    return this.annealStrategy === "cos" ? (1 - pyCos(Math.PI * t)) / 2 : t;
  }

  protected computeLr(): number[] {
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const span = Math.max(1, this.annealEpochs);
    const prevAlpha = this.anneal(Math.max(0, Math.min(1, (step - 1) / span)));
    const prevLrs = this.groups.map((g) => (prevAlpha === 1 ? (g.swaLr as number) : (g.lr - prevAlpha * (g.swaLr as number)) / (1 - prevAlpha)));
    const alpha = this.anneal(Math.max(0, Math.min(1, step / span)));
    return this.groups.map((g, i) => (g.swaLr as number) * alpha + prevLrs[i] * (1 - alpha));
  }
}
