// Lazy modules against PyTorch: after the same manualSeed, the first call infers the input size,
// initialises like PyTorch (same random draws, same order), and the module becomes the eager class;
// state_dict names and values and outputs are compared. Also: UninitializedParameter, errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { assertClose, pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const vals = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);

interface Case { name: string; py: string; shape: number[]; build: () => torch.nn.AnyModule; eager: Function }
const cases: Case[] = [
  { name: "LazyLinear(4)", py: "nn.LazyLinear(4)", shape: [3, 5], build: () => new nn.LazyLinear(4), eager: nn.Linear },
  { name: "LazyLinear(4, bias=False) on 3-D input", py: "nn.LazyLinear(4, bias=False)", shape: [2, 3, 6], build: () => new nn.LazyLinear(4, { bias: false }), eager: nn.Linear },
  { name: "LazyConv1d(4, 3)", py: "nn.LazyConv1d(4, 3)", shape: [2, 3, 9], build: () => new nn.LazyConv1d(4, 3), eager: nn.Conv1d },
  { name: "LazyConv2d(6, 3, stride=2, groups=2)", py: "nn.LazyConv2d(6, 3, stride=2, groups=2)", shape: [2, 4, 7, 7], build: () => new nn.LazyConv2d(6, 3, { stride: 2, groups: 2 }), eager: nn.Conv2d },
  { name: "LazyConv3d(2, 2) unbatched", py: "nn.LazyConv3d(2, 2)", shape: [3, 4, 4, 4], build: () => new nn.LazyConv3d(2, 2), eager: nn.Conv3d },
  { name: "LazyConvTranspose1d(4, 3)", py: "nn.LazyConvTranspose1d(4, 3)", shape: [2, 3, 5], build: () => new nn.LazyConvTranspose1d(4, 3), eager: nn.ConvTranspose1d },
  { name: "LazyConvTranspose2d(4, 3, stride=2)", py: "nn.LazyConvTranspose2d(4, 3, stride=2)", shape: [2, 3, 4, 4], build: () => new nn.LazyConvTranspose2d(4, 3, { stride: 2 }), eager: nn.ConvTranspose2d },
  { name: "LazyConvTranspose3d(2, 2)", py: "nn.LazyConvTranspose3d(2, 2)", shape: [1, 3, 3, 3, 3], build: () => new nn.LazyConvTranspose3d(2, 2), eager: nn.ConvTranspose3d },
  { name: "LazyBatchNorm1d()", py: "nn.LazyBatchNorm1d()", shape: [4, 5], build: () => new nn.LazyBatchNorm1d(), eager: nn.BatchNorm1d },
  { name: "LazyBatchNorm2d()", py: "nn.LazyBatchNorm2d()", shape: [2, 3, 4, 4], build: () => new nn.LazyBatchNorm2d(), eager: nn.BatchNorm2d },
  { name: "LazyBatchNorm3d(momentum=None)", py: "nn.LazyBatchNorm3d(momentum=None)", shape: [2, 3, 2, 2, 2], build: () => new nn.LazyBatchNorm3d({ momentum: null }), eager: nn.BatchNorm3d },
  { name: "LazyInstanceNorm1d(affine=True)", py: "nn.LazyInstanceNorm1d(affine=True)", shape: [2, 3, 6], build: () => new nn.LazyInstanceNorm1d({ affine: true }), eager: nn.InstanceNorm1d },
  { name: "LazyInstanceNorm2d(track_running_stats=True)", py: "nn.LazyInstanceNorm2d(track_running_stats=True)", shape: [2, 3, 4, 4], build: () => new nn.LazyInstanceNorm2d({ trackRunningStats: true }), eager: nn.InstanceNorm2d },
  { name: "LazyInstanceNorm3d()", py: "nn.LazyInstanceNorm3d()", shape: [1, 3, 2, 2, 2], build: () => new nn.LazyInstanceNorm3d(), eager: nn.InstanceNorm3d },
];

const input = (shape: number[]): number[] => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(0.7 * i + 0.3));

