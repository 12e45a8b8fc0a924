// LambdaLR, LinearLR and SequentialLR: torch/optim/lr_scheduler.py (PyTorch 1.13), the same
// chainable formulas in doubles so the learning rates equal PyTorch's. SequentialLR drives the
// schedulers it holds through their public step(epoch) and initialStep(), as PyTorch does.
import { LRScheduler, SchedulerState } from "./lr-scheduler.js";
import type { Optimizer } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions {
  /** One function for every group, or one per group: lr = baseLr · lrLambda(lastEpoch). */
  lrLambda: LrLambda | readonly LrLambda[];
  lastEpoch?: number;
}

/** One function per parameter group, from one for all or a list (LambdaLR's and MultiplicativeLR's lrLambda), with PyTorch's checks and messages. */
export function lambdasPerGroup<F extends (epoch: number) => number>(what: string, optimizer: Optimizer, l: F | readonly F[] | undefined): F[] {
  const n = optimizer.paramGroups.length;
  if (typeof l === "function") return new Array<F>(n).fill(l);
  if (!Array.isArray(l)) throw new Error(`tstorch: ${what} needs lrLambda: a function of the epoch, or one per parameter group`);
  if (l.length !== n) throw new Error(`tstorch: Expected ${n} lr_lambdas, but got ${l.length}`);
  for (const f of l) if (typeof f !== "function") throw new Error(`tstorch: lr_lambda should be a function, but got ${typeof f}`);
  return [...(l as readonly F[])];
}

/** Sets each group's learning rate to its initial one times lrLambda(epoch). */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas!: LrLambda[];
  /** PyTorch's LambdaLR(optimizer, lr_lambda, last_epoch=-1), or `{ lrLambda, lastEpoch }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[lrLambda: LrLambda | readonly LrLambda[], lastEpoch: number], LambdaLROptions>) {
    const o = pyArgs<LambdaLROptions>("LambdaLR", ["lrLambda", "lastEpoch"], args);
    const lrLambdas = lambdasPerGroup("LambdaLR", optimizer, o.lrLambda);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ lrLambdas });
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}

export interface LinearLROptions {
  /** The factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor from totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs to go from startFactor to endFactor (default 5). */
  totalIters?: number;
  lastEpoch?: number;
}

/** Scales the learning rate linearly from startFactor to endFactor over totalIters epochs, then keeps it. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  /** PyTorch's LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1). */
  constructor(optimizer: Optimizer, ...args: PyArgs<[startFactor: number, endFactor: number, totalIters: number, lastEpoch: number], LinearLROptions>) {
    const opts = pyArgs<LinearLROptions>("LinearLR", ["startFactor", "endFactor", "totalIters", "lastEpoch"], args);
    const startFactor = opts.startFactor ?? 1.0 / 3;
    const endFactor = opts.endFactor ?? 1.0;
    const totalIters = opts.totalIters ?? 5;
    // PyTorch 1.13's checks (its message says "between 0 and 1"; 0 passes them too)
    if (!(startFactor >= 0 && startFactor <= 1)) throw new Error(`tstorch: LinearLR: startFactor expected to be between 0 and 1, got ${startFactor}`);
    if (!(endFactor >= 0 && endFactor <= 1)) throw new Error(`tstorch: LinearLR: endFactor expected to be between 0 and 1, got ${endFactor}`);
    if (!(Number.isInteger(totalIters) && totalIters > 0)) throw new Error(`tstorch: LinearLR: totalIters must be a positive integer, got ${totalIters}`);
    super(optimizer, opts.lastEpoch ?? -1);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected computeLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    const denom = n * s + (e - 1) * (f - s);
    // PyTorch divides by zero here (ZeroDivisionError) when startFactor is 0 at epoch 1
    if (denom === 0) throw new Error("tstorch: LinearLR: startFactor 0 divides by zero at epoch 1 (as in PyTorch 1.13); use a small positive startFactor");
    return this.groups.map((g) => g.lr * (1 + (f - s) / denom));
  }
  protected override closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

export interface SequentialLROptions {
  /** Schedulers of this optimizer, run one after another. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over (one fewer than schedulers, increasing). */
  milestones: readonly number[];
}

/** Runs schedulers one after another: schedulers[i] from milestones[i-1] on, restarted at its epoch 0. */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];
  /** PyTorch's SequentialLR(optimizer, schedulers, milestones), or `{ schedulers, milestones }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[schedulers: readonly LRScheduler[], milestones: readonly number[]], SequentialLROptions>) {
    const { schedulers, milestones } = pyArgs<SequentialLROptions>("SequentialLR", ["schedulers", "milestones"], args);
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error("tstorch: SequentialLR needs a non-empty list of schedulers");
    if (!Array.isArray(milestones)) throw new Error("tstorch: SequentialLR needs milestones: a list of epochs");
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new Error(`tstorch: SequentialLR expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in`);
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `tstorch: SequentialLR expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    // the sub-schedulers already set initialLr, so the base constructor only reads it
    super(optimizer, -1);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // PyTorch: reset the learning rates, "undo" every scheduler's construction step, redo the first's
    for (const g of this.groups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** Steps the scheduler whose span holds the new epoch (at a milestone, that one restarts at epoch 0). */
  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
}

/** Python's bisect.bisect_right: the number of entries <= x in the sorted list a. */
export function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Steps every scheduler it holds, each step, in order: their factors compose (PyTorch's ChainedScheduler). */
export class ChainedScheduler extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  constructor(schedulers: readonly LRScheduler[], optimizer?: Optimizer) {
    if (!Array.isArray(schedulers) || schedulers.length < 1) {
      throw new Error("tstorch: ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.");
    }
    const opt = optimizer ?? schedulers[0].optimizer;
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        throw new Error(`tstorch: ChainedScheduler at index ${i} should be an LRScheduler (ReduceLROnPlateau needs a metric in step() and cannot be chained)`);
      }
      if (s.optimizer !== opt) {
        throw new Error(`tstorch: ChainedScheduler expects all schedulers to belong to the same optimizer, but got scheduler ${s.constructor.name} at index ${i} with a different optimizer`);
      }
    });
    super(opt, -1);
    this.schedulers = [...schedulers];
    this.lastLr = this.schedulers[this.schedulers.length - 1].optimizer.paramGroups.map((g) => g.lr);
  }
  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.schedulers[this.schedulers.length - 1].optimizer.paramGroups.map((g) => g.lr);
  }
  override stateDict(): SchedulerState & { schedulers: SchedulerState[] } {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  override loadStateDict(s: SchedulerState & { schedulers?: SchedulerState[] }): void {
    super.loadStateDict(s);
    s.schedulers?.forEach((x, i) => this.schedulers[i].loadStateDict(x));
  }
}
