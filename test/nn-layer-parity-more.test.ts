// The torch.nn modules added for issue #20 part 3 (activations, pooling, padding, margin and likelihood
// losses, Bilinear, distances, ChannelShuffle, LocalResponseNorm, Fold/Unfold, ...) against PyTorch's
// same module on the same input: outputs, input and parameter gradients (helpers/nn-layer-parity.ts),
// their reprs, and their constructor and input errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { LayerCase, layerParitySuite } from "./helpers/nn-layer-parity.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const aten = torch.ops.aten;
const one = (m: torch.nn.AnyModule, x: Record<string, torch.Tensor>) => m.forward(x.x);
const two = (m: any, x: Record<string, torch.Tensor>) => m.forward(x.a, x.b);
const three = (m: any, x: Record<string, torch.Tensor>) => m.forward(x.a, x.b, x.c);

/** A case on one input r(...shape) called as m(X['x']). */
function unary(name: string, py: string, shape: string, build: () => torch.nn.AnyModule, mode: "train" | "eval" = "train"): LayerCase {
  return { name, py, inputs: `X = {'x': r(${shape})}`, call: "m(X['x'])", build, forward: one, mode };
}
/** A case on 4·r(...shape) (spreads the input over both sides of a kink at ±3 or 6). */
function scaled(name: string, py: string, shape: string, build: () => torch.nn.AnyModule): LayerCase {
  return { name, py, inputs: `X = {'x': r(${shape})}`, call: "m(X['x'] * 4)", build, forward: (m, x) => m.forward(x.x.mul(4)) };
}

const activations: LayerCase[] = [
  unary("ELU alpha 0.5", "nn.ELU(0.5)", "3, 4, 5", () => new nn.ELU(0.5)),
  unary("SELU", "nn.SELU()", "3, 4, 5", () => new nn.SELU()),
  unary("CELU alpha 1.5", "nn.CELU(1.5)", "3, 4, 5", () => new nn.CELU(1.5)),
  unary("PReLU one shared slope", "nn.PReLU()", "3, 4, 5", () => new nn.PReLU()),
  unary("PReLU 4 channel slopes init 0.1", "nn.PReLU(4, 0.1)", "3, 4, 5", () => new nn.PReLU(4, 0.1)),
  unary("RReLU eval (the mean slope)", "nn.RReLU(0.1, 0.3)", "3, 4, 5", () => new nn.RReLU(0.1, 0.3), "eval"),
  unary("Softplus beta 2 threshold 1", "nn.Softplus(2, 1)", "3, 4, 5", () => new nn.Softplus(2, 1)),
  unary("Softsign", "nn.Softsign()", "3, 4, 5", () => new nn.Softsign()),
  unary("Softshrink 0.3", "nn.Softshrink(0.3)", "3, 4, 5", () => new nn.Softshrink(0.3)),
  unary("Hardshrink 0.4", "nn.Hardshrink(0.4)", "3, 4, 5", () => new nn.Hardshrink(0.4)),
  unary("Hardtanh -0.5 0.8", "nn.Hardtanh(-0.5, 0.8)", "3, 4, 5", () => new nn.Hardtanh(-0.5, 0.8)),
  scaled("ReLU6", "nn.ReLU6()", "3, 4, 5", () => new nn.ReLU6()),
  scaled("Hardswish", "nn.Hardswish()", "3, 4, 5", () => new nn.Hardswish()),
  scaled("Hardsigmoid", "nn.Hardsigmoid()", "3, 4, 5", () => new nn.Hardsigmoid()),
  unary("Mish", "nn.Mish()", "3, 4, 5", () => new nn.Mish()),
  unary("LogSigmoid", "nn.LogSigmoid()", "3, 4, 5", () => new nn.LogSigmoid()),
  unary("Tanhshrink", "nn.Tanhshrink()", "3, 4, 5", () => new nn.Tanhshrink()),
  unary("Threshold 0.1 -> 20", "nn.Threshold(0.1, 20)", "3, 4, 5", () => new nn.Threshold(0.1, 20)),
  unary("GLU dim 1", "nn.GLU(1)", "3, 4, 5", () => new nn.GLU(1)),
  unary("GLU last dim", "nn.GLU()", "3, 4, 6", () => new nn.GLU()),
  unary("LogSoftmax dim 1", "nn.LogSoftmax(1)", "3, 4, 5", () => new nn.LogSoftmax(1)),
  unary("LogSoftmax implicit dim of a 2-D input", "nn.LogSoftmax()", "3, 4", () => new nn.LogSoftmax()),
  unary("Softmin dim 2", "nn.Softmin(2)", "3, 4, 5", () => new nn.Softmin(2)),
  unary("Softmax2d", "nn.Softmax2d()", "2, 3, 4, 5", () => new nn.Softmax2d()),
  unary("Softmax2d unbatched", "nn.Softmax2d()", "3, 4, 5", () => new nn.Softmax2d()),
];

