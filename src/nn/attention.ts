// Scaled dot-product attention and nn.MultiheadAttention. scaledDotProductAttention uses libtorch's
// fused aten::scaled_dot_product_attention where the linked libtorch has it (2.x) and the same
// composite as PyTorch's documentation otherwise (1.13). MultiheadAttention follows
// F.multi_head_attention_forward: PyTorch's parameter names (in_proj_weight or q/k/v_proj_weight,
// in_proj_bias, bias_k, bias_v, out_proj.*) and its mask conventions (a bool mask is true where
// attention is NOT allowed; a float mask is added to the scores).
import { full, zeros } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { constant_, xavierNormal_, xavierUniform_ } from "./init.js";
import { Linear, ParamOptions } from "./linear.js";
import { mhaForward } from "./attention-forward.js";
import { Module } from "./module.js";

const aten = ops.aten;

export function isFloat(t: Tensor): boolean {
  return t.dtype === "float32" || t.dtype === "float64" || t.dtype === "float16" || t.dtype === "bfloat16";
}

/** A float [sz, sz] mask with -inf above the diagonal and 0 elsewhere (Transformer.generate_square_subsequent_mask). */
export function generateSquareSubsequentMask(sz: number, o: { dtype?: "float32" | "float64"; device?: string } = {}): Tensor {
  return scope(() => aten.triu(full([sz, sz], -Infinity, { dtype: o.dtype ?? "float32", device: o.device }), 1) as Tensor);
}

export interface ScaledDotProductAttentionOptions {
  /** Bool (true = may attend, as in PyTorch 2's SDPA) or float (added) mask broadcastable to [..., L, S]. */
  attnMask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  /** Default 1/√E. */
  scale?: number | null;
}

/**
 * softmax(q·kᵀ·scale + mask)·v over [..., L, E] queries and [..., S, E] keys / [..., S, Ev] values
 * (torch.nn.functional.scaled_dot_product_attention's semantics).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: ScaledDotProductAttentionOptions = {}): Tensor {
  const mask = o.attnMask ?? null;
  const isCausal = o.isCausal ?? false;
  if (mask !== null && isCausal) throw new Error("tstorch: scaledDotProductAttention: give either attnMask or isCausal, not both");
  if (mask !== null && mask.dtype !== "bool" && !isFloat(mask)) {
    throw new Error(`tstorch: scaledDotProductAttention: attnMask must be bool or floating, got ${mask.dtype}`);
  }
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) throw new Error("tstorch: scaledDotProductAttention expects q, k, v with at least 2 dimensions");
  const dropoutP = o.dropoutP ?? 0;
  // only in libtorch 2.x: typed where the linked libtorch has it, so looked up untyped here (an `in`
  // test on the typed object would narrow `aten` to never below on 2.x)
  const ops = aten as unknown as Record<string, (...a: unknown[]) => Tensor>;
  if ("scaled_dot_product_attention" in ops) {
    const kw = o.scale === undefined || o.scale === null ? {} : { scale: o.scale };
    return ops.scaled_dot_product_attention(q, k, v, mask, dropoutP, isCausal, kw);
  }
  return scope(() => {
    const L = q.shape[q.ndim - 2];
    const S = k.shape[k.ndim - 2];
    const scale = o.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]);
    let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
    if (isCausal) scores = scores.add(aten.triu(full([L, S], -Infinity, { dtype: q.dtype, device: q.device }), 1) as Tensor);
    if (mask !== null) scores = mask.dtype === "bool" ? scores.maskedFill(mask.logicalNot(), -Infinity) : scores.add(mask);
    let w = scores.softmax(-1);
    if (dropoutP > 0) w = w.dropout(dropoutP, true);
    return w.matmul(v);
  });
}

/** out_proj's class (PyTorch names it so that quantisation leaves it alone; it is a Linear). */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions extends Omit<ParamOptions, "init"> {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  bias?: boolean;
  addBiasKV?: boolean;
  addZeroAttn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  /** Inputs and outputs as [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** [N, S]: true (or -inf) for key positions to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool (true = not allowed) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Average the weights over heads (default true). */
  averageAttnWeights?: boolean;
  /** With no attnMask: apply a causal mask. */
  isCausal?: boolean;
}

export type MultiheadAttentionArgs = PyArgs<[
  dropout: number, bias: boolean, addBiasKV: boolean, addZeroAttn: boolean, kdim: number | null, vdim: number | null, batchFirst: boolean,
], MultiheadAttentionOptions>;
const MHA_NAMES = ["dropout", "bias", "addBiasKV", "addZeroAttn", "kdim", "vdim", "batchFirst"];

