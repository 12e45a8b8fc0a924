// PyTorch's DataLoader for map-style datasets: batches of batchSize from a sampler (sequential,
// seeded random, or the caller's), collated, optionally moved to a device, one batch prepared
// ahead of the one being used.
//
// Ownership: every batch the loader yields belongs to the caller, who disposes it
// (`torch.dispose(batch)`) when the step is done; the collector backstop frees forgotten ones.
// A batch is made outside every torch.scope, so a scope around the step (or around a manual
// `it.next()`) never frees the batch, nor the one prepared ahead. Batches prepared but not yet
// yielded are the loader's: leaving the loop (break, return, throw) disposes them.
//
// Why no worker threads: a TensorDataset batch costs one index_select (≈0.1 ms for 128 CIFAR
// images) against a 15 ms step on the 2-core CPU, and libtorch's step already uses every core;
// bench/dataloader.ts measures the loader against data.batches and PyTorch's DataLoader. Datasets
// whose items cost real work (vision.datasets.ImageFolder decodes files) offer startItems: the
// loader starts the prefetched batches with it, so they are read and decoded on libuv's pool
// while the step runs, and completes each when it is handed over.
import type { DeviceLike } from "../core/device.js";
import { dispose, mapTensors, persist, scope, unpersist } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";
import { defaultCollate, type Collated } from "./collate.js";
import { checkIndex, type Dataset } from "./dataset.js";
import { BatchSampler, RandomSampler, SequentialSampler, type BatchSamplerLike, type Sampler } from "./samplers.js";

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1, as PyTorch's). */
  batchSize?: number;
  /** A new seeded order every pass (default false). Exclusive with sampler. */
  shuffle?: boolean;
  /** Seed of the shuffled order (default 0); the order of pass e is a pure function of (seed, e). */
  seed?: number;
  /** The pass the first iteration makes (default 0); each iteration advances it. */
  epoch?: number;
  /** Drop the last, short batch (default false). */
  dropLast?: boolean;
  /** Turns a list of items into a batch; default: the dataset's getBatch if it has one, else defaultCollate. */
  collateFn?: (items: T[]) => B;
  /** The indices of one pass (exclusive with shuffle). */
  sampler?: Sampler;
  /** The index groups of one pass (exclusive with batchSize, shuffle, sampler and dropLast). */
  batchSampler?: BatchSamplerLike;
  /** Moves every tensor of each batch there (after collation). */
  device?: DeviceLike;
  /** Batches prepared ahead of the one in use (default 1; 0 makes each on demand). */
  prefetch?: number;
}

export interface IterOptions {
  /** Skip this many batches of the pass without fetching them (resuming mid-epoch). */
  skip?: number;
}

