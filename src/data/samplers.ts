// Samplers: which dataset indices one pass visits, in which order (PyTorch's torch.utils.data
// samplers). A sampler is any iterable of indices with a length; those that shuffle take a seed
// and an epoch, and the order of epoch e is a pure function of (seed, e) so that a run resumes
// exactly. Iterating such a sampler uses its current epoch and then moves to the next one, so a
// loop that never calls setEpoch still gets a new order every pass (0, 1, 2, ...); calling
// setEpoch(e) before a pass (PyTorch's DistributedSampler habit) picks the order explicitly.
import { Rng } from "./rng.js";

/** Indices into a map-style dataset, one pass per iteration. */
export interface Sampler extends Iterable<number> {
  /** How many indices one pass yields. */
  readonly length: number;
  /** Chooses the order of the next pass (shuffling samplers). */
  setEpoch?(epoch: number): void;
}

/** Groups of indices, one group per batch (what DataLoader's batchSampler option takes). */
export interface BatchSamplerLike extends Iterable<readonly number[]> {
  /** Number of batches one pass yields. */
  readonly length: number;
  setEpoch?(epoch: number): void;
}

/** A dataset (anything with a length) or its size. */
export type SizeSource = number | { readonly length: number };

export interface ShuffleOptions {
  /** Seed of the order (default 0); not libtorch's global generator, so model initialisation does not move it. */
  seed?: number;
  /** The pass the next iteration makes (default 0); each iteration then advances it by one. */
  epoch?: number;
}

function sizeOf(src: SizeSource, what: string): number {
  const n = typeof src === "number" ? src : src.length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`tstorch: ${what} needs a size that is a non-negative integer, got ${n}`);
  return n;
}

function checkEpoch(epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`tstorch: epoch must be a non-negative integer, got ${epoch}`);
  return epoch;
}

/** 0, 1, ..., n-1 in order. */
export class SequentialSampler implements Sampler {
  readonly length: number;
  constructor(source: SizeSource) {
    this.length = sizeOf(source, "SequentialSampler");
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

/** Base of the seeded samplers: holds (seed, epoch) and hands out one generator per pass. */
abstract class SeededSampler implements Sampler {
  abstract readonly length: number;
  readonly seed: number;
  private nextEpoch: number;
  constructor(o: ShuffleOptions) {
    this.seed = o.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new Error(`tstorch: seed must be an integer, got ${this.seed}`);
    this.nextEpoch = checkEpoch(o.epoch ?? 0);
  }
  /** The pass the next iteration makes. */
  get epoch(): number {
    return this.nextEpoch;
  }
  setEpoch(epoch: number): void {
    this.nextEpoch = checkEpoch(epoch);
  }
  /** The generator of the next pass; advances the epoch. */
  protected takeRng(): Rng {
    return new Rng(this.seed, this.nextEpoch++);
  }
  abstract [Symbol.iterator](): Iterator<number>;
}

export interface RandomSamplerOptions extends ShuffleOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** Indices per pass (default: the dataset's size); more than the size needs replacement. */
  numSamples?: number;
}

/**
 * A random order of the dataset's indices. Without replacement it is the same permutation that
 * data.batches and the CLI use for (seed, epoch), so switching to a DataLoader keeps results.
 */
export class RandomSampler extends SeededSampler {
  readonly length: number;
  readonly size: number;
  readonly replacement: boolean;
  constructor(source: SizeSource, o: RandomSamplerOptions = {}) {
    super(o);
    this.size = sizeOf(source, "RandomSampler");
    this.replacement = o.replacement ?? false;
    this.length = o.numSamples ?? this.size;
    if (!Number.isInteger(this.length) || this.length < 0) {
      throw new Error(`tstorch: RandomSampler numSamples must be a non-negative integer, got ${o.numSamples}`);
    }
    if (!this.replacement && this.length > this.size) {
      throw new Error(`tstorch: RandomSampler numSamples ${this.length} exceeds the dataset's ${this.size} items without replacement`);
    }
  }
  *[Symbol.iterator](): Iterator<number> {
    const rng = this.takeRng();
    if (this.replacement) {
      for (let i = 0; i < this.length; i++) yield rng.below(this.size);
      return;
    }
    const p = rng.shuffledIndices(this.size);
    for (let i = 0; i < this.length; i++) yield p[i];
  }
}

/** A random order of the given indices (e.g. a train/validation split of one dataset). */
export class SubsetRandomSampler extends SeededSampler {
  readonly indices: readonly number[];
  readonly length: number;
  constructor(indices: Iterable<number>, o: ShuffleOptions = {}) {
    super(o);
    this.indices = [...indices];
    this.length = this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    const p = this.takeRng().shuffledIndices(this.length);
    for (let i = 0; i < this.length; i++) yield this.indices[p[i]];
  }
}

/** Groups a sampler's indices into batches of batchSize (the last one shorter unless dropLast). */
export class BatchSampler implements BatchSamplerLike {
  readonly sampler: Iterable<number> & { readonly length?: number; setEpoch?(epoch: number): void };
  readonly batchSize: number;
  readonly dropLast: boolean;
  constructor(sampler: Iterable<number> & { readonly length?: number; setEpoch?(epoch: number): void }, batchSize: number, dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`tstorch: batchSize must be a positive integer, got ${batchSize}`);
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new Error("tstorch: BatchSampler's sampler has no length");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  setEpoch(epoch: number): void {
    this.sampler.setEpoch?.(epoch);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
