// F.multi_head_attention_forward: multi-head attention over [L, N, E] queries (or unbatched [L, E])
// with explicit projection weights, PyTorch's mask conventions (a bool mask is true where attention is
// NOT allowed; a float mask is added to the scores) and its order of operations. nn.MultiheadAttention's
// forward is this function on its parameters (one home).
import { zeros } from "../core/creation.js";
import { linear } from "../core/functional.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { generateSquareSubsequentMask, isFloat } from "./attention.js";

const aten = ops.aten;

export interface MultiHeadAttentionForwardOptions {
  inProjWeight?: Tensor | null;
  inProjBias?: Tensor | null;
  biasK?: Tensor | null;
  biasV?: Tensor | null;
  addZeroAttn?: boolean;
  dropoutP?: number;
  outProjWeight?: Tensor;
  outProjBias?: Tensor | null;
  /** Dropout applies only in training (default true). */
  training?: boolean;
  /** [N, S] ([S] unbatched): true (or −inf) for key positions to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool (true = not allowed) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** With no attnMask: apply a causal mask. */
  isCausal?: boolean;
  /** Separate q/k/v projection weights (key and value sizes other than the embedding's). */
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  /** Average the weights over heads (default true). */
  averageAttnWeights?: boolean;
}

/** Converts a bool or float mask to an additive float mask, checking its dtype. */
function additiveMask(what: string, mask: Tensor, name: string, dtype: Tensor["dtype"]): Tensor {
  if (!(mask instanceof Tensor)) throw new Error(`tstorch: ${what}: ${name} must be a Tensor`);
  if (mask.dtype === "bool") return zeros(mask.shape, { dtype, device: mask.device }).maskedFill(mask, -Infinity);
  if (!isFloat(mask)) throw new Error(`tstorch: ${what}: only bool and floating types of ${name} are supported, got ${mask.dtype}`);
  return mask.dtype === dtype ? mask : mask.to(dtype);
}

/** The attention mask as [1 or N·H, L, S], checked against PyTorch's two accepted shapes. */
function attnMask3d(what: string, m: Tensor, L: number, S: number, NH: number): Tensor {
  if (m.ndim === 2) {
    if (!sameShape(m.shape, [L, S])) throw new Error(`tstorch: ${what}: the shape of the 2-D attnMask is ${shapeString(m.shape)}, but should be [${L}, ${S}] ([target length, source length])`);
    return m.unsqueeze(0);
  }
  if (m.ndim === 3) {
    if (!sameShape(m.shape, [NH, L, S])) {
      throw new Error(`tstorch: ${what}: the shape of the 3-D attnMask is ${shapeString(m.shape)}, but should be [${NH}, ${L}, ${S}] ([batch·numHeads, target length, source length])`);
    }
    return m;
  }
  throw new Error(`tstorch: ${what}: attnMask must be 2-D or 3-D, got ${m.ndim}-D`);
}