/** DataLoader over a map-style dataset; `for (const batch of loader)` makes one pass. */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T, unknown>;
  readonly batchSampler: BatchSamplerLike;
  /** The index sampler (undefined when a batchSampler was given). */
  readonly sampler: Sampler | undefined;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly prefetch: number;
  private readonly fetch: (indices: readonly number[]) => B;
  /** Begins a batch; the function returned completes it (datasets with startItems begin off-thread). */
  private readonly start: (indices: readonly number[]) => () => B;
  private readonly device: DeviceLike | undefined;

  constructor(dataset: Dataset<T, unknown>, o: DataLoaderOptions<T, B> = {}) {
    if (!Number.isInteger(dataset.length) || dataset.length < 0) {
      throw new Error(`tstorch: DataLoader's dataset has length ${dataset.length}, not a non-negative integer`);
    }
    this.dataset = dataset;
    this.prefetch = o.prefetch ?? 1;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) {
      throw new Error(`tstorch: prefetch must be a non-negative integer, got ${o.prefetch}`);
    }
    if (o.sampler !== undefined && o.shuffle) throw new Error("tstorch: DataLoader's sampler option is mutually exclusive with shuffle");
    if (o.batchSampler !== undefined) {
      if ((o.batchSize !== undefined && o.batchSize !== 1) || o.shuffle || o.sampler !== undefined || o.dropLast) {
        throw new Error("tstorch: DataLoader's batchSampler option is mutually exclusive with batchSize, shuffle, sampler and dropLast");
      }
      this.batchSampler = o.batchSampler;
      this.sampler = undefined;
      this.batchSize = null;
      this.dropLast = false;
    } else {
      const bs = o.batchSize ?? 1;
      if (!Number.isInteger(bs) || bs < 1) throw new Error(`tstorch: batchSize must be a positive integer, got ${o.batchSize}`);
      this.sampler = o.sampler ?? (o.shuffle ? new RandomSampler(dataset, { seed: o.seed, epoch: o.epoch }) : new SequentialSampler(dataset));
      this.batchSize = bs;
      this.dropLast = o.dropLast ?? false;
      this.batchSampler = new BatchSampler(this.sampler, bs, this.dropLast);
    }
    const n = dataset.length;
    const collateFn = o.collateFn;
    if (collateFn !== undefined) {
      this.fetch = (ix) => collateFn(ix.map((i) => dataset.getItem(i)));
    } else if (dataset.getBatch !== undefined) {
      const getBatch = dataset.getBatch.bind(dataset);
      this.fetch = (ix) => getBatch(ix) as B;
    } else {
      this.fetch = (ix) => defaultCollate(ix.map((i) => dataset.getItem(i))) as unknown as B;
    }
    // samplers given by the caller may be wrong: the index is checked before the dataset sees it
    const fetch = this.fetch;
    const checked = (ix: readonly number[]): void => {
      if (ix.length === 0) throw new Error("tstorch: DataLoader's batch sampler yielded an empty batch");
      for (const i of ix) checkIndex(i, n, "DataLoader's dataset");
    };
    this.fetch = (ix) => {
      checked(ix);
      return fetch(ix);
    };
    const startItems = dataset.startItems?.bind(dataset);
    if (startItems !== undefined && (collateFn !== undefined || dataset.getBatch === undefined)) {
      const collate = collateFn ?? ((items: T[]) => defaultCollate(items) as unknown as B);
      this.start = (ix) => {
        checked(ix);
        const finish = startItems(ix);
        return () => this.made(() => collate(finish()));
      };
    } else {
      this.start = (ix) => {
        const b = this.make(ix);
        return () => b;
      };
    }
    this.device = o.device;
  }

  /** Number of batches one pass yields (Python's len(loader)). */
  get length(): number {
    return this.batchSampler.length;
  }

  /** Chooses the order of the next pass (forwarded to the sampler; no-op for unshuffled ones). */
  setEpoch(epoch: number): void {
    this.batchSampler.setEpoch?.(epoch);
  }

  [Symbol.iterator](): Generator<B, void, undefined> {
    return this.iter();
  }

  /** One pass, optionally skipping its first batches without fetching them. */
  *iter(o: IterOptions = {}): Generator<B, void, undefined> {
    const skip = o.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0) throw new Error(`tstorch: skip must be a non-negative integer, got ${o.skip}`);
    const groups = this.batchSampler[Symbol.iterator]();
    for (let k = 0; k < skip; k++) if (groups.next().done) return;
    const ready: (() => B)[] = [];
    let exhausted = false;
    const fill = (): void => {
      while (!exhausted && ready.length <= this.prefetch) {
        const g = groups.next();
        if (g.done) exhausted = true;
        else ready.push(this.start(g.value));
      }
    };
    try {
      // the head and `prefetch` batches behind it are begun before the head is handed over
      for (fill(); ready.length > 0; fill()) yield handOver((ready.shift() as () => B)());
    } finally {
      for (const finish of ready) {
        try {
          dispose(finish());
        } catch {
          // a batch begun ahead that fails is dropped with the loop being left
        }
      }
      groups.return?.();
    }
  }

  /**
   * Makes one batch outside the caller's scopes: inside a scope of its own (which frees the index
   * tensors and other intermediates), with the batch's tensors persisted so that no enclosing scope
   * takes them; handOver makes them ordinary caller-owned tensors again.
   */
  private make(indices: readonly number[]): B {
    return this.made(() => this.fetch(indices));
  }

  private made(produce: () => B): B {
    return scope(() => {
      let b = produce();
      if (this.device !== undefined) b = mapTensors(b, (t) => (t as Tensor).to(this.device as DeviceLike));
      return persist(b);
    });
  }
}

/** Ends the loader's hold on a batch: from here it is a tensor the caller owns and disposes. */
function handOver<B>(batch: B): B {
  return unpersist(batch);
}
