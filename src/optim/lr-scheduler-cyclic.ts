// CyclicLR and CosineAnnealingWarmRestarts: torch/optim/lr_scheduler.py, the same formulas in
// doubles (cos and log are C's, through libtorch, as Python's math module calls them), so the
// learning rates equal PyTorch's bit for bit. CyclicLR's momentum handling follows the linked
// version: PyTorch 2 cycles Adam's beta1 too and starts at maxMomentum; 1.13 cycles SGD's
// momentum only and starts at baseMomentum.
import { LRScheduler } from "./lr-scheduler.js";
import type { Optimizer, ParamGroup } from "./optimizer.js";
import { pyCos, pyLog, pyPow } from "./scalar-math.js";
import { torchVersion } from "../core/runtime.js";

export interface CyclicLROptions {
  /** The lower bound of the cycle, per group or for all (also the learning rate set at construction). */
  baseLr: number | readonly number[];
  /** The upper bound of the cycle. */
  maxLr: number | readonly number[];
  /** Iterations of the rising half (default 2000). */
  stepSizeUp?: number;
  /** Iterations of the falling half (default stepSizeUp). */
  stepSizeDown?: number | null;
  mode?: "triangular" | "triangular2" | "exp_range";
  /** exp_range's factor: the amplitude is gamma^iteration. */
  gamma?: number;
  /** A custom amplitude scale (then mode is ignored), of the cycle number or the iteration. */
  scaleFn?: ((x: number) => number) | null;
  scaleMode?: "cycle" | "iterations";
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  lastEpoch?: number;
}

/** PyTorch's _format_param length error: 2's wording, or 1.13's. */
export function formatParamMessage(name: string, got: number, groups: number): string {
  return torchVersion()[0] >= 2
    ? `${name} must have the same length as optimizer.param_groups. ${name} has ${got} values, param_groups has ${groups}.`
    : `expected ${groups} values for ${name}, got ${got}`;
}

function formatParam(name: string, optimizer: Optimizer, v: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) throw new Error(`tstorch: ${formatParamMessage(name, v.length, n)}`);
    return [...v];
  }
  return new Array<number>(n).fill(v as number);
}

/** Cycles the learning rate between baseLr and maxLr (and the momentum inversely); stepped once per batch. */
export class CyclicLR extends LRScheduler {
  readonly maxLrs: number[];
  readonly totalSize: number;
  readonly stepRatio: number;
  readonly mode: string;
  readonly gamma: number;
  readonly scaleMode: "cycle" | "iterations";
  readonly cycleMomentum: boolean;
  private readonly scaleFn: (x: number) => number;
  private baseMomentums: number[] = [];
  private maxMomentums: number[] = [];
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, baseLr: number | readonly number[] | CyclicLROptions, maxLr?: number | readonly number[], opts: Omit<CyclicLROptions, "baseLr" | "maxLr"> = {}) {
    const o: CyclicLROptions = typeof baseLr === "object" && !Array.isArray(baseLr) ? (baseLr as CyclicLROptions) : { ...opts, baseLr: baseLr as number | readonly number[], maxLr: maxLr! };
    if (o.maxLr === undefined) throw new Error("tstorch: CyclicLR needs maxLr");
    const lastEpoch = o.lastEpoch ?? -1;
    const groups = optimizer.paramGroups as ParamGroup[];
    const baseLrs = formatParam("base_lr", optimizer, o.baseLr);
    if (lastEpoch === -1) groups.forEach((g, i) => (g.lr = baseLrs[i]));
    const maxLrs = formatParam("max_lr", optimizer, o.maxLr);
    const up = o.stepSizeUp ?? 2000;
    const down = o.stepSizeDown ?? up;
    const mode = o.mode ?? "triangular";
    const custom = o.scaleFn ?? null;
    if (!["triangular", "triangular2", "exp_range"].includes(mode) && custom === null) throw new Error("tstorch: mode is invalid and scale_fn is None");
    const gamma = o.gamma ?? 1.0;
    let scaleFn: (x: number) => number;
    let scaleMode: "cycle" | "iterations";
    if (custom !== null) {
      scaleFn = custom;
      scaleMode = o.scaleMode ?? "cycle";
    } else if (mode === "triangular") {
      scaleFn = () => 1.0;
      scaleMode = "cycle";
    } else if (mode === "triangular2") {
      scaleFn = (x) => 1 / pyPow(2.0, x - 1);
      scaleMode = "cycle";
    } else {
      scaleFn = (x) => pyPow(gamma, x);
      scaleMode = "iterations";
    }
    const cycleMomentum = o.cycleMomentum ?? true;
    const v2 = torchVersion()[0] >= 2;
    const d = optimizer.defaults as Record<string, unknown>;
    const useBeta1 = v2 && cycleMomentum && "betas" in d;
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      if (v2) {
        if (!("momentum" in d) && !("betas" in d)) throw new Error("tstorch: optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
        baseMomentums = formatParam("base_momentum", optimizer, o.baseMomentum ?? 0.8);
        maxMomentums = formatParam("max_momentum", optimizer, o.maxMomentum ?? 0.9);
        if (lastEpoch === -1) {
          groups.forEach((g, i) => {
            if (useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)];
            else g.momentum = maxMomentums[i];
            g.maxMomentum = maxMomentums[i];
            g.baseMomentum = baseMomentums[i];
          });
        }
      } else {
        if (!("momentum" in d)) throw new Error("tstorch: optimizer must support momentum with `cycle_momentum` option enabled");
        const base = formatParam("base_momentum", optimizer, o.baseMomentum ?? 0.8);
        if (lastEpoch === -1) groups.forEach((g, i) => (g.momentum = base[i]));
        baseMomentums = groups.map((g) => g.momentum as number);
        maxMomentums = formatParam("max_momentum", optimizer, o.maxMomentum ?? 0.9);
      }
    }
    super(optimizer, lastEpoch);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFn = scaleFn;
    this.scaleMode = scaleMode;
    this.cycleMomentum = cycleMomentum;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.useBeta1 = useBeta1;
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  protected computeLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1.0 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = () => this.scaleFn(this.scaleMode === "cycle" ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * scale());
    if (this.cycleMomentum) {
      const moms = this.baseMomentums.map((base, i) => this.maxMomentums[i] - (this.maxMomentums[i] - base) * scaleFactor * scale());
      this.groups.forEach((g, i) => {
        if (this.useBeta1) g.betas = [moms[i], ...(g.betas as number[]).slice(1)];
        else g.momentum = moms[i];
      });
    }
    return lrs;
  }
}