/** The q, k, v projections: one packed weight [3E, E] or three separate ones. */
function project(what: string, q: Tensor, k: Tensor, v: Tensor, o: MultiHeadAttentionForwardOptions): [Tensor, Tensor, Tensor] {
  const b = o.inProjBias ?? null;
  const [bq, bk, bv] = b === null ? [null, null, null] : b.chunk(3);
  if (!(o.useSeparateProjWeight ?? false)) {
    const w = o.inProjWeight ?? null;
    if (w === null) throw new Error(`tstorch: ${what}: useSeparateProjWeight is false but inProjWeight is null`);
    if (q === k && k === v) return linear(q, w, b).chunk(3, -1) as [Tensor, Tensor, Tensor];
    const [wq, wk, wv] = w.chunk(3);
    return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
  }
  const [wq, wk, wv] = [o.qProjWeight ?? null, o.kProjWeight ?? null, o.vProjWeight ?? null];
  if (wq === null || wk === null || wv === null) throw new Error(`tstorch: ${what}: useSeparateProjWeight is true but qProjWeight, kProjWeight or vProjWeight is null`);
  if (k.shape[2] !== wk.shape[1] || v.shape[2] !== wv.shape[1]) {
    throw new Error(`tstorch: ${what}: expected key and value feature sizes ${wk.shape[1]} and ${wv.shape[1]}, got ${k.shape[2]} and ${v.shape[2]}`);
  }
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/** The body of F.multi_head_attention_forward, `what` naming the caller in errors. */
export function mhaForward(
  what: string, query: Tensor, key: Tensor, value: Tensor, embedDim: number, numHeads: number, o: MultiHeadAttentionForwardOptions,
): [Tensor, Tensor | null] {
  const batched = query.ndim === 3;
  if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`tstorch: ${what}: query should be unbatched 2-D or batched 3-D, got ${query.ndim}-D`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new Error(`tstorch: ${what}: key and value must be ${query.ndim}-D like the query, got ${key.ndim}-D and ${value.ndim}-D`);
  }
  if (o.outProjWeight === undefined) throw new Error(`tstorch: ${what}: outProjWeight is required`);
  const outW = o.outProjWeight;
  return scope(() => {
    const [q, k, v] = batched ? [query, key, value] : [query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)];
    const [L, N, E] = q.shape;
    const S = k.shape[0];
    const H = numHeads;
    const hd = embedDim / numHeads;
    if (E !== embedDim) throw new Error(`tstorch: ${what}: was expecting embedding dimension of ${embedDim}, but got ${E}`);
    if (k.shape[1] !== N || v.shape[1] !== N) throw new Error(`tstorch: ${what}: query, key and value must have the same batch size`);
    if (k.shape[0] !== v.shape[0]) throw new Error(`tstorch: ${what}: key's sequence length ${k.shape[0]} does not match value's ${v.shape[0]}`);
    const dtype = q.dtype;
    let mask = o.attnMask ?? null;
    if (mask === null && o.isCausal === true) mask = generateSquareSubsequentMask(L, { dtype: dtype as "float32", device: String(q.device) });
    if (mask !== null) mask = attnMask3d(what, additiveMask(what, mask, "attn_mask", dtype), L, S, N * H);
    let kpm = o.keyPaddingMask ?? null;
    if (kpm !== null) {
      const expected = batched ? [N, S] : [S];
      if (kpm instanceof Tensor && !sameShape(kpm.shape, expected)) {
        throw new Error(`tstorch: ${what}: expecting keyPaddingMask of shape ${shapeString(expected)} ([batch, source length]), got ${shapeString(kpm.shape)}`);
      }
      kpm = additiveMask(what, kpm, "key_padding_mask", dtype);
      if (!batched) kpm = kpm.unsqueeze(0);
    }
    let [qp, kp, vp] = project(what, q, k, v, o);
    const biasK = o.biasK ?? null;
    const biasV = o.biasV ?? null;
    if (biasK !== null && biasV !== null) {
      kp = aten.cat([kp, biasK.repeat(1, N, 1)], 0) as Tensor;
      vp = aten.cat([vp, biasV.repeat(1, N, 1)], 0) as Tensor;
      if (mask !== null) mask = mask.pad([0, 1]);
      if (kpm !== null) kpm = kpm.pad([0, 1]);
    }
    // heads: [N·H, len, hd]
    qp = qp.reshape(L, N * H, hd).transpose(0, 1);
    kp = kp.reshape(kp.shape[0], N * H, hd).transpose(0, 1);
    vp = vp.reshape(vp.shape[0], N * H, hd).transpose(0, 1);
    if (o.addZeroAttn ?? false) {
      kp = aten.cat([kp, zeros([N * H, 1, hd], { dtype, device: kp.device })], 1) as Tensor;
      vp = aten.cat([vp, zeros([N * H, 1, hd], { dtype, device: vp.device })], 1) as Tensor;
      if (mask !== null) mask = mask.pad([0, 1]);
      if (kpm !== null) kpm = kpm.pad([0, 1]);
    }
    const srcLen = kp.shape[1];
    if (kpm !== null) {
      const m = kpm.view(N, 1, 1, srcLen).expand(-1, H, -1, -1).reshape(N * H, 1, srcLen);
      mask = mask === null ? m : mask.add(m);
    }
    const p = (o.training ?? true) ? (o.dropoutP ?? 0) : 0;
    let scores = qp.mul(1 / Math.sqrt(hd)).bmm(kp.transpose(-2, -1));
    if (mask !== null) scores = scores.add(mask);
    let w = scores.softmax(-1);
    if (p > 0) w = w.dropout(p, true);
    let out = w.bmm(vp); // [N·H, L, hd]
    out = out.transpose(0, 1).contiguous().view(L * N, E);
    out = linear(out, outW, o.outProjBias ?? null).view(L, N, E);
    if (!batched) out = out.squeeze(1);
    if (!(o.needWeights ?? true)) return [out, null];
    let weights = w.view(N, H, L, srcLen);
    if (o.averageAttnWeights ?? true) weights = weights.mean(1);
    if (!batched) weights = weights.squeeze(0);
    return [out, weights];
  }) as [Tensor, Tensor | null];
}

const FN_NAMES = [
  "training", "keyPaddingMask", "needWeights", "attnMask", "useSeparateProjWeight", "qProjWeight", "kProjWeight", "vProjWeight", "staticK", "staticV",
  "averageAttnWeights",
];

/**
 * F.multi_head_attention_forward(query, key, value, embedDimToCheck, numHeads, inProjWeight,
 * inProjBias, biasK, biasV, addZeroAttn, dropoutP, outProjWeight, outProjBias, training?,
 * keyPaddingMask?, needWeights?, attnMask?, useSeparateProjWeight?, qProjWeight?, kProjWeight?,
 * vProjWeight?, staticK?, staticV?, averageAttnWeights?) → [output [L, N, E], weights or null].
 * staticK / staticV (precomputed keys and values) are not supported.
 */
export function multiHeadAttentionForward(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number, inProjWeight: Tensor | null, inProjBias: Tensor | null,
  biasK: Tensor | null, biasV: Tensor | null, addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  ...args: PyArgs<[
    training: boolean, keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, useSeparateProjWeight: boolean,
    qProjWeight: Tensor | null, kProjWeight: Tensor | null, vProjWeight: Tensor | null, staticK: null, staticV: null, averageAttnWeights: boolean,
  ], MultiHeadAttentionForwardOptions & { staticK?: null; staticV?: null }>
): [Tensor, Tensor | null] {
  const what = "multiHeadAttentionForward";
  const o = pyArgs<MultiHeadAttentionForwardOptions & { staticK?: Tensor | null; staticV?: Tensor | null }>(what, FN_NAMES, args);
  if ((o.staticK ?? null) !== null || (o.staticV ?? null) !== null) throw new Error(`tstorch: ${what}: staticK and staticV are not supported`);
  if (!Number.isInteger(numHeads) || numHeads <= 0 || embedDimToCheck % numHeads !== 0) {
    throw new Error(`tstorch: ${what}: embedDim (${embedDimToCheck}) must be divisible by numHeads (${numHeads})`);
  }
  return mhaForward(what, query, key, value, embedDimToCheck, numHeads, {
    ...o, inProjWeight, inProjBias, biasK, biasV, addZeroAttn, dropoutP, outProjWeight, outProjBias,
  });
}