export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly qkvSameEmbedDim: boolean;
  declare inProjWeight: Tensor | null;
  declare qProjWeight: Tensor | null;
  declare kProjWeight: Tensor | null;
  declare vProjWeight: Tensor | null;
  declare inProjBias: Tensor | null;
  readonly outProj: NonDynamicallyQuantizableLinear;
  declare biasK: Tensor | null;
  declare biasV: Tensor | null;

  /** PyTorch's MultiheadAttention(embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, batch_first). */
  constructor(readonly embedDim: number, readonly numHeads: number, ...args: MultiheadAttentionArgs) {
    super();
    const opts = pyArgs<MultiheadAttentionOptions>("MultiheadAttention", MHA_NAMES, args);
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw new Error(`tstorch: MultiheadAttention embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0 || embedDim % numHeads !== 0) {
      throw new Error(`tstorch: MultiheadAttention embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    }
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    this.batchFirst = opts.batchFirst ?? false;
    this.addZeroAttn = opts.addZeroAttn ?? false;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    const bias = opts.bias ?? true;
    if (this.qkvSameEmbedDim) {
      this.inProjWeight = this.registerParameter("in_proj_weight", zeros([3 * embedDim, embedDim], t));
      this.qProjWeight = this.kProjWeight = this.vProjWeight = null;
    } else {
      this.qProjWeight = this.registerParameter("q_proj_weight", zeros([embedDim, embedDim], t));
      this.kProjWeight = this.registerParameter("k_proj_weight", zeros([embedDim, this.kdim], t));
      this.vProjWeight = this.registerParameter("v_proj_weight", zeros([embedDim, this.vdim], t));
      this.inProjWeight = this.registerParameter("in_proj_weight", null);
    }
    this.inProjBias = this.registerParameter("in_proj_bias", bias ? zeros([3 * embedDim], t) : null);
    this.outProj = this.registerModule("out_proj", new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...t }));
    const kv = opts.addBiasKV ?? false;
    this.biasK = this.registerParameter("bias_k", kv ? zeros([1, 1, embedDim], t) : null);
    this.biasV = this.registerParameter("bias_v", kv ? zeros([1, 1, embedDim], t) : null);
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v. */
  resetParameters(): void {
    if (this.inProjWeight !== null) xavierUniform_(this.inProjWeight);
    else for (const w of [this.qProjWeight!, this.kProjWeight!, this.vProjWeight!]) xavierUniform_(w);
    if (this.inProjBias !== null) {
      constant_(this.inProjBias, 0);
      if (this.outProj.bias !== null) constant_(this.outProj.bias, 0);
    }
    if (this.biasK !== null) xavierNormal_(this.biasK);
    if (this.biasV !== null) xavierNormal_(this.biasV);
  }

  /** Returns [attention output, weights or null]: outputs [L, N, E] ([N, L, E] with batchFirst; [L, E] unbatched). */
  forward(query: Tensor, key: Tensor, value: Tensor, o: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`tstorch: MultiheadAttention: query should be unbatched 2-D or batched 3-D, got ${query.ndim}-D`);
    const bf = this.batchFirst && query.ndim === 3;
    return scope(() => {
      // F.multi_head_attention_forward takes [L, N, E]
      const [q, k, v] = bf ? [query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)] : [query, key, value];
      const [out, w] = mhaForward("MultiheadAttention", q, k, v, this.embedDim, this.numHeads, {
        inProjWeight: this.inProjWeight, inProjBias: this.inProjBias, biasK: this.biasK, biasV: this.biasV, addZeroAttn: this.addZeroAttn,
        dropoutP: this.dropout, outProjWeight: this.outProj.weight, outProjBias: this.outProj.bias, training: this.training,
        keyPaddingMask: o.keyPaddingMask, needWeights: o.needWeights, attnMask: o.attnMask, isCausal: o.isCausal,
        useSeparateProjWeight: !this.qkvSameEmbedDim, qProjWeight: this.qProjWeight, kProjWeight: this.kProjWeight, vProjWeight: this.vProjWeight,
        averageAttnWeights: o.averageAttnWeights,
      });
      return [bf ? out.transpose(0, 1) : out, w];
    }) as [Tensor, Tensor | null];
  }

  override extraRepr(): string {
    return "";
  }
}