const pooling: LayerCase[] = [
  { name: "MaxPool1d stride 2 padding 1 returnIndices", py: "nn.MaxPool1d(3, stride=2, padding=1, return_indices=True)",
    inputs: "X = {'x': r(2, 3, 9)}", call: "m(X['x'])", build: () => new nn.MaxPool1d(3, { stride: 2, padding: 1, returnIndices: true }), forward: one },
  unary("MaxPool1d dilation 2 ceilMode unbatched", "nn.MaxPool1d(2, dilation=2, ceil_mode=True)", "3, 10",
    () => new nn.MaxPool1d(2, { dilation: 2, ceilMode: true })),
  unary("MaxPool3d stride 1 padding 1", "nn.MaxPool3d(2, stride=1, padding=1)", "2, 2, 4, 4, 4", () => new nn.MaxPool3d(2, { stride: 1, padding: 1 })),
  unary("AvgPool1d padding 1 countIncludePad false", "nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)", "2, 3, 9",
    () => new nn.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false })),
  unary("AvgPool3d divisorOverride 3 ceilMode", "nn.AvgPool3d(2, ceil_mode=True, divisor_override=3)", "1, 2, 5, 5, 5",
    () => new nn.AvgPool3d(2, { ceilMode: true, divisorOverride: 3 })),
  { name: "AdaptiveMaxPool1d returnIndices", py: "nn.AdaptiveMaxPool1d(4, return_indices=True)", inputs: "X = {'x': r(2, 3, 10)}",
    call: "m(X['x'])", build: () => new nn.AdaptiveMaxPool1d(4, true), forward: one },
  unary("AdaptiveMaxPool2d (3, None)", "nn.AdaptiveMaxPool2d((3, None))", "2, 3, 7, 5", () => new nn.AdaptiveMaxPool2d([3, null])),
  unary("AdaptiveMaxPool3d 2", "nn.AdaptiveMaxPool3d(2)", "1, 2, 5, 6, 4", () => new nn.AdaptiveMaxPool3d(2)),
  unary("AdaptiveAvgPool1d 3", "nn.AdaptiveAvgPool1d(3)", "2, 3, 8", () => new nn.AdaptiveAvgPool1d(3)),
  unary("AdaptiveAvgPool3d (2, None, 3)", "nn.AdaptiveAvgPool3d((2, None, 3))", "2, 2, 5, 6, 7", () => new nn.AdaptiveAvgPool3d([2, null, 3])),
  unary("LPPool1d norm 2 stride 2", "nn.LPPool1d(2, 3, stride=2)", "2, 3, 9", () => new nn.LPPool1d(2, 3, { stride: 2 })),
  { name: "LPPool2d norm 3 kernel (2, 3) on a positive input", py: "nn.LPPool2d(3, (2, 3))", inputs: "X = {'x': r(2, 3, 6, 7)}",
    call: "m(X['x'].abs())", build: () => new nn.LPPool2d(3, [2, 3]), forward: (m, x) => m.forward(x.x.abs()) },
  { name: "LPPool2d norm 1.5 ceilMode on a positive input", py: "nn.LPPool2d(1.5, 2, ceil_mode=True)", inputs: "X = {'x': r(2, 3, 5, 5)}",
    call: "m(X['x'].abs())", build: () => new nn.LPPool2d(1.5, 2, { ceilMode: true }), forward: (m, x) => m.forward(x.x.abs()) },
  { name: "MaxUnpool1d of MaxPool1d", py: "nn.MaxUnpool1d(2)", inputs: "X = {'x': r(2, 3, 8)}",
    call: "m(*F.max_pool1d(X['x'], 2, return_indices=True))", build: () => new nn.MaxUnpool1d(2),
    forward: (m, x) => { const [o, i] = new nn.MaxPool1d(2, { returnIndices: true }).forward(x.x); return m.forward(o, i); } },
  { name: "MaxUnpool2d with an outputSize", py: "nn.MaxUnpool2d(2)", inputs: "X = {'x': r(2, 3, 5, 5)}",
    call: "m(*F.max_pool2d(X['x'], 2, return_indices=True), output_size=(5, 5))", build: () => new nn.MaxUnpool2d(2),
    forward: (m, x) => { const [o, i] = aten.max_pool2d_with_indices(x.x, [2, 2], [2, 2]); return m.forward(o, i, [5, 5]); } },
  { name: "MaxUnpool3d stride 2 kernel 3 padding 1", py: "nn.MaxUnpool3d(3, stride=2, padding=1)", inputs: "X = {'x': r(1, 2, 5, 5, 5)}",
    call: "m(*F.max_pool3d(X['x'], 3, stride=2, padding=1, return_indices=True))", build: () => new nn.MaxUnpool3d(3, { stride: 2, padding: 1 }),
    forward: (m, x) => { const [o, i] = new nn.MaxPool3d(3, { stride: 2, padding: 1, returnIndices: true }).forward(x.x); return m.forward(o, i); } },
  { name: "FractionalMaxPool2d outputSize 3, fixed samples", py: "nn.FractionalMaxPool2d(2, output_size=3, _random_samples=torch.full((2, 3, 2), 0.4))",
    inputs: "X = {'x': r(2, 3, 7, 7)}", call: "m(X['x'])",
    build: () => new nn.FractionalMaxPool2d(2, { outputSize: 3, randomSamples: torch.full([2, 3, 2], 0.4) }), forward: one },
  { name: "FractionalMaxPool3d outputRatio 0.5 returnIndices, fixed samples",
    py: "nn.FractionalMaxPool3d(2, output_ratio=0.5, return_indices=True, _random_samples=torch.full((1, 2, 3), 0.7))",
    inputs: "X = {'x': r(1, 2, 6, 6, 6)}", call: "m(X['x'])",
    build: () => new nn.FractionalMaxPool3d(2, { outputRatio: 0.5, returnIndices: true, randomSamples: torch.full([1, 2, 3], 0.7) }), forward: one },
];

