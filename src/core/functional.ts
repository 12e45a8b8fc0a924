// torch.nn.functional, camelCased. Thin calls into libtorch's own kernels.
import { callPooled } from "./handle-pool.js";
import { native } from "./native.js";
import { opIds } from "./op-ids.js";
import { checkClassTargets, Reduction, reductionCode, Tensor, wrap } from "./tensor.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "linear", "conv2d", "conv_transpose2d_input", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "dropout",
  "batch_norm", "layer_norm", "cross_entropy_loss", "nll_loss_nd", "mse_loss", "l1_loss",
  "binary_cross_entropy_with_logits"
);

const call = callPooled;
type IntOrPair = number | readonly number[];

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(call(aten.linear, x._h, weight._h, bias ? bias._h : null));
}

export interface Conv2dOptions {
  stride?: IntOrPair;
  /** An int, a pair, or "same"/"valid" as in PyTorch. */
  padding?: IntOrPair | "same" | "valid";
  dilation?: IntOrPair;
  groups?: number;
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  let padding = o.padding ?? 0;
  if (padding === "valid") padding = 0;
  if (padding === "same") {
    const stride = typeof o.stride === "number" ? [o.stride, o.stride] : (o.stride ?? [1, 1]);
    if (stride.some((s) => s !== 1)) throw new Error("tstorch: conv2d padding='same' needs stride 1 (as in PyTorch)");
    const dil = typeof o.dilation === "number" ? [o.dilation, o.dilation] : (o.dilation ?? [1, 1]);
    const [kh, kw] = weight.shape.slice(2);
    const total = [dil[0] * (kh - 1), dil[1] * (kw - 1)];
    if (total.every((t) => t % 2 === 0)) {
      padding = [total[0] / 2, total[1] / 2];
    } else {
      // uneven: pad the extra row/column on the bottom/right like PyTorch, then convolve unpadded
      const padded = x.pad([Math.floor(total[1] / 2), Math.ceil(total[1] / 2), Math.floor(total[0] / 2), Math.ceil(total[0] / 2)]);
      try {
        return wrap(call(aten.conv2d, padded._h, weight._h, bias ? bias._h : null, o.stride ?? 1, 0, o.dilation ?? 1, o.groups ?? 1));
      } finally {
        padded.dispose();
      }
    }
  }
  return wrap(call(aten.conv2d, x._h, weight._h, bias ? bias._h : null, o.stride ?? 1, padding, o.dilation ?? 1, o.groups ?? 1));
}

export interface ConvTranspose2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  dilation?: IntOrPair;
}

export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTranspose2dOptions = {}): Tensor {
  return wrap(
    call(aten.conv_transpose2d_input, x._h, weight._h, bias ? bias._h : null, o.stride ?? 1, o.padding ?? 0, o.outputPadding ?? 0, o.groups ?? 1, o.dilation ?? 1),
  );
}

export interface Pool2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
}
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, o: Pool2dOptions = {}): Tensor {
  return wrap(call(aten.max_pool2d, x._h, kernelSize, o.stride ?? [], o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false));
}
export function avgPool2d(x: Tensor, kernelSize: IntOrPair, o: Omit<Pool2dOptions, "dilation"> & { countIncludePad?: boolean } = {}): Tensor {
  return wrap(call(aten.avg_pool2d, x._h, kernelSize, o.stride ?? [], o.padding ?? 0, o.ceilMode ?? false, o.countIncludePad ?? true, null));
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: IntOrPair): Tensor {
  return wrap(call(aten.adaptive_avg_pool2d, x._h, outputSize));
}

export const relu = (x: Tensor): Tensor => x.relu();
export const gelu = (x: Tensor, approximate: "none" | "tanh" = "none"): Tensor => x.gelu(approximate);
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new Error(`tstorch: dropout probability has to be between 0 and 1, but got ${p}`);
  return wrap(call(aten.dropout, x._h, p, training));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}
/** Batch normalisation; in training mode the running statistics are updated in place. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  return wrap(
    call(aten.batch_norm, x._h, o.weight ? o.weight._h : null, o.bias ? o.bias._h : null, runningMean ? runningMean._h : null,
      runningVar ? runningVar._h : null, o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5, true),
  );
}
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return wrap(call(aten.layer_norm, x._h, [...normalizedShape], weight ? weight._h : null, bias ? bias._h : null, eps, true));
}

export interface LossOptions {
  reduction?: Reduction;
}
export interface CrossEntropyOptions extends LossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  labelSmoothing?: number;
}
/** Cross-entropy of logits [N, C, ...] against class indices [N, ...] (int64) or class probabilities. */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  checkClassTargets("crossEntropy", input, target, true);
  return wrap(
    call(aten.cross_entropy_loss, input._h, target._h, o.weight ? o.weight._h : null, reductionCode(o.reduction ?? "mean"),
      o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}
export function nllLoss(input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, "labelSmoothing"> = {}): Tensor {
  checkClassTargets("nllLoss", input, target, false);
  return wrap(call(aten.nll_loss_nd, input._h, target._h, o.weight ? o.weight._h : null, reductionCode(o.reduction ?? "mean"), o.ignoreIndex ?? -100));
}
export function mseLoss(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return wrap(call(aten.mse_loss, input._h, target._h, reductionCode(o.reduction ?? "mean")));
}
export function l1Loss(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return wrap(call(aten.l1_loss, input._h, target._h, reductionCode(o.reduction ?? "mean")));
}
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return wrap(call(aten.binary_cross_entropy_with_logits, input._h, target._h, null, null, reductionCode(o.reduction ?? "mean")));
}

// every ATen operator of PyTorch's torch._C._nn (mseLoss, softplus, upsampleBilinear2d, ...), typed
// and generated; the hand-written functions above take precedence by name
export * from "../generated/nn-functions.js";