export interface CosineAnnealingWarmRestartsOptions {
  /** Epochs until the first restart (a positive integer). */
  T0: number;
  /** Each period is tMult times the last (an integer >= 1, default 1). */
  tMult?: number;
  etaMin?: number;
  lastEpoch?: number;
}

/** Cosine annealing from the initial learning rate to etaMin, restarted every T0 (· tMult^i) epochs (SGDR). */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly T0: number;
  readonly tMult: number;
  readonly etaMin: number;
  /** The current period and the epochs since the last restart (PyTorch's T_i, T_cur). */
  tI: number;
  tCur: number;

  constructor(optimizer: Optimizer, T0: number | CosineAnnealingWarmRestartsOptions, tMult?: number, etaMin?: number, lastEpoch?: number) {
    const o: CosineAnnealingWarmRestartsOptions = typeof T0 === "number" ? { T0, tMult, etaMin, lastEpoch } : T0;
    const t0 = o.T0;
    const mult = o.tMult ?? 1;
    const eta = o.etaMin ?? 0;
    if (!(Number.isInteger(t0) && t0 > 0)) throw new Error(`tstorch: Expected positive integer T_0, but got ${t0}`);
    if (!(Number.isInteger(mult) && mult >= 1)) throw new Error(`tstorch: Expected integer T_mult >= 1, but got ${mult}`);
    if (typeof eta !== "number") throw new Error(`tstorch: Expected float or int eta_min, but got ${eta} of type ${typeof eta}`);
    super(optimizer, o.lastEpoch ?? -1);
    this.T0 = t0;
    this.tI = t0;
    this.tMult = mult;
    this.etaMin = eta;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const c = pyCos((Math.PI * this.tCur) / this.tI);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + c)) / 2);
  }

  /** Advances one epoch, or jumps to `epoch` (fractional epochs allowed: step(epoch + batch / batches)). */
  override step(epoch?: number): void {
    this.stepCount += 1;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = torchVersion()[0] >= 2 ? ((this.tCur % this.tI) + this.tI) % this.tI : this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (epoch < 0) throw new Error(`tstorch: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T0) {
        if (this.tMult === 1) this.tCur = ((epoch % this.T0) + this.T0) % this.T0;
        else {
          const n = Math.trunc(pyLog((epoch / this.T0) * (this.tMult - 1) + 1, this.tMult));
          this.tCur = epoch - (this.T0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.T0 * this.tMult ** n;
        }
      } else {
        this.tI = this.T0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.computeLr();
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.groups.map((g) => g.lr);
  }
}