const padding: LayerCase[] = [
  unary("ReflectionPad1d (2, 1)", "nn.ReflectionPad1d((2, 1))", "2, 3, 5", () => new nn.ReflectionPad1d([2, 1])),
  unary("ReflectionPad2d (1, 2, 0, 1)", "nn.ReflectionPad2d((1, 2, 0, 1))", "2, 3, 4, 5", () => new nn.ReflectionPad2d([1, 2, 0, 1])),
  unary("ReflectionPad3d 1 unbatched", "nn.ReflectionPad3d(1)", "2, 3, 4, 4", () => new nn.ReflectionPad3d(1)),
  unary("ReplicationPad1d 3", "nn.ReplicationPad1d(3)", "2, 3, 4", () => new nn.ReplicationPad1d(3)),
  unary("ReplicationPad2d (0, 1, 2, 3)", "nn.ReplicationPad2d((0, 1, 2, 3))", "2, 3, 4, 5", () => new nn.ReplicationPad2d([0, 1, 2, 3])),
  unary("ReplicationPad3d (1, 0, 0, 1, 2, 0)", "nn.ReplicationPad3d((1, 0, 0, 1, 2, 0))", "1, 2, 3, 4, 4",
    () => new nn.ReplicationPad3d([1, 0, 0, 1, 2, 0])),
  unary("ConstantPad1d 2 value 3.5", "nn.ConstantPad1d(2, 3.5)", "2, 3, 4", () => new nn.ConstantPad1d(2, 3.5)),
  unary("ConstantPad2d (1, 0, 2, 1) value -1", "nn.ConstantPad2d((1, 0, 2, 1), -1)", "3, 4, 5", () => new nn.ConstantPad2d([1, 0, 2, 1], -1)),
  unary("ConstantPad3d 1 value 0.5", "nn.ConstantPad3d(1, 0.5)", "1, 2, 3, 3, 3", () => new nn.ConstantPad3d(1, 0.5)),
  unary("ZeroPad2d (1, 1, 2, 0)", "nn.ZeroPad2d((1, 1, 2, 0))", "2, 3, 4, 5", () => new nn.ZeroPad2d([1, 1, 2, 0])),
];

