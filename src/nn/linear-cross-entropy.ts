// nn.LinearCrossEntropyLoss and nn.LinearCrossEntropyOptions (PyTorch 2.14): a Linear head fused
// with cross entropy, `loss = cross_entropy(linear(input, W, b), target)`, for heads whose
// num_classes is large (LLM vocabularies). PyTorch's options select a chunked implementation that
// never materialises the whole logits tensor; its value and gradients are the reference path's up to
// rounding. tstorch computes the reference path for every options value (the options are validated
// and kept, so code and reprs port unchanged), which gives PyTorch's numbers but not the memory saving.
import type { DType } from "../core/dtype.js";
import type { DeviceLike } from "../core/device.js";
import type { Reduction, Tensor } from "../core/tensor.js";
import { crossEntropy, linear } from "../core/functional.js";
import { scope } from "../core/scope.js";
import { linearCrossEntropy } from "./functional-losses.js";
import { Linear } from "./linear.js";
import { Module, pyFloat } from "./module.js";

const ACC_POLICIES = ["auto", "accurate", "compact"] as const;
const ACC_DTYPES: readonly DType[] = ["float16", "bfloat16", "float32", "float64"];

export interface LinearCrossEntropyOptionsInit {
  allowRetainGraph?: boolean;
  batchChunkSize?: number | null;
  /** "auto", "aspect_ratio", "aspect_ratio:N", or null (use batchChunkSize). */
  chunkingMethod?: string | null;
  accPolicy?: "accurate" | "compact" | "auto";
  accDtype?: DType | null;
}

/** PyTorch's frozen dataclass of chunking options, with its validation (__post_init__). */
export class LinearCrossEntropyOptions {
  readonly allowRetainGraph: boolean;
  readonly batchChunkSize: number | null;
  readonly chunkingMethod: string | null;
  readonly accPolicy: "accurate" | "compact" | "auto";
  readonly accDtype: DType | null;

  constructor(o: LinearCrossEntropyOptionsInit = {}) {
    this.allowRetainGraph = o.allowRetainGraph ?? false;
    this.batchChunkSize = o.batchChunkSize ?? null;
    this.chunkingMethod = o.chunkingMethod === undefined ? "auto" : o.chunkingMethod;
    this.accPolicy = o.accPolicy ?? "auto";
    this.accDtype = o.accDtype ?? null;
    if (!ACC_POLICIES.includes(this.accPolicy)) {
      throw new Error(`tstorch: invalid accPolicy: '${this.accPolicy}'; expected one of ${ACC_POLICIES.map((p) => `'${p}'`).join(", ")}`);
    }
    if (this.chunkingMethod !== null && this.chunkingMethod !== "auto") {
      const [name, factor] = this.chunkingMethod.split(/:(.*)/s);
      const f = factor ?? "1";
      if (!(name === "aspect_ratio" && /^\d+$/.test(f) && Number(f) > 0)) throw new Error(`tstorch: invalid chunkingMethod: '${this.chunkingMethod}'`);
    }
    if (!(this.batchChunkSize === null || (Number.isInteger(this.batchChunkSize) && this.batchChunkSize > 0))) {
      throw new Error(`tstorch: batchChunkSize must be positive int or null, got ${this.batchChunkSize}`);
    }
    if (this.accDtype !== null && !ACC_DTYPES.includes(this.accDtype)) {
      throw new Error(`tstorch: accDtype must be one of null, float16, bfloat16, float32, float64, got ${this.accDtype}. Pass accDtype: null to let the op pick automatically.`);
    }
    Object.freeze(this);
  }

  toString(): string {
    const s = (v: string | null): string => (v === null ? "None" : `'${v}'`);
    return `LinearCrossEntropyOptions(allow_retain_graph=${this.allowRetainGraph ? "True" : "False"}, batch_chunk_size=${this.batchChunkSize ?? "None"}, chunking_method=${s(this.chunkingMethod)}, acc_policy=${s(this.accPolicy)}, acc_dtype=${this.accDtype === null ? "None" : `torch.${this.accDtype}`})`;
  }
}

export interface LinearCrossEntropyLossOptions {
  /** Extra class dimensions (K-dimensional loss): the head has numClasses × prod(outFeatures) outputs. */
  outFeatures?: readonly number[];
  bias?: boolean;
  device?: DeviceLike;
  dtype?: DType;
  reduction?: Reduction;
  /** Class weights [numClasses]. */
  weight?: Tensor | null;
  /** null (the default) ignores no class... for probability targets; class-index targets use −100, as in PyTorch. */
  ignoreIndex?: number | null;
  labelSmoothing?: number;
  options?: LinearCrossEntropyOptions | null;
}

