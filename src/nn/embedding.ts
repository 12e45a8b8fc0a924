// nn.Embedding and nn.EmbeddingBag: lookup tables with PyTorch's options and state_dict name
// ("weight", [numEmbeddings, embeddingDim]), computed by aten::embedding / aten::embedding_bag.
import { noGrad } from "../core/autograd.js";
import { arange, empty } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { torchAtLeast } from "../core/runtime.js";

const aten = ops.aten;

export interface EmbeddingOptions {
  /** Row whose gradient is always zero (and, with init "torch", whose initial value is zero); negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up are renormalised in place to at most this `normType`-norm (PyTorch's max_norm). */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
  /** An initial weight to use instead of a random one (PyTorch's _weight). */
  weight?: Tensor;
  /** "torch": N(0, 1) with the padding row zeroed; "tch": N(0, 1) (tch's Init::Randn, padding row kept). */
  init?: "torch" | "tch";
  dtype?: DType;
  device?: DeviceLike;
}

function checkPaddingIdx(paddingIdx: number | null | undefined, num: number, what = "Embedding"): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) {
    throw new Error(`tstorch: ${what} paddingIdx must be within the number of embeddings [${-num}, ${num}), got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * Checks indices before libtorch sees them: an out-of-range index is a clear Error here, where on
 * CUDA it would be a device-side assert that kills the process. On the CPU libtorch's own check is
 * kept (no host sync in the hot path) and its message is rewritten to name the layer.
 */
export function checkIndices(what: string, input: Tensor, num: number): void {
  if (!(input instanceof Tensor)) throw new Error(`tstorch: ${what} expects a Tensor of indices, got ${typeof input}`);
  if (input.dtype !== "int64" && input.dtype !== "int32") {
    throw new Error(`tstorch: ${what} expects indices of dtype int64 or int32, got ${input.dtype}`);
  }
  if (input.device.type !== "cpu" && input.numel() > 0) rangeCheck(what, input, num);
}

function rangeCheck(what: string, input: Tensor, num: number): void {
  const lo = input.min();
  const hi = input.max();
  const [a, b] = [Number(lo.item()), Number(hi.item())];
  lo.dispose();
  hi.dispose();
  if (a < 0 || b >= num) {
    throw new Error(`tstorch: ${what} index out of range: indices must be in [0, ${num}), got ${a < 0 ? a : b}`);
  }
}

/** Runs a lookup; libtorch's "index out of range" becomes an Error naming the layer and the bad index. */
export function withIndexCheck<T>(what: string, input: Tensor, num: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /index out of range|out of bounds/i.test(e.message)) rangeCheck(what, input, num);
    throw e;
  }
}

/** The lookup options F.embedding takes after (input, weight), in its positional order. */
export interface EmbeddingLookupOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}
const LOOKUP_NAMES = ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"];

/** F.embedding(input, weight, paddingIdx?, maxNorm?, normType?, scaleGradByFreq?, sparse?): rows of weight at the indices. */
export function embedding(
  input: Tensor, weight: Tensor,
  ...args: PyArgs<[paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean], EmbeddingLookupOptions>
): Tensor {
  return lookup("embedding", input, weight, pyArgs<EmbeddingLookupOptions>("embedding", LOOKUP_NAMES, args));
}

/** maxNorm renormalises the looked-up rows of weight in place, outside autograd (PyTorch's _no_grad_embedding_renorm_). */
function renorm(weight: Tensor, input: Tensor, maxNorm: number | null | undefined, normType: number | undefined): void {
  if (maxNorm !== null && maxNorm !== undefined) noGrad(() => aten.embedding_renorm_(weight, input, maxNorm, normType ?? 2));
}

function lookup(what: string, input: Tensor, weight: Tensor, o: EmbeddingLookupOptions): Tensor {
  const num = weight.shape[0];
  const paddingIdx = checkPaddingIdx(o.paddingIdx, num, what);
  checkIndices(what, input, num);
  return withIndexCheck(what, input, num, () => {
    renorm(weight, input, o.maxNorm, o.normType);
    return aten.embedding(weight, input, paddingIdx ?? -1, o.scaleGradByFreq ?? false, o.sparse ?? false) as Tensor;
  });
}

/** N(0, 1) rows, the padding row zeroed (PyTorch's reset_parameters of Embedding and EmbeddingBag). */
function initRows(weight: Tensor, paddingIdx: number | null): void {
  normal_(weight);
  if (paddingIdx === null) return;
  noGrad(() => {
    const r = weight.select(0, paddingIdx);
    r.fill_(0);
    r.dispose();
  });
}

/** What follows (numEmbeddings, embeddingDim) in PyTorch's Embedding: padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse. */
export type EmbeddingArgs = PyArgs<
  [paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean],
  EmbeddingOptions
>;

export class Embedding extends Module {
  declare weight: Tensor;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, ...args: EmbeddingArgs) {
    super();
    const opts = pyArgs<EmbeddingOptions>("Embedding", ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"], args);
    if (!Number.isInteger(numEmbeddings) || numEmbeddings <= 0) throw new Error(`tstorch: Embedding numEmbeddings must be a positive integer, got ${numEmbeddings}`);
    if (!Number.isInteger(embeddingDim) || embeddingDim <= 0) throw new Error(`tstorch: Embedding embeddingDim must be a positive integer, got ${embeddingDim}`);
    this.paddingIdx = checkPaddingIdx(opts.paddingIdx, numEmbeddings);
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.scaleGradByFreq = opts.scaleGradByFreq ?? false;
    this.sparse = opts.sparse ?? false;
    if (opts.weight !== undefined) {
      const s = opts.weight.shape;
      if (s.length !== 2 || s[0] !== numEmbeddings || s[1] !== embeddingDim) {
        throw new Error(`tstorch: Embedding weight must have shape [${numEmbeddings}, ${embeddingDim}], got [${s.join(", ")}]`);
      }
      this.weight = this.registerParameter("weight", new Parameter(opts.weight));
    } else {
      const t = { dtype: opts.dtype ?? "float32", device: opts.device };
      this.weight = this.registerParameter("weight", empty([numEmbeddings, embeddingDim], t));
      this.resetParameters(opts.init ?? "torch");
    }
  }

  /** PyTorch's Embedding.from_pretrained: `embeddings` [num, dim] becomes the weight (frozen unless freeze: false). */
  static fromPretrained(embeddings: Tensor, opts: Omit<EmbeddingOptions, "weight" | "init" | "dtype" | "device"> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new Error(`tstorch: Embedding.fromPretrained expects a 2-D tensor, got ${embeddings.ndim}-D`);
    const [n, d] = embeddings.shape;
    const e = new Embedding(n, d, { ...opts, weight: embeddings });
    e.weight.requiresGrad_(!(opts.freeze ?? true));
    return e;
  }

  resetParameters(scheme: "torch" | "tch" = "torch"): void {
    initRows(this.weight, scheme === "torch" ? this.paddingIdx : null);
  }

  forward(input: Tensor): Tensor {
    return lookup("Embedding", input, this.weight, this);
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, norm_type=${this.normType}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    if (this.sparse) s += ", sparse=True";
    return s;
  }
}

export type EmbeddingBagMode = "sum" | "mean" | "max";
const MODES: Record<EmbeddingBagMode, number> = { sum: 0, mean: 1, max: 2 };

export interface EmbeddingBagOptions extends Omit<EmbeddingOptions, "init"> {
  mode?: EmbeddingBagMode;
  includeLastOffset?: boolean;
}

/** The options F.embedding_bag takes after (input, weight). */
export interface EmbeddingBagLookupOptions extends Omit<EmbeddingLookupOptions, "paddingIdx"> {
  offsets?: Tensor | null;
  mode?: EmbeddingBagMode;
  perSampleWeights?: Tensor | null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}
type BagArgs = PyArgs<[
  offsets: Tensor | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, mode: EmbeddingBagMode, sparse: boolean,
  perSampleWeights: Tensor | null, includeLastOffset: boolean, paddingIdx: number | null,
], EmbeddingBagLookupOptions>;
const BAG_NAMES = ["offsets", "maxNorm", "normType", "scaleGradByFreq", "mode", "sparse", "perSampleWeights", "includeLastOffset", "paddingIdx"];

/**
 * F.embedding_bag(input, weight, offsets?, maxNorm?, normType?, scaleGradByFreq?, mode?, sparse?,
 * perSampleWeights?, includeLastOffset?, paddingIdx?): the sums, means or maxima of the rows of each
 * bag; bags are the rows of a 2-D input or given by offsets into a 1-D one.
 */
export function embeddingBag(input: Tensor, weight: Tensor, ...args: BagArgs): Tensor {
  return bagLookup("embeddingBag", input, weight, pyArgs<EmbeddingBagLookupOptions>("embeddingBag", BAG_NAMES, args));
}

function bagLookup(what: string, input: Tensor, weight: Tensor, o: EmbeddingBagLookupOptions): Tensor {
  const num = weight.shape[0];
  const mode = o.mode ?? "mean";
  if (!(mode in MODES)) throw new Error(`tstorch: ${what} mode must be 'sum', 'mean' or 'max', got '${mode}'`);
  if (mode === "max" && (o.scaleGradByFreq ?? false)) throw new Error(`tstorch: ${what}: max mode does not support scaling the gradient by the frequency`);
  const paddingIdx = checkPaddingIdx(o.paddingIdx, num, what);
  checkIndices(what, input, num);
  const offsets = o.offsets ?? null;
  let psw = o.perSampleWeights ?? null;
  if (psw !== null && mode !== "sum") throw new Error(`tstorch: ${what} perSampleWeights is only supported for mode='sum', got mode='${mode}'`);
  if (psw !== null && !sameShape(psw.shape, input.shape)) {
    throw new Error(`tstorch: ${what}: perSampleWeights ${shapeString(psw.shape)} must have the same shape as the input ${shapeString(input.shape)}`);
  }
  return withIndexCheck(what, input, num, () => scope(() => {
    let flat = input;
    let off = offsets;
    if (input.ndim === 2) {
      if (offsets !== null) throw new Error(`tstorch: ${what} offsets must be null when the input is 2-D (each row is a bag)`);
      const [b, n] = input.shape;
      off = arange(0, b * n, n, { dtype: input.dtype, device: input.device });
      flat = input.reshape(-1);
      if (psw !== null) psw = psw.reshape(-1);
    } else if (input.ndim === 1) {
      if (offsets === null) throw new Error(`tstorch: ${what} offsets are required when the input is 1-D`);
      if (offsets.ndim !== 1) throw new Error(`tstorch: ${what} offsets must be 1-D, got ${offsets.ndim}-D`);
    } else {
      throw new Error(`tstorch: ${what} input must be 1-D or 2-D, got ${input.ndim}-D`);
    }
    renorm(weight, flat, o.maxNorm, o.normType);
    const outs = aten.embedding_bag.padding_idx(
      weight, flat, off!, o.scaleGradByFreq ?? false, MODES[mode], o.sparse ?? false, psw, o.includeLastOffset ?? false, paddingIdx,
    ) as Tensor[];
    return outs[0];
  }));
}

/** What follows (numEmbeddings, embeddingDim) in PyTorch's EmbeddingBag: max_norm, norm_type, scale_grad_by_freq, mode, sparse, _weight, include_last_offset, padding_idx. */
export type EmbeddingBagArgs = PyArgs<[
  maxNorm: number | null, normType: number, scaleGradByFreq: boolean, mode: EmbeddingBagMode, sparse: boolean, weight: Tensor | undefined,
  includeLastOffset: boolean, paddingIdx: number | null,
], EmbeddingBagOptions>;

/** Sums, averages or maxes the embeddings of each bag; bags are rows of a 2-D input or given by offsets into a 1-D one. */
export class EmbeddingBag extends Module<[Tensor, (Tensor | null)?, (Tensor | null)?], Tensor> {
  declare weight: Tensor;
  readonly mode: EmbeddingBagMode;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  readonly includeLastOffset: boolean;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, ...args: EmbeddingBagArgs) {
    super();
    const opts = pyArgs<EmbeddingBagOptions>("EmbeddingBag", ["maxNorm", "normType", "scaleGradByFreq", "mode", "sparse", "weight", "includeLastOffset", "paddingIdx"], args);
    this.mode = opts.mode ?? "mean";
    if (!(this.mode in MODES)) throw new Error(`tstorch: EmbeddingBag mode must be 'sum', 'mean' or 'max', got '${this.mode}'`);
    this.paddingIdx = checkPaddingIdx(opts.paddingIdx, numEmbeddings);
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.scaleGradByFreq = opts.scaleGradByFreq ?? false;
    this.sparse = opts.sparse ?? false;
    this.includeLastOffset = opts.includeLastOffset ?? false;
    if (opts.weight !== undefined) {
      this.weight = this.registerParameter("weight", new Parameter(opts.weight));
    } else {
      this.weight = this.registerParameter("weight", empty([numEmbeddings, embeddingDim], { dtype: opts.dtype ?? "float32", device: opts.device }));
      initRows(this.weight, this.paddingIdx);
    }
  }

  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    const { maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx } = this;
    return bagLookup("EmbeddingBag", input, this.weight, { offsets, perSampleWeights, maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, norm_type=${this.normType}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    // PyTorch 2 formats every field with repr() (mode='sum'); 1.13 formatted them plainly
    s += torchAtLeast(2, 0) ? `, mode='${this.mode}'` : `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