/** Modules that came after PyTorch 1.13 (nn.ZeroPad1d/3d, nn.CircularPad*d in 2.1): compared where the linked PyTorch has them. */
const padding21: [string, LayerCase][] = [
  ["ZeroPad1d", unary("ZeroPad1d (2, 1)", "nn.ZeroPad1d((2, 1))", "2, 3, 4", () => new nn.ZeroPad1d([2, 1]))],
  ["ZeroPad3d", unary("ZeroPad3d 1", "nn.ZeroPad3d(1)", "1, 2, 3, 3, 3", () => new nn.ZeroPad3d(1))],
  ["CircularPad1d", unary("CircularPad1d (2, 1)", "nn.CircularPad1d((2, 1))", "2, 3, 4", () => new nn.CircularPad1d([2, 1]))],
  ["CircularPad2d", unary("CircularPad2d (1, 2, 0, 1)", "nn.CircularPad2d((1, 2, 0, 1))", "2, 3, 4, 5", () => new nn.CircularPad2d([1, 2, 0, 1]))],
  ["CircularPad3d", unary("CircularPad3d 1", "nn.CircularPad3d(1)", "1, 2, 3, 3, 3", () => new nn.CircularPad3d(1))],
];

const losses: LayerCase[] = [
  { name: "MarginRankingLoss margin 0.3", py: "nn.MarginRankingLoss(margin=0.3)", inputs: "X = {'a': r(6), 'b': r(6), 'c': torch.sign(f(6))}",
    call: "m(X['a'], X['b'], X['c'])", build: () => new nn.MarginRankingLoss({ margin: 0.3 }), forward: three },
  { name: "HingeEmbeddingLoss margin 0.5 none", py: "nn.HingeEmbeddingLoss(margin=0.5, reduction='none')",
    inputs: "X = {'a': r(4, 5), 'b': torch.sign(f(4, 5))}", call: "m(X['a'], X['b'])",
    build: () => new nn.HingeEmbeddingLoss({ margin: 0.5, reduction: "none" }), forward: two },
  { name: "CosineEmbeddingLoss margin 0.2 sum", py: "nn.CosineEmbeddingLoss(margin=0.2, reduction='sum')",
    inputs: "X = {'a': r(4, 6), 'b': r(4, 6), 'c': torch.sign(f(4))}", call: "m(X['a'], X['b'], X['c'])",
    build: () => new nn.CosineEmbeddingLoss({ margin: 0.2, reduction: "sum" }), forward: three },
  { name: "SoftMarginLoss", py: "nn.SoftMarginLoss()", inputs: "X = {'a': r(4, 5), 'b': torch.sign(f(4, 5))}", call: "m(X['a'], X['b'])",
    build: () => new nn.SoftMarginLoss(), forward: two },
  { name: "MultiLabelSoftMarginLoss with class weights", py: "nn.MultiLabelSoftMarginLoss(weight=torch.rand(5) + 0.5)",
    inputs: "X = {'a': r(4, 5), 'b': (f(4, 5) > 0).float()}", call: "m(X['a'], X['b'])",
    build: () => new nn.MultiLabelSoftMarginLoss({ weight: torch.zeros([5]) }), forward: two },
  { name: "MultiLabelSoftMarginLoss none", py: "nn.MultiLabelSoftMarginLoss(reduction='none')",
    inputs: "X = {'a': r(4, 5), 'b': (f(4, 5) > 0).float()}", call: "m(X['a'], X['b'])",
    build: () => new nn.MultiLabelSoftMarginLoss({ reduction: "none" }), forward: two },
  { name: "MultiLabelMarginLoss", py: "nn.MultiLabelMarginLoss()",
    inputs: "X = {'a': r(3, 5), 'b': torch.tensor([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [4, -1, 0, 0, 0]])}", call: "m(X['a'], X['b'])",
    build: () => new nn.MultiLabelMarginLoss(), forward: two },
  { name: "MultiMarginLoss p 2 margin 0.5 weights", py: "nn.MultiMarginLoss(p=2, margin=0.5, weight=torch.rand(5) + 0.5)",
    inputs: "X = {'a': r(4, 5), 'b': i(0, 5, 4)}", call: "m(X['a'], X['b'])",
    build: () => new nn.MultiMarginLoss({ p: 2, margin: 0.5, weight: torch.zeros([5]) }), forward: two },
  { name: "TripletMarginLoss p 1 swap", py: "nn.TripletMarginLoss(margin=2.0, p=1, swap=True)",
    inputs: "X = {'a': r(4, 6), 'b': r(4, 6), 'c': r(4, 6)}", call: "m(X['a'], X['b'], X['c'])",
    build: () => new nn.TripletMarginLoss({ margin: 2.0, p: 1, swap: true }), forward: three },
  { name: "TripletMarginWithDistanceLoss default distance", py: "nn.TripletMarginWithDistanceLoss(margin=2.0)",
    inputs: "X = {'a': r(4, 6), 'b': r(4, 6), 'c': r(4, 6)}", call: "m(X['a'], X['b'], X['c'])",
    build: () => new nn.TripletMarginWithDistanceLoss({ margin: 2.0 }), forward: three },
  { name: "TripletMarginWithDistanceLoss cosine distance swap none",
    py: "nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1 - F.cosine_similarity(a, b), margin=0.5, swap=True, reduction='none')",
    inputs: "X = {'a': r(4, 6), 'b': r(4, 6), 'c': r(4, 6)}", call: "m(X['a'], X['b'], X['c'])",
    build: () => new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a, b) => aten.cosine_similarity(a, b).neg().add(1), margin: 0.5, swap: true, reduction: "none" }),
    forward: three },
  { name: "PoissonNLLLoss log input", py: "nn.PoissonNLLLoss()", inputs: "X = {'a': r(4, 5), 'b': i(0, 5, 4, 5).float()}", call: "m(X['a'], X['b'])",
    build: () => new nn.PoissonNLLLoss(), forward: two },
  { name: "PoissonNLLLoss rate input, full, sum", py: "nn.PoissonNLLLoss(log_input=False, full=True, reduction='sum')",
    inputs: "X = {'a': r(4, 5), 'b': i(0, 5, 4, 5).float()}", call: "m(X['a'].exp(), X['b'])",
    build: () => new nn.PoissonNLLLoss({ logInput: false, full: true, reduction: "sum" }), forward: (m, x) => m.forward(x.a.exp(), x.b) },
  { name: "GaussianNLLLoss heteroscedastic var [N, 1]", py: "nn.GaussianNLLLoss()", inputs: "X = {'a': r(4, 5), 'b': f(4, 5), 'c': r(4, 1)}",
    call: "m(X['a'], X['b'], X['c'].abs())", build: () => new nn.GaussianNLLLoss(), forward: (m, x) => m.forward(x.a, x.b, x.c.abs()) },
  { name: "GaussianNLLLoss var [N] unsqueezed, full, eps 0.5 clamps, none",
    py: "nn.GaussianNLLLoss(full=True, eps=0.5, reduction='none')", inputs: "X = {'a': r(4, 5), 'b': f(4, 5), 'c': r(4, 5)}",
    call: "m(X['a'], X['b'], X['c'].abs())", build: () => new nn.GaussianNLLLoss({ full: true, eps: 0.5, reduction: "none" }),
    forward: (m, x) => m.forward(x.a, x.b, x.c.abs()) },
];

