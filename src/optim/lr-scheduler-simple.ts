// MultiplicativeLR, MultiStepLR, ConstantLR, ExponentialLR and PolynomialLR: torch/optim/lr_scheduler.py,
// the same chainable formulas (and closed forms for step(epoch)) in doubles, powers with C's pow, so
// the learning rates equal PyTorch's bit for bit. Each takes PyTorch's positional arguments
// (new MultiStepLR(opt, [30, 80], 0.1)) or one options object.
import { LRScheduler } from "./lr-scheduler.js";
import { bisectRight } from "./lr-scheduler-composite.js";
import type { Optimizer } from "./optimizer.js";
import { pyPow } from "./scalar-math.js";

/** lr ← lr · lrLambda(epoch) at every step after the first. */
export type MultiplicativeLambda = (epoch: number) => number;

export interface MultiplicativeLROptions {
  lrLambda: MultiplicativeLambda | readonly MultiplicativeLambda[];
  lastEpoch?: number;
}

/** Multiplies each group's learning rate by lrLambda(epoch) every epoch. */
export class MultiplicativeLR extends LRScheduler {
  readonly lrLambdas: MultiplicativeLambda[];
  constructor(optimizer: Optimizer, lrLambda: MultiplicativeLambda | readonly MultiplicativeLambda[] | MultiplicativeLROptions, lastEpoch?: number) {
    const o: MultiplicativeLROptions = typeof lrLambda === "function" || Array.isArray(lrLambda)
      ? { lrLambda: lrLambda as MultiplicativeLambda | readonly MultiplicativeLambda[], lastEpoch }
      : (lrLambda as MultiplicativeLROptions);
    const n = optimizer.paramGroups.length;
    let lambdas: MultiplicativeLambda[];
    if (Array.isArray(o.lrLambda)) {
      if (o.lrLambda.length !== n) throw new Error(`tstorch: Expected ${n} lr_lambdas, but got ${o.lrLambda.length}`);
      lambdas = [...o.lrLambda];
    } else lambdas = new Array<MultiplicativeLambda>(n).fill(o.lrLambda as MultiplicativeLambda);
    for (const f of lambdas) if (typeof f !== "function") throw new Error(`tstorch: lr_lambda should be a function, but got ${typeof f}`);
    super(optimizer, o.lastEpoch ?? -1);
    this.lrLambdas = lambdas;
    this.initialStep();
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
  readonly milestones: Map<number, number>;
  readonly gamma: number;
  constructor(optimizer: Optimizer, milestones: readonly number[] | MultiStepLROptions, gamma?: number, lastEpoch?: number) {
    const o: MultiStepLROptions = Array.isArray(milestones) ? { milestones: milestones as readonly number[], gamma, lastEpoch } : (milestones as MultiStepLROptions);
    if (!Array.isArray(o?.milestones)) throw new Error("tstorch: MultiStepLR needs milestones: a list of epochs");
    super(optimizer, o.lastEpoch ?? -1);
    this.milestones = new Map();
    for (const m of o.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = o.gamma ?? 0.1;
    this.initialStep();
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
  readonly factor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, factor?: number | ConstantLROptions, totalIters?: number, lastEpoch?: number) {
    const o: ConstantLROptions = typeof factor === "object" ? factor : { factor, totalIters, lastEpoch };
    const f = o.factor ?? 1.0 / 3;
    if (f > 1.0 || f < 0) throw new Error("tstorch: Constant multiplicative factor expected to be between 0 and 1.");
    super(optimizer, o.lastEpoch ?? -1);
    this.factor = f;
    this.totalIters = o.totalIters ?? 5;
    this.initialStep();
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
  readonly gamma: number;
  constructor(optimizer: Optimizer, gamma: number | ExponentialLROptions, lastEpoch?: number) {
    const o: ExponentialLROptions = typeof gamma === "number" ? { gamma, lastEpoch } : gamma;
    if (typeof o?.gamma !== "number") throw new Error("tstorch: ExponentialLR needs gamma (a number)");
    super(optimizer, o.lastEpoch ?? -1);
    this.gamma = o.gamma;
    this.initialStep();
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
  readonly totalIters: number;
  readonly power: number;
  constructor(optimizer: Optimizer, totalIters?: number | PolynomialLROptions, power?: number, lastEpoch?: number) {
    const o: PolynomialLROptions = typeof totalIters === "object" ? totalIters : { totalIters, power, lastEpoch };
    super(optimizer, o.lastEpoch ?? -1);
    this.totalIters = o.totalIters ?? 5;
    this.power = o.power ?? 1.0;
    this.initialStep();
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
