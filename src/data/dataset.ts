// Map-style datasets (PyTorch's torch.utils.data.Dataset): a length and the item at an index.
// `length` and `getItem(i)` stand for Python's __len__ and __getitem__; a dataset that can fetch a
// whole batch at once (tensors in memory: one index_select) also offers getBatch(indices), which
// the DataLoader prefers to getItem + collate when no collateFn is given.
import { fromTypedArray } from "../core/creation.js";
import { Tensor } from "../core/tensor.js";
import { scope } from "../core/scope.js";

export interface Dataset<T = unknown, B = unknown> {
  /** Number of items (Python's __len__). */
  readonly length: number;
  /** The item at `index`, 0 <= index < length (Python's __getitem__). */
  getItem(index: number): T;
  /** Optional fast path: the collated batch of these items in one go (PyTorch's __getitems__, collated). */
  getBatch?(indices: readonly number[]): B;
  /**
   * Optional: begins fetching these items off the JS thread (e.g. decoding image files on libuv's
   * pool) and returns the function that completes them. The DataLoader calls it for the batches it
   * prefetches, so the work overlaps the caller's step on the batch before.
   */
  startItems?(indices: readonly number[]): () => T[];
}

/** The "index out of range" error every dataset here gives. */
export function checkIndex(index: number, length: number, what = "dataset"): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`tstorch: index ${index} is out of range for a ${what} of ${length} items`);
  }
}

/**
 * Tensors sharing their first dimension; item i is [t0[i], t1[i], ...] (PyTorch's TensorDataset).
 * The tensors stay the caller's (the dataset neither copies nor disposes them). Items are views
 * (select); batches are fresh tensors made by one index_select per tensor, on the tensors' device.
 */
export class TensorDataset<T extends readonly Tensor[] = Tensor[]> implements Dataset<T, T> {
  readonly tensors: T;
  readonly length: number;
  constructor(...tensors: T) {
    if (tensors.length === 0) throw new Error("tstorch: TensorDataset needs at least one tensor");
    for (const [i, t] of tensors.entries()) {
      if (!(t instanceof Tensor)) throw new TypeError(`tstorch: TensorDataset argument ${i} is not a Tensor`);
      if (t.dim() === 0) throw new Error(`tstorch: TensorDataset tensor ${i} is a scalar (it needs a first dimension to index)`);
    }
    this.length = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== this.length) {
        throw new Error(
          `tstorch: TensorDataset tensors differ in size along the first dimension: tensor 0 has ${this.length}, tensor ${i} has ${t.shape[0]}`,
        );
      }
    });
    this.tensors = tensors;
  }

  getItem(index: number): T {
    checkIndex(index, this.length);
    return this.tensors.map((t) => t.select(0, index)) as unknown as T;
  }

  getBatch(indices: readonly number[]): T {
    for (const i of indices) checkIndex(i, this.length);
    return scope(() => {
      let idx = fromTypedArray(BigInt64Array.from(indices, (i) => BigInt(i)), [indices.length]);
      const device = this.tensors[0].device;
      if (device.type !== "cpu") idx = idx.to(device);
      return this.tensors.map((t) => t.indexSelect(0, idx.device.type === t.device.type ? idx : idx.to(t.device)));
    }) as unknown as T;
  }
}

/** The items of `dataset` at `indices`, in that order (PyTorch's Subset). */
export class Subset<T, B = unknown> implements Dataset<T, B> {
  readonly dataset: Dataset<T, B>;
  readonly indices: readonly number[];
  constructor(dataset: Dataset<T, B>, indices: Iterable<number>) {
    this.dataset = dataset;
    this.indices = [...indices];
    for (const i of this.indices) checkIndex(i, dataset.length, "Subset's dataset");
    if (dataset.getBatch) {
      const inner = dataset.getBatch.bind(dataset);
      this.getBatch = (ix: readonly number[]): B => inner(ix.map((i) => this.at(i)));
    }
    if (dataset.startItems) {
      const inner = dataset.startItems.bind(dataset);
      this.startItems = (ix: readonly number[]): (() => T[]) => inner(ix.map((i) => this.at(i)));
    }
  }
  get length(): number {
    return this.indices.length;
  }
  getItem(index: number): T {
    return this.dataset.getItem(this.at(index));
  }
  getBatch?: (indices: readonly number[]) => B;
  startItems?: (indices: readonly number[]) => () => T[];
  private at(index: number): number {
    checkIndex(index, this.indices.length, "Subset");
    return this.indices[index];
  }
}