const others: LayerCase[] = [
  { name: "Bilinear 3 x 4 -> 5", py: "nn.Bilinear(3, 4, 5)", inputs: "X = {'a': r(6, 3), 'b': r(6, 4)}", call: "m(X['a'], X['b'])",
    build: () => new nn.Bilinear(3, 4, 5), forward: two },
  { name: "Bilinear no bias, extra batch dims", py: "nn.Bilinear(2, 3, 4, bias=False)", inputs: "X = {'a': r(2, 5, 2), 'b': r(2, 5, 3)}",
    call: "m(X['a'], X['b'])", build: () => new nn.Bilinear(2, 3, 4, { bias: false }), forward: two },
  { name: "CosineSimilarity dim 1", py: "nn.CosineSimilarity()", inputs: "X = {'a': r(4, 6), 'b': r(4, 6)}", call: "m(X['a'], X['b'])",
    build: () => new nn.CosineSimilarity(), forward: two },
  { name: "CosineSimilarity dim 0 eps 0.1", py: "nn.CosineSimilarity(0, 0.1)", inputs: "X = {'a': r(4, 6), 'b': r(4, 6)}", call: "m(X['a'], X['b'])",
    build: () => new nn.CosineSimilarity(0, 0.1), forward: two },
  { name: "PairwiseDistance p 1 keepdim", py: "nn.PairwiseDistance(p=1, keepdim=True)", inputs: "X = {'a': r(4, 6), 'b': r(4, 6)}",
    call: "m(X['a'], X['b'])", build: () => new nn.PairwiseDistance(1, 1e-6, { keepdim: true }), forward: two },
  { name: "PairwiseDistance p 3", py: "nn.PairwiseDistance(3)", inputs: "X = {'a': r(4, 6), 'b': r(4, 6)}", call: "m(X['a'], X['b'])",
    build: () => new nn.PairwiseDistance(3), forward: two },
  // libtorch 1.13's channel shuffle has no derivative: the output is compared without a gradient
  { name: "ChannelShuffle 3", py: "nn.ChannelShuffle(3)", inputs: "X = {'x': f(2, 6, 3, 3)}", call: "m(X['x'])",
    build: () => new nn.ChannelShuffle(3), forward: one },
  unary("LocalResponseNorm 3-D input", "nn.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0)", "2, 5, 4",
    () => new nn.LocalResponseNorm(3, 0.1, 0.5, 2.0)),
  unary("LocalResponseNorm 4-D input size 2", "nn.LocalResponseNorm(2)", "2, 6, 3, 3", () => new nn.LocalResponseNorm(2)),
  unary("UpsamplingNearest2d scale 2", "nn.UpsamplingNearest2d(scale_factor=2)", "2, 3, 4, 5", () => new nn.UpsamplingNearest2d({ scaleFactor: 2 })),
  unary("UpsamplingBilinear2d size (5, 7)", "nn.UpsamplingBilinear2d(size=(5, 7))", "2, 3, 4, 5", () => new nn.UpsamplingBilinear2d({ size: [5, 7] })),
  unary("Unfold kernel 2 padding 1 stride 2", "nn.Unfold(2, padding=1, stride=2)", "2, 3, 5, 5", () => new nn.Unfold(2, { padding: 1, stride: 2 })),
  unary("Unfold kernel (2, 3) dilation 2", "nn.Unfold((2, 3), dilation=2)", "2, 3, 6, 7", () => new nn.Unfold([2, 3], { dilation: 2 })),
  unary("Fold (4, 5) kernel 2", "nn.Fold((4, 5), 2)", "2, 12, 12", () => new nn.Fold([4, 5], 2)),
  { name: "InstanceNorm3d affine", py: "nn.InstanceNorm3d(3, affine=True)",
    inputs: "X = {'x': r(2, 3, 3, 4, 4)}\nwith torch.no_grad():\n    m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.5, 0.5)", call: "m(X['x'])",
    build: () => new nn.InstanceNorm3d(3, { affine: true }), forward: one },
  unary("Dropout3d eval is the identity", "nn.Dropout3d(0.5)", "2, 3, 2, 3, 3", () => new nn.Dropout3d(0.5), "eval"),
  unary("AlphaDropout eval is the identity", "nn.AlphaDropout(0.5)", "2, 3, 4", () => new nn.AlphaDropout(0.5), "eval"),
  unary("FeatureAlphaDropout eval is the identity", "nn.FeatureAlphaDropout(0.5)", "2, 3, 4, 4", () => new nn.FeatureAlphaDropout(0.5), "eval"),
  unary("AlphaDropout p 0 in training is the identity", "nn.AlphaDropout(0.0)", "2, 3, 4", () => new nn.AlphaDropout(0)),
];

