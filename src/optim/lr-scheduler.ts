// Learning-rate schedulers: torch/optim/lr_scheduler.py (PyTorch 1.13), the same recursive
// ("chainable") formulas in doubles, so the learning rates match PyTorch's to the last few bits.
// Like PyTorch, constructing a scheduler performs its first step (lastEpoch -1 → 0).
import type { Optimizer, ParamGroup } from "./optimizer.js";
import { torchVersion } from "../core/runtime.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

/** Python's modulo (the sign follows the divisor). */
function pymod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export interface SchedulerState {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
}

export abstract class LRScheduler {
  lastEpoch: number;
  baseLrs: number[];
  /** How many times step() ran (PyTorch's _step_count). */
  protected stepCount = 0;
  protected lastLr: number[] = [];

  /**
   * Subclasses then set their own fields and make PyTorch's first step: start(fields) does both,
   * or (where more is set up) they assign and call initialStep() (PyTorch does both inside __init__).
   */
  protected constructor(readonly optimizer: Optimizer, lastEpoch = -1) {
    const groups = optimizer.paramGroups as ParamGroup[];
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`tstorch: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** True during the step the constructor (or SequentialLR) makes: PyTorch 2's _is_initial. */
  protected isInitial = false;

  /** Sets the subclass's hyper-parameters (its declared fields) and makes the initial step. */
  protected start(fields: object): void {
    Object.assign(this, fields);
    this.initialStep();
  }

  /** @internal PyTorch's _initial_step (SequentialLR calls it on the schedulers it holds). */
  initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /**
   * Whether this step is the constructor's: PyTorch 2 asks _is_initial, 1.13 asks last_epoch == 0
   * (they differ only when a scheduler is built with lastEpoch set); the linked version's test is used.
   */
  protected atStart(): boolean {
    return torchVersion()[0] >= 2 ? this.isInitial : this.lastEpoch === 0;
  }

  /** The learning rates for lastEpoch, computed from the current ones (PyTorch's get_lr). */
  protected abstract computeLr(): number[];
  /** The learning rates for lastEpoch from the base ones, where a formula exists (PyTorch's _get_closed_form_lr). */
  protected closedFormLr?(): number[];

  /**
   * Advances one epoch (or one batch, for OneCycleLR) and writes the new learning rates into the
   * groups. step(epoch) jumps to that epoch, with the closed form where there is one (PyTorch's
   * deprecated step(epoch), which SequentialLR uses at its milestones).
   */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.computeLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr !== undefined ? this.closedFormLr() : this.computeLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step() set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }
  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
    this.stepCount = s.stepCount;
    this.baseLrs = [...s.baseLrs];
    this.lastLr = [...s.lastLr];
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups as ParamGroup[];
  }
}

/**
 * A scheduler's options: PyTorch's positional arguments (named by `names`) and the options object,
 * merged (pyArgs). `required` names the ones without a default: each must be given, a number.
 */
export function schedulerOptions<O extends { lastEpoch?: number }>(what: string, names: readonly (keyof O & string)[], args: readonly unknown[], required: readonly (keyof O & string)[] = []): O {
  const o = pyArgs<O>(what, names, args);
  for (const name of required) {
    if (typeof o[name] !== "number") throw new Error(`tstorch: ${what} needs a ${name} (positionally or as { ${name} })`);
  }
  return o;
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
  lastEpoch?: number;
}
export interface CosineAnnealingLROptions {
  tMax: number;
  etaMin?: number;
  lastEpoch?: number;
}

/** Multiplies the learning rate by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize!: number;
  readonly gamma!: number;
  /** PyTorch's StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1): `new optim.StepLR(opt, 1, 0.7)` or `{ stepSize: 1, gamma: 0.7 }`. */
  constructor(optimizer: Optimizer, ...args: PyArgs<[stepSize: number, gamma: number, lastEpoch: number], StepLROptions>) {
    const o = schedulerOptions<StepLROptions>("StepLR", ["stepSize", "gamma", "lastEpoch"], args, ["stepSize"]);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ stepSize: o.stepSize, gamma: o.gamma ?? 0.1 });
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Cosine annealing from the initial learning rate to etaMin over tMax epochs (and back, periodically, beyond). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax!: number;
  readonly etaMin!: number;
  /** PyTorch's CosineAnnealingLR(optimizer, T_max, eta_min=0, last_epoch=-1). */
  constructor(optimizer: Optimizer, ...args: PyArgs<[tMax: number, etaMin: number, lastEpoch: number], CosineAnnealingLROptions>) {
    const o = schedulerOptions<CosineAnnealingLROptions>("CosineAnnealingLR", ["tMax", "etaMin", "lastEpoch"], args, ["tMax"]);
    super(optimizer, o.lastEpoch ?? -1);
    this.start({ tMax: o.tMax, etaMin: o.etaMin ?? 0 });
  }
  protected computeLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax)) / 2);
    }
    if (pymod(e - 1 - tMax, 2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + (base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / 2);
  }
}

export interface OneCycleLROptions {
  maxLr: number | readonly number[];
  /** Or epochs × stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  anneal?: "cos" | "linear";
  /** Cycle SGD's momentum or Adam's beta1 inversely to the learning rate (PyTorch's default: true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** The 1cycle policy, stepped once per batch: warm up to maxLr, then anneal far below the start. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly annealFn: (start: number, end: number, pct: number) => number;
  readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  /**
   * PyTorch's OneCycleLR(optimizer, max_lr, total_steps, epochs, steps_per_epoch, pct_start,
   * anneal_strategy, cycle_momentum, base_momentum, max_momentum, div_factor, final_div_factor,
   * three_phase, last_epoch), positionally and/or in the options object.
   */
  constructor(
    optimizer: Optimizer,
    ...args: PyArgs<
      [maxLr: number | readonly number[], totalSteps: number | undefined, epochs: number | undefined, stepsPerEpoch: number | undefined, pctStart: number,
        anneal: "cos" | "linear", cycleMomentum: boolean, baseMomentum: number | readonly number[], maxMomentum: number | readonly number[],
        divFactor: number, finalDivFactor: number, threePhase: boolean, lastEpoch: number],
      OneCycleLROptions
    >
  ) {
    const o = pyArgs<OneCycleLROptions>("OneCycleLR", ["maxLr", "totalSteps", "epochs", "stepsPerEpoch", "pctStart", "anneal", "cycleMomentum",
      "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase", "lastEpoch"], args);
    let total: number;
    if (o.totalSteps !== undefined) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0) throw new Error(`tstorch: expected a positive integer totalSteps, but got ${o.totalSteps}`);
      total = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(o.epochs) || o.epochs <= 0) throw new Error(`tstorch: expected a positive integer epochs, but got ${o.epochs}`);
      if (!Number.isInteger(o.stepsPerEpoch) || o.stepsPerEpoch <= 0) throw new Error(`tstorch: expected a positive integer stepsPerEpoch, but got ${o.stepsPerEpoch}`);
      total = o.epochs * o.stepsPerEpoch;
    } else {
      throw new Error("tstorch: OneCycleLR needs totalSteps, or epochs and stepsPerEpoch");
    }
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new Error(`tstorch: expected pctStart between 0 and 1, but got ${pct}`);
    const anneal = o.anneal ?? "cos";
    if (anneal !== "cos" && anneal !== "linear") throw new Error(`tstorch: anneal must be 'cos' or 'linear', got '${anneal}'`);
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const n = optimizer.paramGroups.length;
    const perGroup = (name: string, v: number | readonly number[]): number[] => {
      if (typeof v === "number") return new Array<number>(n).fill(v);
      if (v.length !== n) throw new Error(`tstorch: expected ${n} values for ${name}, got ${v.length}`);
      return [...v];
    };
    const lastEpoch = o.lastEpoch ?? -1;
    const groups = optimizer.paramGroups as ParamGroup[];
    const maxLrs = perGroup("maxLr", o.maxLr);
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    const cycle = o.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!("momentum" in d) && !("betas" in d)) throw new Error("tstorch: optimizer must support momentum with the cycleMomentum option enabled");
      useBeta1 = "betas" in d;
      const maxM = perGroup("maxMomentum", o.maxMomentum ?? 0.95);
      const baseM = perGroup("baseMomentum", o.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.annealFn = anneal === "cos" ? annealCos : annealLinear;
    this.phases = o.threePhase
      ? [
          { endStep: pct * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pct * total - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: total - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: pct * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: total - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    this.initialStep();
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`tstorch: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    return this.groups.map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.endStep - startStep);
          lr = this.annealFn(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.annealFn(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        startStep = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, (g.betas as number[])[1]];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}
