// MultiplicativeLR, MultiStepLR, ConstantLR, ExponentialLR and PolynomialLR: torch/optim/lr_scheduler.py,
// the same chainable formulas (and closed forms for step(epoch)) in doubles, powers with C's pow, so
// the learning rates equal PyTorch's bit for bit. Each takes PyTorch's positional arguments
// (new MultiStepLR(opt, [30, 80], 0.1)) or one options object.
import { LRScheduler, schedulerOptions } from "./lr-scheduler.js";
import { bisectRight, lambdasPerGroup } from "./lr-scheduler-composite.js";
import type { Optimizer } from "./optimizer.js";
import { pyPow } from "./scalar-math.js";
import type { PyArgs } from "../core/py-args.js";

/** lr ← lr · lrLambda(epoch) at every step after the first. */
export type MultiplicativeLambda = (epoch: number) => number;

export interface MultiplicativeLROptions {
  lrLambda: MultiplicativeLambda | readonly MultiplicativeLambda[];
  lastEpoch?: number;
}

/** Multiplies each group's learning rate by lrLambda(epoch) every epoch. */
export class MultiplicativeLR extends LRScheduler {
  readonly lrLambdas!: MultiplicativeLambda[];
  /** PyTorch's MultiplicativeLR(optimizer, lr_lambda, last_epoch=-1), or `{ lrLambda, lastEpoch }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[lrLambda: MultiplicativeLambda | readonly MultiplicativeLambda[], lastEpoch: number], MultiplicativeLROptions>) {
    const o = schedulerOptions<MultiplicativeLROptions>("MultiplicativeLR", ["lrLambda", "lastEpoch"], args);
    const lrLambdas = lambdasPerGroup("MultiplicativeLR", optimizer, o.lrLambda);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ lrLambdas });
  }
  protected computeLr(): number[] {
    if (this.atStart()) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
  }
}

export interface MultiStepLROptions {
  /** Epochs at which the learning rate is multiplied by gamma (a repeated epoch multiplies again). */
  milestones: readonly number[];
  gamma?: number;
  lastEpoch?: number;
}

/** Multiplies the learning rate by gamma at each milestone. */
export class MultiStepLR extends LRScheduler {
  /** PyTorch's Counter: milestone → how many times it was given. */
  readonly milestones!: Map<number, number>;
  readonly gamma!: number;
  /** PyTorch's MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1), or `{ milestones, gamma, lastEpoch }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[milestones: readonly number[], gamma: number, lastEpoch: number], MultiStepLROptions>) {
    const o = schedulerOptions<MultiStepLROptions>("MultiStepLR", ["milestones", "gamma", "lastEpoch"], args);
    if (!Array.isArray(o.milestones)) throw new Error("tstorch: MultiStepLR needs milestones: a list of epochs");
    const milestones = new Map<number, number>();
    for (const m of o.milestones) milestones.set(m, (milestones.get(m) ?? 0) + 1);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ milestones, gamma: o.gamma ?? 0.1 });
  }
  protected computeLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * pyPow(this.gamma, count));
  }
  protected override closedFormLr(): number[] {
    const sorted: number[] = [];
    for (const [m, c] of this.milestones) for (let i = 0; i < c; i++) sorted.push(m);
    sorted.sort((a, b) => a - b);
    return this.baseLrs.map((base) => base * pyPow(this.gamma, bisectRight(sorted, this.lastEpoch)));
  }
}

export interface ConstantLROptions {
  /** The factor until totalIters, in [0, 1] (default 1/3). */
  factor?: number;
  totalIters?: number;
  lastEpoch?: number;
}

/** Scales the learning rate by factor until totalIters, then restores it. */
export class ConstantLR extends LRScheduler {
  readonly factor!: number;
  readonly totalIters!: number;
  /** PyTorch's ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1), or the options object. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[factor: number, totalIters: number, lastEpoch: number], ConstantLROptions>) {
    const o = schedulerOptions<ConstantLROptions>("ConstantLR", ["factor", "totalIters", "lastEpoch"], args);
    const factor = o.factor ?? 1.0 / 3;
    if (factor > 1.0 || factor < 0) throw new Error("tstorch: Constant multiplicative factor expected to be between 0 and 1.");
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ factor, totalIters: o.totalIters ?? 5 });
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }
  protected override closedFormLr(): number[] {
    const after = this.lastEpoch >= this.totalIters ? 1 - this.factor : 0;
    return this.baseLrs.map((base) => base * (this.factor + after));
  }
}

export interface ExponentialLROptions {
  gamma: number;
  lastEpoch?: number;
}

/** Multiplies the learning rate by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma!: number;
  /** PyTorch's ExponentialLR(optimizer, gamma, last_epoch=-1), or `{ gamma, lastEpoch }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[gamma: number, lastEpoch: number], ExponentialLROptions>) {
    const o = schedulerOptions<ExponentialLROptions>("ExponentialLR", ["gamma", "lastEpoch"], args, ["gamma"]);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ gamma: o.gamma });
  }
  protected computeLr(): number[] {
    if (this.atStart()) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pyPow(this.gamma, this.lastEpoch));
  }
}

export interface PolynomialLROptions {
  /** Epochs to decay over (default 5). */
  totalIters?: number;
  power?: number;
  lastEpoch?: number;
}

/** Decays the learning rate to 0 over totalIters epochs as (1 - epoch / totalIters)^power. */
export class PolynomialLR extends LRScheduler {
  readonly totalIters!: number;
  readonly power!: number;
  /** PyTorch's PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1), or the options object. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[totalIters: number, power: number, lastEpoch: number], PolynomialLROptions>) {
    const o = schedulerOptions<PolynomialLROptions>("PolynomialLR", ["totalIters", "power", "lastEpoch"], args);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ totalIters: o.totalIters ?? 5, power: o.power ?? 1.0 });
  }
  protected computeLr(): number[] {
    const { lastEpoch: e, totalIters: n } = this;
    if (this.atStart() || e > n) return this.groups.map((g) => g.lr);
    const decay = pyPow((1.0 - e / n) / (1.0 - (e - 1) / n), this.power);
    return this.groups.map((g) => g.lr * decay);
  }
  protected override closedFormLr(): number[] {
    const { lastEpoch: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * pyPow(1.0 - Math.min(n, e) / n, this.power));
  }
}