/** Which of `names` the linked PyTorch's torch.nn has (an empty set when no PyTorch is there). */
function pyHas(names: readonly string[]): Set<string> {
  if (pyTorchSkipReason() !== undefined) return new Set();
  const out = runPython("import torch.nn as nn\nOUTPUT = [n for n in INPUT if hasattr(nn, n)]", names) as string[];
  return new Set(out);
}
const has = pyHas([...padding21.map(([n]) => n), "RMSNorm", "LPPool3d"]);
if (has.has("LPPool3d")) {
  layerParitySuite("LPPool3d (PyTorch 2.2+) equals PyTorch's", [
    { name: "LPPool3d norm 2 kernel (2, 2, 3) stride 1", py: "nn.LPPool3d(2, (2, 2, 3), stride=1)", inputs: "X = {'x': r(1, 2, 4, 4, 5)}", call: "m(X['x'])",
      build: () => new nn.LPPool3d(2, [2, 2, 3], { stride: 1 }), forward: one },
  ]);
}

/** nn.RMSNorm (PyTorch 2.4+): compared where the linked PyTorch has it. */
const rmsNorm: LayerCase[] = [
  { name: "RMSNorm over the last two dims", py: "nn.RMSNorm((4, 5))",
    inputs: "X = {'x': r(3, 4, 5)}\nwith torch.no_grad():\n    m.weight.uniform_(0.5, 1.5)", call: "m(X['x'])",
    build: () => new nn.RMSNorm([4, 5]), forward: one },
  unary("RMSNorm eps 1e-3 without weight", "nn.RMSNorm(5, eps=1e-3, elementwise_affine=False)", "3, 4, 5",
    () => new nn.RMSNorm(5, { eps: 1e-3, elementwiseAffine: false })),
];
if (has.has("RMSNorm")) layerParitySuite("RMSNorm equals PyTorch's", rmsNorm);

