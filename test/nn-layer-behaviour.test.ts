// The torch.nn modules added for issue #20 part 3, beyond their values: reprs equal to PyTorch's, clear errors
// for bad options and inputs, random layers in training mode, ParameterList and ParameterDict (their values
// against PyTorch are in nn-layer-parity-more.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;

// ---------------------------------------------------------------- reprs
const reprs: [string, () => torch.nn.AnyModule][] = [
  ["nn.ELU()", () => new nn.ELU()], ["nn.ELU(0.5)", () => new nn.ELU(0.5)], ["nn.SELU()", () => new nn.SELU()], ["nn.CELU()", () => new nn.CELU()],
  ["nn.PReLU(3)", () => new nn.PReLU(3)], ["nn.Softsign()", () => new nn.Softsign()], ["nn.Softshrink()", () => new nn.Softshrink()],
  ["nn.Hardshrink(0.3)", () => new nn.Hardshrink(0.3)], ["nn.Hardtanh()", () => new nn.Hardtanh()], ["nn.ReLU6()", () => new nn.ReLU6()],
  ["nn.Threshold(0.1, 20)", () => new nn.Threshold(0.1, 20)], ["nn.GLU()", () => new nn.GLU()], ["nn.LogSoftmax(1)", () => new nn.LogSoftmax(1)],
  ["nn.Softmin(1)", () => new nn.Softmin(1)], ["nn.Softmax2d()", () => new nn.Softmax2d()],
  ["nn.MaxPool1d(3)", () => new nn.MaxPool1d(3)], ["nn.MaxPool3d(2, 1, 1)", () => new nn.MaxPool3d(2, { stride: 1, padding: 1 })],
  ["nn.AvgPool1d(3)", () => new nn.AvgPool1d(3)], ["nn.AvgPool3d(2)", () => new nn.AvgPool3d(2)],
  ["nn.AdaptiveMaxPool2d((3, None))", () => new nn.AdaptiveMaxPool2d([3, null])], ["nn.AdaptiveAvgPool3d((2, 3, 4))", () => new nn.AdaptiveAvgPool3d([2, 3, 4])],
  ["nn.LPPool2d(2.5, 3)", () => new nn.LPPool2d(2.5, 3)], ["nn.MaxUnpool2d(2)", () => new nn.MaxUnpool2d(2)], ["nn.MaxUnpool1d(2)", () => new nn.MaxUnpool1d(2)],
  ["nn.ReflectionPad2d(2)", () => new nn.ReflectionPad2d(2)], ["nn.ReplicationPad1d((1, 2))", () => new nn.ReplicationPad1d([1, 2])],
  ["nn.ZeroPad2d(1)", () => new nn.ZeroPad2d(1)], ["nn.ConstantPad1d(2, 3.5)", () => new nn.ConstantPad1d(2, 3.5)],
  ["nn.MarginRankingLoss()", () => new nn.MarginRankingLoss()], ["nn.MultiMarginLoss()", () => new nn.MultiMarginLoss()],
  ["nn.TripletMarginWithDistanceLoss()", () => new nn.TripletMarginWithDistanceLoss()], ["nn.GaussianNLLLoss()", () => new nn.GaussianNLLLoss()],
  ["nn.Bilinear(2, 3, 4)", () => new nn.Bilinear(2, 3, 4)], ["nn.ChannelShuffle(2)", () => new nn.ChannelShuffle(2)],
  ["nn.CosineSimilarity()", () => new nn.CosineSimilarity()], ["nn.PairwiseDistance()", () => new nn.PairwiseDistance()],
  ["nn.LocalResponseNorm(2)", () => new nn.LocalResponseNorm(2)], ["nn.Unfold(2)", () => new nn.Unfold(2)], ["nn.Fold((4, 5), 2)", () => new nn.Fold([4, 5], 2)],
  ["nn.InstanceNorm3d(4)", () => new nn.InstanceNorm3d(4)], ["nn.FractionalMaxPool2d(2, output_size=3)", () => new nn.FractionalMaxPool2d(2, { outputSize: 3 })],
  ["nn.Dropout3d()", () => new nn.Dropout3d()], ["nn.NLLLoss2d()", () => new nn.NLLLoss2d()], ["nn.AlphaDropout(0.2)", () => new nn.AlphaDropout(0.2)],
];