export class LinearCrossEntropyLoss extends Module<[Tensor, Tensor], Tensor> {
  declare weight: Tensor | null;
  readonly numClasses: number;
  readonly outFeatures: readonly number[];
  readonly reduction: Reduction;
  readonly ignoreIndex: number | null;
  readonly labelSmoothing: number;
  readonly options: LinearCrossEntropyOptions | null;
  readonly linear: Linear;

  /** PyTorch's LinearCrossEntropyLoss(in_features, num_classes, *, out_features=(), bias=False, ...). */
  constructor(inFeatures: number, numClasses: number, o: LinearCrossEntropyLossOptions = {}) {
    super();
    const weight = o.weight ?? null;
    if (weight !== null && (weight.dim() !== 1 || weight.shape[0] !== numClasses)) {
      throw new Error(`tstorch: expected weight shape to be (${numClasses},), got (${weight.shape.join(", ")}${weight.dim() === 1 ? "," : ""})`);
    }
    const labelSmoothing = o.labelSmoothing ?? 0;
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new Error(`tstorch: expected labelSmoothing to be in range [0, 1], got ${labelSmoothing}`);
    const reduction = o.reduction ?? "mean";
    if (!["mean", "sum", "none"].includes(reduction)) throw new Error(`tstorch: LinearCrossEntropyLoss: ${reduction} is not a valid value for reduction`);
    this.reduction = reduction;
    this.weight = this.registerBuffer("weight", weight);
    this.numClasses = numClasses;
    this.outFeatures = [...(o.outFeatures ?? [])];
    this.ignoreIndex = o.ignoreIndex ?? null;
    this.labelSmoothing = labelSmoothing;
    // Linear holds 2-d weights; forward reshapes them to (numClasses, ...outFeatures, inFeatures), as PyTorch does
    const outputs = this.outFeatures.reduce((a, b) => a * b, numClasses);
    this.linear = this.registerModule("linear", new Linear(inFeatures, outputs, { bias: o.bias ?? false, device: o.device, dtype: o.dtype }));
    this.options = o.options ?? null;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    if (this.outFeatures.length > 0) return this.forwardK(input, target);
    const inFeatures = this.linear.inFeatures;
    const w = this.linear.weight.reshape([this.numClasses, ...this.outFeatures, inFeatures]);
    const b = this.linear.bias === null ? null : this.linear.bias.reshape([this.numClasses, ...this.outFeatures]);
    try {
      return linearCrossEntropy(input, w, target, {
        linearBias: b, weight: this.weight, reduction: this.reduction, ignoreIndex: this.ignoreIndex ?? -100, labelSmoothing: this.labelSmoothing,
      });
    } finally {
      w.dispose();
      b?.dispose();
    }
  }

  /**
   * K-dimensional loss: aten::linear takes 2-d weights only, so the logits come from the flat
   * Linear ([N, C·prod(outFeatures)]) reshaped to [N, C, ...outFeatures]: the same numbers as
   * PyTorch's linear over the (C, ...outFeatures, inFeatures) weight.
   */
  private forwardK(input: Tensor, target: Tensor): Tensor {
    if (input.dim() !== 2) throw new Error(`tstorch: K-dimensional loss defined by outFeatures [${this.outFeatures.join(", ")}] requires batched input, (N, ${this.linear.inFeatures}), got input with shape [${input.shape.join(", ")}]`);
    return scope(() => {
      const logits = linear(input, this.linear.weight, this.linear.bias).reshape([input.shape[0], this.numClasses, ...this.outFeatures]);
      return crossEntropy(logits, target, { weight: this.weight, reduction: this.reduction, ignoreIndex: this.ignoreIndex ?? -100, labelSmoothing: this.labelSmoothing });
    });
  }

  override extraRepr(): string {
    const of = this.outFeatures.length === 1 ? `(${this.outFeatures[0]},)` : `(${this.outFeatures.join(", ")})`;
    return `in_features=${this.linear.inFeatures}, num_classes=${this.numClasses}, out_features=${of}, bias=${this.linear.bias !== null ? "True" : "False"}, reduction=${this.reduction}, ignore_index=${this.ignoreIndex ?? "None"}, label_smoothing=${pyFloat(this.labelSmoothing)}, options=${this.options === null ? "None" : String(this.options)}`;
  }
}