describe("RMSNorm exists exactly where the linked libtorch has aten::rms_norm", () => {
  it("hasRMSNorm() agrees with the PyTorch of the same version, and without it the constructor names the operator", { skip: pyTorchSkipReason() }, () => {
    assert.equal(nn.hasRMSNorm(), has.has("RMSNorm"));
    if (!nn.hasRMSNorm()) assert.throws(() => new nn.RMSNorm(4), /RMSNorm needs aten::rms_norm, which the linked libtorch lacks/);
    else assert.equal(new nn.RMSNorm(4).toString(), "RMSNorm((4,), eps=None, elementwise_affine=True)");
  });
});

layerParitySuite("activations equal PyTorch's", activations);
layerParitySuite("1-d, 3-d, adaptive and LP pooling and max unpooling equal PyTorch's", pooling);
layerParitySuite("padding layers equal PyTorch's", [...padding, ...padding21.filter(([n]) => has.has(n)).map(([, c]) => c)]);
layerParitySuite("margin, embedding and likelihood losses equal PyTorch's", losses);
layerParitySuite("Bilinear, distances, ChannelShuffle, LocalResponseNorm, Upsampling*2d, Fold/Unfold and dropouts equal PyTorch's", others);

describe("padding layers newer than the linked PyTorch, and ChannelShuffle, against hand-computed values", () => {
  it("ZeroPad1d, ZeroPad3d, CircularPad1d/2d/3d and ChannelShuffle", () => {
    torch.scope(() => {
      const x = torch.tensor([[[1, 2, 3]]]);
      assert.deepEqual(new nn.ZeroPad1d([2, 1]).forward(x).toArray(), [[[0, 0, 1, 2, 3, 0]]]);
      assert.deepEqual(new nn.CircularPad1d([2, 1]).forward(x).toArray(), [[[2, 3, 1, 2, 3, 1]]]);
      const y = torch.tensor([[[1, 2], [3, 4]]]);
      assert.deepEqual(new nn.CircularPad2d([1, 0, 0, 1]).forward(y).toArray(), [[[2, 1, 2], [4, 3, 4], [2, 1, 2]]]);
      // ChannelShuffle interleaves the groups: channel j of the output is j % 2 · 3 + ⌊j / 2⌋ of the input
      const c = torch.arange(6, { dtype: "float32" }).reshape([1, 6, 1, 1]);
      assert.deepEqual(new nn.ChannelShuffle(2).forward(c).flatten().toArray(), [0, 3, 1, 4, 2, 5]);
      const z = torch.ones([1, 1, 1, 1]);
      // LPPool3d with p = 1 on a positive input is the window sum
      assert.deepEqual(new nn.LPPool3d(1, 2).forward(torch.ones([1, 2, 2, 2])).toArray(), [[[[8]]]]);
      assert.deepEqual(new nn.ZeroPad3d([0, 0, 0, 0, 1, 0]).forward(z).shape, [1, 2, 1, 1]);
      assert.deepEqual(new nn.CircularPad3d(1).forward(torch.ones([1, 2, 2, 2])).shape, [1, 4, 4, 4]);
    });
  });
});
