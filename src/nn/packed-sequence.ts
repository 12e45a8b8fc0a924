// torch.nn.utils.rnn: variable-length batches for the recurrent layers. A PackedSequence holds the
// time steps of every sequence interleaved (data [Σ lengths, *]) and how many sequences are still
// running at each step (batchSizes, int64 on the CPU); RNN/LSTM/GRU run it through libtorch's packed
// kernels (aten::lstm.data, ...), so padding is never computed on. Packing and padding are libtorch's
// own _pack_padded_sequence / _pad_packed_sequence; the sorting and permutations around them follow
// torch/nn/utils/rnn.py line by line, so results (and the order of equal lengths) are PyTorch's.
import { arange, emptyLike, tensor } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";

// typed loosely: aten::pad_sequence gained padding_side in PyTorch 2.6
const aten = ops.aten as unknown as Record<string, (...a: unknown[]) => unknown>;

/**
 * PyTorch's PackedSequence, a named tuple: `[data, batchSizes, sortedIndices, unsortedIndices]`
 * (an Array, so it destructures as in Python and torch.scope keeps its tensors when it is returned).
 * Build it with packPaddedSequence or packSequence, not directly.
 */
export class PackedSequence extends Array<Tensor | null> {
  // map/filter/slice give plain arrays, not broken PackedSequences
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null) {
    super();
    if (!(data instanceof Tensor) || !(batchSizes instanceof Tensor)) {
      throw new Error("tstorch: PackedSequence(data, batchSizes, ...) takes Tensors; build one with nn.utils.rnn.packPaddedSequence or packSequence");
    }
    if (batchSizes.dtype !== "int64" || batchSizes.ndim !== 1 || batchSizes.device.type !== "cpu") {
      throw new Error(`tstorch: PackedSequence batchSizes must be a 1-D int64 CPU tensor, got ${batchSizes.ndim}-D ${batchSizes.dtype} on ${batchSizes.device}`);
    }
    this.push(data, batchSizes, sortedIndices, unsortedIndices ?? invertPermutation(sortedIndices));
  }

  /** The packed time steps, [Σ lengths, *]. */
  get data(): Tensor {
    return this[0] as Tensor;
  }
  /** Sequences still running at each time step (int64, CPU). */
  get batchSizes(): Tensor {
    return this[1] as Tensor;
  }
  /** The order the batch was sorted into by decreasing length (null when it already was). */
  get sortedIndices(): Tensor | null {
    return this[2];
  }
  /** The inverse of sortedIndices (restores the caller's batch order). */
  get unsortedIndices(): Tensor | null {
    return this[3];
  }
  get isCuda(): boolean {
    return this.data.device.type === "cuda";
  }

  /** The same sequence with data (and the indices, as PyTorch does) moved or cast; batchSizes stay on the CPU. */
  to(target: DeviceLike | DType): PackedSequence {
    const data = this.data.to(target);
    if (data === this.data) return this;
    const dev = data.device;
    return new PackedSequence(data, this.batchSizes, this.sortedIndices?.to(dev) ?? null, this.unsortedIndices?.to(dev) ?? null);
  }
  cpu(): PackedSequence {
    return this.to("cpu");
  }
  cuda(): PackedSequence {
    return this.to("cuda");
  }

  /** Frees the four tensors. */
  dispose(): void {
    for (const t of this) t?.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The inverse permutation (torch.nn.utils.rnn.invert_permutation); null for null. */
export function invertPermutation(permutation: Tensor | null): Tensor | null {
  if (permutation === null) return null;
  return scope(() => {
    const out = emptyLike(permutation);
    out.scatter_(0, permutation, arange(permutation.numel(), { device: permutation.device, dtype: permutation.dtype }));
    return out;
  });
}

function lengthsTensor(lengths: Tensor | readonly number[], fn: string): Tensor {
  if (lengths instanceof Tensor) {
    if (lengths.ndim !== 1) throw new Error(`tstorch: ${fn}: lengths must be a 1-D tensor, got ${lengths.ndim}-D`);
    return lengths.to({ device: "cpu", dtype: "int64" });
  }
  if (!Array.isArray(lengths) || lengths.some((l) => !Number.isInteger(l))) {
    throw new Error(`tstorch: ${fn}: lengths must be a Tensor or an array of integers`);
  }
  return tensor(lengths as number[], { dtype: "int64" });
}

export interface PackPaddedOptions {
  /** input is [batch, time, *] instead of [time, batch, *] (default false). */
  batchFirst?: boolean;
  /** lengths must be decreasing (default true); false sorts the batch and records the permutation. */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch ([time, batch, *], or [batch, time, *] with batchFirst) of sequences of the
 * given lengths (torch.nn.utils.rnn.pack_padded_sequence).
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | readonly number[], opts: PackPaddedOptions | boolean = {}, enforceSorted?: boolean): PackedSequence {
  const o = typeof opts === "boolean" ? { batchFirst: opts, enforceSorted } : opts;
  const batchFirst = o.batchFirst ?? false;
  if (!(input instanceof Tensor)) throw new Error(`tstorch: packPaddedSequence expects a Tensor input, got ${typeof input}`);
  if (input.ndim < 2) throw new Error(`tstorch: packPaddedSequence: input must have a time and a batch dimension, got ${input.ndim}-D`);
  return scope(() => {
    let lens = lengthsTensor(lengths, "packPaddedSequence");
    let sortedIndices: Tensor | null = null;
    let x = input;
    if (o.enforceSorted === false) {
      const [values, indices] = lens.sort(0, true);
      lens = values;
      sortedIndices = indices.to(input.device);
      x = input.indexSelect(batchFirst ? 0 : 1, sortedIndices);
    }
    const [data, batchSizes] = aten._pack_padded_sequence(x, lens, batchFirst) as [Tensor, Tensor];
    return new PackedSequence(data, batchSizes, sortedIndices, null);
  });
}

export interface PadPackedOptions {
  batchFirst?: boolean;
  /** value of the padding (default 0). */
  paddingValue?: number;
  /** pad to this many steps (at least the longest sequence; default the longest). */
  totalLength?: number | null;
}

/**
 * Unpacks to a padded batch; returns [padded, lengths] with the caller's batch order restored
 * (torch.nn.utils.rnn.pad_packed_sequence). lengths is int64 on the CPU.
 */
export function padPackedSequence(sequence: PackedSequence, opts: PadPackedOptions | boolean = {}, paddingValue?: number, totalLength?: number | null): [Tensor, Tensor] {
  const o = typeof opts === "boolean" ? { batchFirst: opts, paddingValue, totalLength } : opts;
  if (!(sequence instanceof PackedSequence)) throw new Error("tstorch: padPackedSequence expects a PackedSequence (from packPaddedSequence or packSequence)");
  const batchFirst = o.batchFirst ?? false;
  let maxLen = sequence.batchSizes.shape[0];
  const total = o.totalLength ?? null;
  if (total !== null) {
    if (!Number.isInteger(total) || total < maxLen) {
      throw new Error(
        `tstorch: Expected total_length to be at least the length of the longest sequence in input, but got total_length=${total} and max sequence length being ${maxLen}`,
      );
    }
    maxLen = total;
  }
  return scope(() => {
    const [padded, lengths] = aten._pad_packed_sequence(sequence.data, sequence.batchSizes, batchFirst, o.paddingValue ?? 0, maxLen) as [Tensor, Tensor];
    const unsorted = sequence.unsortedIndices;
    if (unsorted === null) return [padded, lengths];
    return [padded.indexSelect(batchFirst ? 0 : 1, unsorted), lengths.indexSelect(0, unsorted.to("cpu"))];
  }) as [Tensor, Tensor];
}

export interface PadSequenceOptions {
  batchFirst?: boolean;
  paddingValue?: number;
}

/** Pads a list of [len_i, *] tensors into [maxLen, batch, *] (or [batch, maxLen, *]) (torch.nn.utils.rnn.pad_sequence). */
export function padSequence(sequences: readonly Tensor[], opts: PadSequenceOptions | boolean = {}, paddingValue?: number): Tensor {
  const o = typeof opts === "boolean" ? { batchFirst: opts, paddingValue } : opts;
  if (!Array.isArray(sequences) || sequences.length === 0 || sequences.some((s) => !(s instanceof Tensor))) {
    throw new Error("tstorch: padSequence expects a non-empty array of Tensors");
  }
  return aten.pad_sequence(sequences, o.batchFirst ?? false, o.paddingValue ?? 0) as Tensor;
}

/** Packs a list of [len_i, *] tensors (torch.nn.utils.rnn.pack_sequence). */
export function packSequence(sequences: readonly Tensor[], opts: { enforceSorted?: boolean } | boolean = {}): PackedSequence {
  const enforceSorted = typeof opts === "boolean" ? opts : (opts.enforceSorted ?? true);
  if (!Array.isArray(sequences) || sequences.length === 0 || sequences.some((s) => !(s instanceof Tensor))) {
    throw new Error("tstorch: packSequence expects a non-empty array of Tensors");
  }
  return scope(() => packPaddedSequence(padSequence(sequences), sequences.map((s) => s.shape[0]), { enforceSorted }));
}

/** Splits a padded batch back into its sequences (torch.nn.utils.rnn.unpad_sequence). */
export function unpadSequence(paddedSequences: Tensor, lengths: Tensor | readonly number[], opts: { batchFirst?: boolean } | boolean = {}): Tensor[] {
  const batchFirst = typeof opts === "boolean" ? opts : (opts.batchFirst ?? false);
  return scope(() => {
    const lens = lengthsTensor(lengths, "unpadSequence");
    const x = batchFirst ? paddedSequences : paddedSequences.transpose(0, 1);
    const ls = Array.from(lens.toTypedArray() as BigInt64Array, Number);
    if (ls.length !== x.shape[0]) throw new Error(`tstorch: unpadSequence: ${ls.length} lengths for a batch of ${x.shape[0]}`);
    return ls.map((l, i) => x.select(0, i).narrow(0, 0, l));
  });
}

/** Splits a PackedSequence into its sequences, in the caller's order (torch.nn.utils.rnn.unpack_sequence). */
export function unpackSequence(packed: PackedSequence): Tensor[] {
  return scope(() => {
    const [padded, lengths] = padPackedSequence(packed, { batchFirst: true });
    return unpadSequence(padded, lengths, { batchFirst: true });
  });
}
