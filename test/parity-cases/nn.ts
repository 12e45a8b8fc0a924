// PyTorch parity cases: convolution, pooling, linear; losses; activations and normalisation (run by test/parity.test.ts).
import type { ParityCase } from "../helpers/parity.js";
import { F } from "./common.js";

export const nnCases: ParityCase[] = [
  // ------------------------------------------------------------ nn: convolution, pooling, linear
  {
    op: "conv2d", name: "3->4 channels, 3x3, padding 1, bias",
    inputs: { x: { shape: [2, 3, 7, 7] }, w: { shape: [4, 3, 3, 3] }, b: { shape: [4] } },
    ts: ({ x, w, b }) => F.conv2d(x, w, b, { padding: 1 }),
    py: "F.conv2d(x, w, b, padding=1)",
  },
  {
    op: "conv2d", name: "stride 2, dilation 2, groups 2, no bias",
    inputs: { x: { shape: [2, 4, 11, 11] }, w: { shape: [6, 2, 3, 3] } },
    ts: ({ x, w }) => F.conv2d(x, w, null, { stride: 2, dilation: 2, groups: 2 }),
    py: "F.conv2d(x, w, None, stride=2, dilation=2, groups=2)",
  },
  {
    op: "conv2d", name: "padding 'same' with an even 4x3 kernel (uneven padding)",
    inputs: { x: { shape: [1, 2, 6, 7] }, w: { shape: [3, 2, 4, 3] }, b: { shape: [3] } },
    ts: ({ x, w, b }) => F.conv2d(x, w, b, { padding: "same" }),
    py: "F.conv2d(x, w, b, padding='same')",
  },
  {
    op: "convTranspose2d", name: "stride 2, padding 1, outputPadding 1, bias",
    inputs: { x: { shape: [2, 4, 5, 5] }, w: { shape: [4, 3, 3, 3] }, b: { shape: [3] } },
    ts: ({ x, w, b }) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    py: "F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)",
  },
  {
    op: "convTranspose2d", name: "stride 2, 2x2 kernel, no bias",
    inputs: { x: { shape: [1, 3, 4, 4] }, w: { shape: [3, 2, 2, 2] } },
    ts: ({ x, w }) => F.convTranspose2d(x, w, null, { stride: 2 }),
    py: "F.conv_transpose2d(x, w, None, stride=2)",
  },
  {
    op: "maxPool2d", name: "2x2 (stride = kernel)",
    inputs: { x: { shape: [2, 3, 8, 8] } },
    ts: ({ x }) => F.maxPool2d(x, 2),
    py: "F.max_pool2d(x, 2)",
  },
  {
    op: "maxPool2d", name: "3x3, stride 2, padding 1, ceilMode",
    inputs: { x: { shape: [2, 2, 9, 9] } },
    ts: ({ x }) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
    py: "F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)",
  },
  {
    op: "maxPool2d", name: "Tensor.maxPool2d method, 2x2 stride 1",
    inputs: { x: { shape: [1, 2, 5, 5] } },
    ts: ({ x }) => x.maxPool2d(2, 1),
    py: "F.max_pool2d(x, 2, 1)",
  },
  {
    op: "avgPool2d", name: "2x2",
    inputs: { x: { shape: [2, 3, 8, 8] } },
    ts: ({ x }) => F.avgPool2d(x, 2),
    py: "F.avg_pool2d(x, 2)",
  },
  {
    op: "avgPool2d", name: "3x3, stride 2, padding 1, countIncludePad false",
    inputs: { x: { shape: [2, 2, 9, 9] } },
    ts: ({ x }) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
    py: "F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)",
  },
  {
    op: "adaptiveAvgPool2d", name: "7x7 -> 3x3",
    inputs: { x: { shape: [2, 3, 7, 7] } },
    ts: ({ x }) => F.adaptiveAvgPool2d(x, 3),
    py: "F.adaptive_avg_pool2d(x, 3)",
  },
  {
    op: "linear", name: "[5,7] x [3,7]^T + bias",
    inputs: { x: { shape: [5, 7] }, w: { shape: [3, 7] }, b: { shape: [3] } },
    ts: ({ x, w, b }) => F.linear(x, w, b),
    py: "F.linear(x, w, b)",
  },
  {
    op: "linear", name: "3-d input, no bias",
    inputs: { x: { shape: [2, 4, 7] }, w: { shape: [3, 7] } },
    ts: ({ x, w }) => F.linear(x, w),
    py: "F.linear(x, w)",
  },

  // ------------------------------------------------------------ losses
  {
    op: "crossEntropy", name: "class indices, mean",
    inputs: { x: { shape: [6, 5] }, t: { shape: [6], dist: { int: [0, 5] } } },
    ts: ({ x, t }) => F.crossEntropy(x, t),
    py: "F.cross_entropy(x, t)",
  },
  {
    op: "crossEntropy", name: "class weights, ignoreIndex, sum",
    inputs: {
      x: { shape: [6, 4] },
      t: { shape: [6], dist: { values: [0, 3, -100, 1, 2, 3] }, dtype: "int64" },
      cw: { shape: [4], dist: { uniform: [0.5, 2] }, grad: false },
    },
    ts: ({ x, t, cw }) => F.crossEntropy(x, t, { weight: cw, ignoreIndex: -100, reduction: "sum" }),
    py: "F.cross_entropy(x, t, weight=cw, ignore_index=-100, reduction='sum')",
  },
  {
    op: "crossEntropy", name: "label smoothing 0.1, [N,C,H,W] logits",
    inputs: { x: { shape: [2, 3, 4, 4] }, t: { shape: [2, 4, 4], dist: { int: [0, 3] } } },
    ts: ({ x, t }) => F.crossEntropy(x, t, { labelSmoothing: 0.1 }),
    py: "F.cross_entropy(x, t, label_smoothing=0.1)",
  },
  {
    op: "crossEntropy", name: "class-probability targets",
    inputs: { x: { shape: [4, 5] }, p: { shape: [4, 5], grad: false } },
    ts: ({ x, p }) => F.crossEntropy(x, p.softmax(1)),
    py: "F.cross_entropy(x, p.softmax(1))",
  },
  {
    op: "crossEntropyForLogits", name: "Tensor method (tch style)",
    inputs: { x: { shape: [6, 5] }, t: { shape: [6], dist: { int: [0, 5] } } },
    ts: ({ x, t }) => x.crossEntropyForLogits(t),
    py: "F.cross_entropy(x, t)",
  },
  {
    op: "nllLoss", name: "mean over log-probabilities",
    inputs: { x: { shape: [6, 5] }, t: { shape: [6], dist: { int: [0, 5] } } },
    ts: ({ x, t }) => F.nllLoss(x.logSoftmax(1), t),
    py: "F.nll_loss(x.log_softmax(1), t)",
  },
  {
    op: "nllLoss", name: "[N,C,H,W], reduction none",
    inputs: { x: { shape: [2, 3, 4, 4] }, t: { shape: [2, 4, 4], dist: { int: [0, 3] } } },
    ts: ({ x, t }) => F.nllLoss(x, t, { reduction: "none" }),
    py: "F.nll_loss(x, t, reduction='none')",
  },
  {
    op: "mseLoss", name: "mean",
    inputs: { x: { shape: [4, 6] }, y: { shape: [4, 6] } },
    ts: ({ x, y }) => F.mseLoss(x, y),
    py: "F.mse_loss(x, y)",
  },
  {
    op: "mseLoss", name: "sum and none",
    inputs: { x: { shape: [3, 5] }, y: { shape: [3, 5] } },
    ts: ({ x, y }) => [F.mseLoss(x, y, { reduction: "sum" }), x.mseLoss(y, "none")],
    py: "(F.mse_loss(x, y, reduction='sum'), F.mse_loss(x, y, reduction='none'))",
  },
  {
    op: "l1Loss", name: "mean",
    inputs: { x: { shape: [4, 6] }, y: { shape: [4, 6] } },
    ts: ({ x, y }) => F.l1Loss(x, y),
    py: "F.l1_loss(x, y)",
  },
  {
    op: "binaryCrossEntropyWithLogits", name: "mean",
    inputs: { x: { shape: [4, 6] }, y: { shape: [4, 6], dist: { uniform: [0, 1] } } },
    ts: ({ x, y }) => F.binaryCrossEntropyWithLogits(x, y),
    py: "F.binary_cross_entropy_with_logits(x, y)",
  },

  // ------------------------------------------------------------ activations, normalisation
  {
    op: "softmax", name: "dim 1 of [3,4,5]",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => F.softmax(x, 1),
    py: "F.softmax(x, 1)",
  },
  {
    op: "logSoftmax", name: "dim -1",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => F.logSoftmax(x, -1),
    py: "F.log_softmax(x, -1)",
  },
  {
    op: "dropout", name: "p = 0 in training is the identity",
    inputs: { x: { shape: [4, 5] } },
    ts: ({ x }) => F.dropout(x, 0, true),
    py: "F.dropout(x, 0.0, True)",
  },
  {
    op: "dropout", name: "p = 0.5 in eval is the identity",
    inputs: { x: { shape: [4, 5] } },
    ts: ({ x }) => F.dropout(x, 0.5, false),
    py: "F.dropout(x, 0.5, False)",
  },
  {
    op: "batchNorm", name: "training: output, gradients and running statistics",
    inputs: {
      x: { shape: [4, 3, 5, 5] },
      rm: { shape: [3], grad: false },
      rv: { shape: [3], dist: { uniform: [0.5, 2] }, grad: false },
      g: { shape: [3] },
      b: { shape: [3] },
    },
    ts: ({ x, rm, rv, g, b }) => [F.batchNorm(x, rm, rv, { weight: g, bias: b, training: true, momentum: 0.1, eps: 1e-5 }), rm, rv],
    py: "(F.batch_norm(x, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5), rm, rv)",
  },
  {
    op: "batchNorm", name: "training without running statistics or affine",
    inputs: { x: { shape: [6, 4] } },
    ts: ({ x }) => F.batchNorm(x, null, null, { training: true }),
    py: "F.batch_norm(x, None, None, training=True)",
  },
  {
    op: "batchNorm", name: "eval uses the running statistics",
    inputs: {
      x: { shape: [4, 3, 2, 2] },
      rm: { shape: [3], grad: false },
      rv: { shape: [3], dist: { uniform: [0.5, 2] }, grad: false },
      g: { shape: [3] },
      b: { shape: [3] },
    },
    ts: ({ x, rm, rv, g, b }) => F.batchNorm(x, rm, rv, { weight: g, bias: b, training: false }),
    py: "F.batch_norm(x, rm, rv, g, b, training=False)",
  },
  {
    op: "layerNorm", name: "last dim with weight and bias",
    inputs: { x: { shape: [2, 3, 4] }, g: { shape: [4] }, b: { shape: [4] } },
    ts: ({ x, g, b }) => F.layerNorm(x, [4], g, b),
    py: "F.layer_norm(x, [4], g, b)",
  },
  {
    op: "layerNorm", name: "last two dims, no affine, eps 1e-3",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => F.layerNorm(x, [3, 4], null, null, 1e-3),
    py: "F.layer_norm(x, [3, 4], None, None, 1e-3)",
  },

];