describe("reprs equal PyTorch's", { skip: pyTorchSkipReason() }, () => {
  it("toString() of each new module is repr() of PyTorch's", () => {
    const py = runPython("import torch, torch.nn as nn\nOUTPUT = [repr(eval(e)) for e in INPUT]", reprs.map(([e]) => e)) as string[];
    const mismatches: string[] = [];
    reprs.forEach(([e, build], k) => {
      const m = build();
      try {
        if (m.toString() !== py[k]) mismatches.push(`${e}: tstorch ${m.toString()} vs PyTorch ${py[k]}`);
      } finally {
        m.dispose();
      }
    });
    assert.deepEqual(mismatches, []);
  });
});

// ---------------------------------------------------------------- errors
describe("bad options and inputs are clear errors", () => {
  const ctor: [string, () => unknown, RegExp][] = [
    ["PReLU 0 parameters", () => new nn.PReLU(0), /PReLU numParameters must be a positive integer, got 0/],
    ["RReLU lower > upper", () => new nn.RReLU(0.5, 0.1), /RReLU lower \(0.5\) must not exceed upper \(0.1\)/],
    ["Softshrink negative lambd", () => new nn.Softshrink(-1), /Softshrink lambd must be non-negative, got -1/],
    ["Hardtanh max <= min", () => new nn.Hardtanh(1, -1), /Hardtanh maxVal \(-1\) must be greater than minVal \(1\)/],
    ["MaxPool1d padding over half the kernel", () => new nn.MaxPool1d(2, { padding: 2 }), /MaxPool1d: padding should be at most half of the kernel size/],
    ["MaxPool3d kernel of 2 ints", () => new nn.MaxPool3d([2, 2]), /MaxPool3d kernelSize must be an int or 3 ints/],
    ["AvgPool3d divisorOverride 0", () => new nn.AvgPool3d(2, { divisorOverride: 0 }), /AvgPool3d divisorOverride must be a non-zero integer, got 0/],
    ["AdaptiveAvgPool1d negative size", () => new nn.AdaptiveAvgPool1d(-1), /AdaptiveAvgPool1d: outputSize must be non-negative integers/],
    ["AdaptiveMaxPool3d 2 sizes", () => new nn.AdaptiveMaxPool3d([2, 2]), /AdaptiveMaxPool3d: outputSize must be an int or 3 ints/],
    ["LPPool1d norm 0", () => new nn.LPPool1d(0, 2), /LPPool1d normType must be a positive number, got 0/],
    ["ReflectionPad2d 3 ints", () => new nn.ReflectionPad2d([1, 2, 3] as any), /ReflectionPad2d: padding must be an int or 4 ints, got \[1,2,3\]/],
    ["ConstantPad1d fractional", () => new nn.ConstantPad1d(1.5, 0), /ConstantPad1d: padding must be an int or 2 ints/],
    ["loss reduction", () => new nn.SoftMarginLoss({ reduction: "avg" as any }), /SoftMarginLoss: avg is not a valid value for reduction/],
    ["MultiMarginLoss p 3", () => new nn.MultiMarginLoss({ p: 3 }), /MultiMarginLoss: only p == 1 and p == 2 supported, got 3/],
    ["MultiMarginLoss 2-D weight", () => new nn.MultiMarginLoss({ weight: torch.ones([2, 2]) }), /MultiMarginLoss: weight must be one-dimensional, got 2-D/],
    ["TripletMarginWithDistanceLoss margin 0", () => new nn.TripletMarginWithDistanceLoss({ margin: 0 }), /expected margin to be greater than 0, got 0/],
    ["Bilinear negative features", () => new nn.Bilinear(-1, 2, 3), /Bilinear in1Features must be a non-negative integer, got -1/],
    ["ChannelShuffle 0 groups", () => new nn.ChannelShuffle(0), /ChannelShuffle groups must be a positive integer, got 0/],
    ["LocalResponseNorm size 0", () => new nn.LocalResponseNorm(0), /LocalResponseNorm size must be a positive integer, got 0/],
    ["Unfold kernel 0", () => new nn.Unfold(0), /Unfold kernelSize must be integers >= 1, got 0/],
    ["Fold output size 0", () => new nn.Fold([0, 4], 2), /Fold outputSize must be integers >= 1/],
    ["Dropout3d p 1.5", () => new nn.Dropout3d(1.5), /dropout probability has to be between 0 and 1, but got 1.5/],
    ["AlphaDropout p -0.1", () => new nn.AlphaDropout(-0.1), /dropout probability has to be between 0 and 1, but got -0.1/],
    ["FractionalMaxPool2d without a size or ratio", () => new nn.FractionalMaxPool2d(2), /FractionalMaxPool2d requires specifying either an output size, or a pooling ratio/],
    ["FractionalMaxPool3d ratio 1.5", () => new nn.FractionalMaxPool3d(2, { outputRatio: 1.5 }), /FractionalMaxPool3d: outputRatio must be between 0 and 1 \(got 1.5\)/],
    ["UpsamplingBilinear2d without a size", () => new nn.UpsamplingBilinear2d({}), /give exactly one of size and scaleFactor/],
  ];
  for (const [name, f, re] of ctor) it(`constructor: ${name}`, () => assert.throws(f, re));

  it("forward: wrong input ranks and sizes name the module and the shape", () => {
    torch.scope(() => {
      assert.throws(() => new nn.Softmax2d().forward(torch.ones([2, 3])), /Softmax2d: expected input of 3 or 4 dimensions, got 2-D/);
      assert.throws(() => new nn.MaxPool1d(2).forward(torch.ones([1, 2, 3, 4])), /MaxPool1d: expected 2-D or 3-D input, got 4-D input of shape \[1, 2, 3, 4\]/);
      assert.throws(() => new nn.ReflectionPad2d(1).forward(torch.ones([4, 4])), /ReflectionPad2d: expected 3-D or 4-D input, got 2-D input/);
      assert.throws(() => new nn.ChannelShuffle(4).forward(torch.ones([1, 6, 2, 2])), /ChannelShuffle expects an input \[N, C, \*\] with C divisible by groups = 4/);
      assert.throws(() => new nn.LocalResponseNorm(2).forward(torch.ones([3, 4])), /LocalResponseNorm: expected 3D or higher dimensionality input \(got 2 dimensions\)/);
      assert.throws(() => new nn.Dropout3d().forward(torch.ones([2, 3, 4])), /Dropout3d: expected 4-D or 5-D input, got 3-D input/);
      assert.throws(() => new nn.UpsamplingNearest2d({ scaleFactor: 2 }).forward(torch.ones([1, 2, 3])), /UpsamplingNearest2d expects a 4-D input/);
      const [o, i] = new nn.MaxPool1d(2, { returnIndices: true }).forward(torch.randn([1, 2, 8]));
      assert.throws(() => new nn.MaxUnpool1d(2).forward(o, i, [12]), /MaxUnpool1d: invalid outputSize \[12\] \(dim 0 must be between 7 and 9\)/);
      const gauss = new nn.GaussianNLLLoss();
      assert.throws(() => gauss.forward(torch.ones([4, 5]), torch.ones([4, 5]), torch.ones([4, 5]).neg()), /GaussianNLLLoss: var has negative entry\/entries/);
      assert.throws(() => gauss.forward(torch.ones([4, 5]), torch.ones([4, 5]), torch.ones([3])), /GaussianNLLLoss: var is of incorrect size \[3\] for input \[4, 5\]/);
    });
  });

  it("forward: what libtorch refuses is a thrown error, not a crash", () => {
    torch.scope(() => {
      // reflection needs a padding smaller than the padded dimension
      assert.throws(() => new nn.ReflectionPad1d(5).forward(torch.ones([1, 2, 3])), /[Pp]adding size should be less than the corresponding input dimension/);
      assert.throws(() => new nn.MultiMarginLoss().forward(torch.ones([2, 3]), torch.tensor([0n, 7n])), /target out of range|out of range/);
      assert.throws(() => new nn.Bilinear(2, 3, 4).forward(torch.ones([5, 3]), torch.ones([5, 3])), /input1|size|shape/i);
    });
  });

  it("Dropout3d, AlphaDropout and RReLU draw at random in training mode (and keep the shape)", () => {
    torch.scope(() => {
      torch.manualSeed(0);
      const x = torch.ones([4, 8, 2, 2, 2]);
      const y = new nn.Dropout3d(0.5).forward(x);
      // whole channels are 0 or 2
      const perChannel = y.reshape([32, 8]).toArray() as number[][];
      for (const c of perChannel) assert.ok(c.every((v) => v === 0) || c.every((v) => v === 2), `a channel mixes dropped and kept: ${c}`);
      assert.ok(perChannel.some((c) => c[0] === 0) && perChannel.some((c) => c[0] === 2));
      // fresh samples per call: two calls on the same input pool different regions
      const fx = torch.randn([1, 1, 25, 25]);
      const fp = new nn.FractionalMaxPool2d(2, { outputSize: 8 });
      assert.deepEqual(fp.forward(fx).shape, [1, 1, 8, 8]);
      assert.ok(Array.from({ length: 5 }, () => fp.forward(fx)).some((o, _, all) => !o.equal(all[0])), "fresh random samples per call");
      const r = new nn.RReLU(0.1, 0.3).forward(torch.full([1000], -1, { dtype: "float32" })).toArray() as number[];
      assert.ok(r.every((v) => v <= -0.1 + 1e-6 && v >= -0.3 - 1e-6) && new Set(r).size > 100, "random slopes in [lower, upper]");
    });
  });
});

