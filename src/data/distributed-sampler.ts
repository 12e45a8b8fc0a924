// data.DistributedSampler: each rank's share of a data set's indices, exactly as PyTorch's
// torch.utils.data.DistributedSampler gives them (same shuffle, padding and drop-last rules), so that
// tstorch and PyTorch ranks read the same examples. The shuffle draws from a generator of its own
// (seed + epoch), leaving the global random state alone.
import { native } from "../core/native.js";
import { Tensor } from "../core/tensor.js";
import { getRank, getWorldSize, isInitialized } from "../distributed/process-group.js";

export interface DistributedSamplerOptions {
  /** Number of ranks (default: the process group's world size). */
  numReplicas?: number;
  /** This rank (default: the process group's rank). */
  rank?: number;
  shuffle?: boolean;
  seed?: number;
  /** Drop the tail that does not divide evenly, instead of padding with indices from the start. */
  dropLast?: boolean;
}

/** Anything with a size: a number, an array, or an object with `length` or `len()`. */
export type Sized = number | { length: number } | { len(): number };

function sizeOf(d: Sized): number {
  const n = typeof d === "number" ? d : "len" in d && typeof d.len === "function" ? d.len() : (d as { length: number }).length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`DistributedSampler: the data set size must be a non-negative integer, got ${String(n)}`);
  return n;
}

export class DistributedSampler implements Iterable<number> {
  readonly datasetSize: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Samples per rank. */
  readonly numSamples: number;
  readonly totalSize: number;
  epoch = 0;

  constructor(dataset: Sized, opts: DistributedSamplerOptions = {}) {
    this.datasetSize = sizeOf(dataset);
    const needGroup = opts.numReplicas === undefined || opts.rank === undefined;
    if (needGroup && !isInitialized())
      throw new Error("DistributedSampler: numReplicas and rank are needed when no process group is initialized");
    this.numReplicas = opts.numReplicas ?? getWorldSize();
    this.rank = opts.rank ?? getRank();
    if (!Number.isInteger(this.numReplicas) || this.numReplicas < 1) throw new Error(`DistributedSampler: numReplicas must be a positive integer, got ${this.numReplicas}`);
    if (!Number.isInteger(this.rank) || this.rank < 0 || this.rank >= this.numReplicas)
      throw new Error(`DistributedSampler: invalid rank ${this.rank}, rank should be in the interval [0, ${this.numReplicas - 1}]`);
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    const n = this.datasetSize;
    this.numSamples =
      this.dropLast && n % this.numReplicas !== 0 ? Math.ceil((n - this.numReplicas) / this.numReplicas) : Math.ceil(n / this.numReplicas);
    this.totalSize = this.numSamples * this.numReplicas;
  }

  /** Call before each epoch, so the shuffle differs between epochs (and agrees between ranks). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`DistributedSampler: epoch must be a non-negative integer, got ${epoch}`);
    this.epoch = epoch;
  }

  get length(): number {
    return this.numSamples;
  }

  /** This rank's indices for the current epoch. */
  indices(): number[] {
    const n = this.datasetSize;
    let all: number[];
    if (this.shuffle) {
      const perm = new Tensor(native.randpermSeeded(n, this.seed + this.epoch));
      try {
        all = Array.from(new BigInt64Array(native.toBuffer(perm._h)), Number);
      } finally {
        perm.dispose();
      }
    } else {
      all = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.dropLast) {
      const padding = this.totalSize - all.length;
      if (padding > 0 && all.length > 0) {
        const extra: number[] = [];
        while (extra.length < padding) extra.push(...all);
        all = all.concat(extra.slice(0, padding));
      }
    } else {
      all = all.slice(0, this.totalSize);
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) mine.push(all[i]!);
    return mine;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}
