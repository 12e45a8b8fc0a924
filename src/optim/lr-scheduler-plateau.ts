// ReduceLROnPlateau: torch/optim/lr_scheduler.py. Cuts the learning rates by `factor` when a metric
// has stopped improving for `patience` epochs; step(metric) instead of step().
import type { Optimizer } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": rise (an accuracy). */
  mode?: "min" | "max";
  /** The learning rate is multiplied by this on a plateau (< 1, default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated (default 10). */
  patience?: number;
  /** What counts as an improvement (default 1e-4, relative). */
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a cut before counting again (default 0). */
  cooldown?: number;
  minLr?: number | readonly number[];
  /** Cuts smaller than this are skipped (default 1e-8). */
  eps?: number;
}

export interface ReduceLROnPlateauState {
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter: number;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs: number;
  eps: number;
  lastEpoch: number;
  lastLr: number[];
}

export class ReduceLROnPlateau {
  factor: number;
  minLrs: number[];
  private readonly defaultMinLr: number | null;
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max" = "min";
  threshold = 1e-4;
  thresholdMode: "rel" | "abs" = "rel";
  best = Infinity;
  numBadEpochs = 0;
  eps: number;
  lastEpoch = 0;
  private modeWorse = Infinity;
  private lastLr: number[];

  /** PyTorch's ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8). */
  constructor(
    readonly optimizer: Optimizer,
    ...args: PyArgs<
      [mode: "min" | "max", factor: number, patience: number, threshold: number, thresholdMode: "rel" | "abs", cooldown: number, minLr: number | readonly number[], eps: number],
      ReduceLROnPlateauOptions
    >
  ) {
    const o = pyArgs<ReduceLROnPlateauOptions>("ReduceLROnPlateau", ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"], args);
    const factor = o.factor ?? 0.1;
    if (factor >= 1.0) throw new Error("tstorch: Factor should be < 1.0.");
    this.factor = factor;
    const n = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new Error(`tstorch: expected ${n} min_lrs, got ${minLr.length}`);
      this.defaultMinLr = null;
      this.minLrs = [...minLr];
    } else {
      this.defaultMinLr = minLr as number;
      this.minLrs = new Array<number>(n).fill(minLr as number);
    }
    this.patience = o.patience ?? 10;
    this.cooldown = o.cooldown ?? 0;
    this.eps = o.eps ?? 1e-8;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
    this.initIsBetter(o.mode ?? "min", o.threshold ?? 1e-4, o.thresholdMode ?? "rel");
    this.reset();
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /** One epoch's metric (a number or a 0-d tensor's value). */
  step(metrics: number | { item(): number | boolean }, epoch?: number): void {
    const current = typeof metrics === "number" ? metrics : Number(metrics.item());
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      if (this.defaultMinLr === null) {
        throw new Error(
          `tstorch: The number of param groups in the \`optimizer\` (${groups.length}) differs from when \`ReduceLROnPlateau\` was initialized (${this.minLrs.length}), usually due to a new param group being added to the optimizer. Please modify the \`minLrs\` field to match the length of the \`optimizer\` param groups.`,
        );
      }
      this.minLrs = new Array<number>(groups.length).fill(this.defaultMinLr);
    }
    groups.forEach((g, i) => {
      const oldLr = g.lr;
      const cut = oldLr * this.factor;
      const newLr = this.minLrs[i] > cut ? this.minLrs[i] : cut; // Python's max(cut, min_lr)
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1.0 - this.threshold);
    if (this.mode === "min" && this.thresholdMode === "abs") return a < best - this.threshold;
    if (this.mode === "max" && this.thresholdMode === "rel") return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  private initIsBetter(mode: string, threshold: number, thresholdMode: string): void {
    if (mode !== "min" && mode !== "max") throw new Error(`tstorch: mode ${mode} is unknown!`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs") throw new Error(`tstorch: threshold mode ${thresholdMode} is unknown!`);
    this.modeWorse = mode === "min" ? Infinity : -Infinity;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
  }

  /** The learning rates after the last step(), one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ReduceLROnPlateauState {
    const { factor, patience, cooldown, cooldownCounter, mode, threshold, thresholdMode, best, numBadEpochs, eps, lastEpoch } = this;
    return { factor, minLrs: [...this.minLrs], patience, cooldown, cooldownCounter, mode, threshold, thresholdMode, best, numBadEpochs, eps, lastEpoch, lastLr: [...this.lastLr] };
  }

  loadStateDict(s: ReduceLROnPlateauState): void {
    Object.assign(this, { ...s, minLrs: [...s.minLrs], lastLr: [...s.lastLr] });
    this.initIsBetter(s.mode, s.threshold, s.thresholdMode);
  }
}