describe("ParameterList and ParameterDict", () => {
  it("register their parameters under PyTorch's state_dict names, wrap plain tensors, and print like PyTorch", { skip: pyTorchSkipReason() }, () => {
    class Net extends nn.Module<never[], never> {
      list = new nn.ParameterList([torch.zeros([3]), torch.zeros([2, 4])]);
      dict = new nn.ParameterDict({ scale: torch.ones([1]), shift: new nn.Parameter(torch.zeros([2, 1, 3])) });
      forward(): never { throw new Error("unused"); }
    }
    const net = new Net();
    try {
      const py = runPython(`
import torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.list = nn.ParameterList([torch.zeros(3), torch.zeros(2, 4)])
        self.dict = nn.ParameterDict({"scale": torch.ones(1), "shift": nn.Parameter(torch.zeros(2, 1, 3))})
net = Net()
OUTPUT = {"keys": list(net.state_dict().keys()), "repr": repr(net), "grad": [p.requires_grad for p in net.parameters()]}
`) as { keys: string[]; repr: string; grad: boolean[] };
      assert.deepEqual([...net.stateDict().keys()], py.keys);
      assert.equal(net.toString(), py.repr);
      assert.deepEqual(net.parameters().map((p) => p.requiresGrad), py.grad);
      assert.ok(net.list.at(-1) instanceof nn.Parameter);
      assert.deepEqual(net.list.at(1).shape, [2, 4]);
      assert.deepEqual(net.dict.keys(), ["scale", "shift"]);
      assert.throws(() => net.list.at(2), /index 2 is out of range for a ParameterList of 2/);
      assert.throws(() => net.dict.get("bias"), /ParameterDict has no key "bias" \(keys: scale, shift\)/);
      assert.throws(() => net.list.append(3 as any), /ParameterList.append expects a Tensor, got number/);
    } finally {
      net.dispose();
    }
  });
});