describe("lazy modules against PyTorch", { skip: pyTorchSkipReason() }, () => {
  const py = runPython(`
    import torch, torch.nn as nn, warnings
    warnings.simplefilter("ignore")
    out = []
    for i, c in enumerate(INPUT):
        torch.manual_seed(10 + i)
        m = eval(c["py"])
        x = torch.tensor(c["x"]).reshape(c["shape"])
        y = m(x)
        out.append({"y": y.detach(), "cls": type(m).__name__, "sd": {k: v.reshape(-1).tolist() for k, v in m.state_dict().items()}, "keys": list(m.state_dict().keys())})
    OUTPUT = out
  `, cases.map((c) => ({ py: c.py, shape: c.shape, x: input(c.shape) }))) as { y: unknown; cls: string; sd: Record<string, number[]>; keys: string[] }[];

  cases.forEach((c, i) => {
    it(c.name, () => {
      torch.manualSeed(10 + i);
      const m = c.build();
      assert.equal(nn.hasUninitializedParams(m), m._parameters.size + m._buffers.size > 1);
      const y = (m as any).forward(torch.tensor(input(c.shape)).reshape(c.shape)) as Tensor;
      assert.equal(m.constructor.name, py[i].cls, "the module became the eager class");
      assert.ok(m instanceof c.eager);
      assert.equal(nn.hasUninitializedParams(m), false);
      assert.deepEqual([...m.stateDict().keys()], py[i].keys);
      for (const [k, v] of m.stateDict()) assertClose(Array.from(v.toTypedArray() as ArrayLike<number | bigint>, Number), py[i].sd[k], k, 1e-6, 1e-7);
      assertClose(vals(y), flat(py[i].y), "output", 1e-5, 1e-6);
    });
  });
});

describe("lazy modules: behaviour and errors", () => {
  it("an optimiser built before the first call trains the materialized parameters", () => {
    const m = new nn.LazyLinear(2);
    const w: any = m.weight;
    assert.ok(w instanceof nn.UninitializedParameter);
    assert.deepEqual(w.shape, [0]);
    const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1 });
    m.forward(torch.ones([1, 3])).sum().backward();
    assert.equal(m.weight, w, "same object");
    assert.deepEqual(w.shape, [2, 3]);
    assert.ok(!(w instanceof nn.UninitializedParameter));
    assert.equal(Object.getPrototypeOf(w), nn.Parameter.prototype, "a plain Parameter now");
    const before = vals(w);
    opt.step();
    assert.deepEqual(vals(w), before.map((v) => Math.fround(v - 0.1)));
    assert.equal(m.inFeatures, 3);
    assert.match(m.toString(), /^Linear\(in_features=3, out_features=2, bias=True\)/);
  });
  it("takes PyTorch's positional arguments after the inferred size (LazyConv2d(16, 3, 2), LazyInstanceNorm1d(1e-3))", () => {
    const c = new nn.LazyConv2d(16, 3, 2);
    assert.deepEqual(c.stride, [2, 2]);
    assert.deepEqual(c.forward(torch.ones([1, 3, 8, 8])).shape, [1, 16, 3, 3]);
    assert.equal(c.inChannels, 3);
    const n = new nn.LazyInstanceNorm1d(1e-3);
    assert.equal(n.eps, 1e-3);
    assert.equal(n.affine, true, "the lazy default stays affine");
    assert.throws(() => new nn.LazyInstanceNorm1d(1e-5, 0.1, false, { affine: true }), /LazyInstanceNorm1d: 'affine' is given twice/);
  });
  it("errors: wrong rank, channels not divisible by groups", () => {
    assert.throws(() => new nn.LazyConv2d(4, 3).forward(torch.ones([3, 5])), /Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d, but got input of size: \[3,5\]/);
    assert.throws(() => new nn.LazyConv2d(4, 3, { groups: 2 }).forward(torch.ones([1, 3, 5, 5])), /in_channels must be divisible by groups/);
    assert.throws(() => new nn.LazyBatchNorm2d().forward(torch.ones([3, 5])), /LazyBatchNorm2d expected 4D input \(got 2D input\)/);
  });
});
