// The torch.nn.functional, nn.init, nn.utils names and nn modules added for issue #20's coverage
// point, against PyTorch of the same libtorch on the same float64 inputs: outputs, the gradient of
// out.sum() with respect to the first input, RNG-driven results after the same manual seed, PyTorch's
// positional constructors, and the error messages for bad input. CrossMapLRN2d's gradient is left
// out: PyTorch's legacy layer has a hand-written backward that is not the derivative of its forward.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { torchAtLeast } from "../src/core/runtime.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const F = nn.functional;
type T = torch.Tensor;
type Arr = number[] | number;

// Inputs made in Python (seeded, float64), each case's output(s) and d(sum of outputs)/d(X['x']).
const PY = `
import torch, torch.nn.functional as F
torch.manual_seed(0)
d = torch.float64
r = lambda *s: torch.randn(*s, dtype=d)
X = {
  'a': r(4, 5), 'b': r(4, 5), 'c': r(4, 5), 'y': torch.tensor([1., -1, 1, -1], dtype=d), 'ys': torch.randn(4, 5, dtype=d).sign(),
  't01': (torch.rand(4, 5) > 0.5).to(d), 'w5': torch.rand(5, dtype=d), 'var': torch.rand(4, 5, dtype=d) + 0.1, 'var1': torch.rand(4, dtype=d) + 0.1,
  'x3': r(2, 3, 9), 'x4': r(2, 3, 6, 7), 'x5': r(2, 2, 4, 4, 4), 'samples': torch.rand(2, 3, 2, dtype=d),
  'theta': r(2, 2, 3), 'grid': torch.rand(2, 4, 5, 2, dtype=d) * 2.2 - 1.1, 'idx': torch.tensor([[1, 2, 4], [4, 3, 9]]),
  'idx1': torch.tensor([1, 2, 4, 4, 3, 9, 0]), 'off': torch.tensor([0, 3, 5]), 'psw': torch.rand(7, dtype=d), 'emb': r(10, 3),
  'cols': r(2, 12, 12), 'q': r(3, 2, 8), 'k': r(5, 2, 8), 'v': r(5, 2, 8), 'inw': r(24, 8) * 0.3, 'inb': r(24) * 0.1,
  'outw': r(8, 8) * 0.3, 'outb': r(8) * 0.1, 'kpm': torch.tensor([[False, False, True, False, True], [False] * 5]),
  'w3': r(3), 'b3': r(3), 'lrn': r(2, 6, 3, 3),
}
def run(name, f, grad=True):
  x = {k: (v.clone().requires_grad_(grad and k == FIRST[name]) if v.is_floating_point() else v.clone()) for k, v in X.items()}
  out = f(x)
  outs = list(out) if isinstance(out, (tuple, list)) else [out]
  res = {'out': [o for o in outs if o is not None]}
  if grad:
    sum(o.sum() for o in outs if o is not None and o.is_floating_point()).backward()
    res['grad'] = x[FIRST[name]].grad
  return res
FIRST = {}
CASES = {}
for name, first, expr, grad in INPUT:
  FIRST[name] = first
  CASES[name] = run(name, eval('lambda X: ' + expr), grad)
torch.manual_seed(5); g = F.gumbel_softmax(X['a'], 0.5, True)
torch.manual_seed(6); e = torch.empty(4, 6, dtype=d); torch.nn.init.orthogonal_(e, 1.5)
torch.manual_seed(7); s = torch.empty(6, 5, dtype=d); torch.nn.init.sparse_(s, 0.5, 0.1)
OUTPUT = {'X': X, 'cases': CASES, 'gumbel': g, 'orthogonal': e, 'sparse': s, 'eye': torch.nn.init.eye_(torch.empty(3, 5))}
`;

interface Case { name: string; first: string; py: string; ts: (x: Record<string, T>) => T | (T | null)[]; grad?: boolean }

const cases: Case[] = [
  { name: "margin_ranking_loss", first: "a", py: "F.margin_ranking_loss(X['a'][:, 0], X['b'][:, 0], X['y'], 0.3)", ts: (x) => F.marginRankingLoss(x.a.select(1, 0), x.b.select(1, 0), x.y, 0.3) },
  { name: "hinge_embedding_loss", first: "a", py: "F.hinge_embedding_loss(X['a'], X['ys'], 0.5, reduction='sum')", ts: (x) => F.hingeEmbeddingLoss(x.a, x.ys, 0.5, { reduction: "sum" }) },
  { name: "cosine_embedding_loss", first: "a", py: "F.cosine_embedding_loss(X['a'], X['b'], X['y'], 0.2)", ts: (x) => F.cosineEmbeddingLoss(x.a, x.b, x.y, 0.2) },
  { name: "multilabel_soft_margin_loss", first: "a", py: "F.multilabel_soft_margin_loss(X['a'], X['t01'], X['w5'], reduction='none')", ts: (x) => F.multilabelSoftMarginLoss(x.a, x.t01, x.w5, { reduction: "none" }) },
  { name: "poisson_nll_loss", first: "a", py: "F.poisson_nll_loss(X['a'], X['var'], True, True)", ts: (x) => F.poissonNllLoss(x.a, x.var, true, true) },
  { name: "gaussian_nll_loss", first: "a", py: "F.gaussian_nll_loss(X['a'], X['b'], X['var1'], full=True)", ts: (x) => F.gaussianNllLoss(x.a, x.b, x.var1, true) },
  { name: "triplet_margin_loss", first: "a", py: "F.triplet_margin_loss(X['a'], X['b'], X['c'], 0.5, 1.5, swap=True)", ts: (x) => F.tripletMarginLoss(x.a, x.b, x.c, 0.5, 1.5, { swap: true }) },
  { name: "triplet_margin_with_distance_loss", first: "a", py: "F.triplet_margin_with_distance_loss(X['a'], X['b'], X['c'], swap=True, reduction='none')",
    ts: (x) => F.tripletMarginWithDistanceLoss(x.a, x.b, x.c, { swap: true, reduction: "none" }) },
  { name: "max_pool1d", first: "x3", py: "F.max_pool1d(X['x3'], 3, 2, 1)", ts: (x) => F.maxPool1d(x.x3, 3, 2, 1) },
  { name: "max_pool1d_with_indices", first: "x3", py: "F.max_pool1d_with_indices(X['x3'], 2, ceil_mode=True)", ts: (x) => F.maxPool1dWithIndices(x.x3, 2, { ceilMode: true }) },
  { name: "max_pool3d", first: "x5", py: "F.max_pool3d(X['x5'], 2, 1, 1, return_indices=True)", ts: (x) => F.maxPool3d(x.x5, 2, 1, 1, { returnIndices: true }) },
  { name: "adaptive_max_pool1d", first: "x3", py: "F.adaptive_max_pool1d(X['x3'], 4)", ts: (x) => F.adaptiveMaxPool1d(x.x3, 4) },
  { name: "adaptive_max_pool1d_with_indices", first: "x3", py: "F.adaptive_max_pool1d_with_indices(X['x3'], 5)", ts: (x) => F.adaptiveMaxPool1dWithIndices(x.x3, 5) },
  { name: "adaptive_max_pool2d_with_indices", first: "x4", py: "F.adaptive_max_pool2d_with_indices(X['x4'], (2, 3))", ts: (x) => F.adaptiveMaxPool2dWithIndices(x.x4, [2, 3]) },
  { name: "adaptive_max_pool2d", first: "x4", py: "F.adaptive_max_pool2d(X['x4'], 3)", ts: (x) => F.adaptiveMaxPool2d(x.x4, 3) },
  { name: "adaptive_max_pool3d_with_indices", first: "x5", py: "F.adaptive_max_pool3d_with_indices(X['x5'], 2)", ts: (x) => F.adaptiveMaxPool3dWithIndices(x.x5, 2) },
  { name: "fractional_max_pool2d_with_indices", first: "x4", py: "F.fractional_max_pool2d_with_indices(X['x4'], 2, 3, _random_samples=X['samples'])",
    ts: (x) => F.fractionalMaxPool2dWithIndices(x.x4, 2, 3, { randomSamples: x.samples }) },
  { name: "fractional_max_pool2d ratio", first: "x4", py: "F.fractional_max_pool2d(X['x4'], 2, output_ratio=(0.5, 0.5), _random_samples=X['samples'])",
    ts: (x) => F.fractionalMaxPool2d(x.x4, 2, null, 0.5, false, x.samples) },
  { name: "lp_pool1d", first: "x3", py: "F.lp_pool1d(X['x3'], 2, 3)", ts: (x) => F.lpPool1d(x.x3, 2, 3) },
  { name: "lp_pool2d", first: "x4", py: "F.lp_pool2d(X['x4'], 2, 2, (1, 2), True)", ts: (x) => F.lpPool2d(x.x4, 2, 2, [1, 2], true) },
  { name: "max_unpool1d", first: "x3", py: "F.max_unpool1d(*F.max_pool1d(X['x3'], 2, return_indices=True), 2, output_size=[9])",
    ts: (x) => { const [o, i] = F.maxPool1d(x.x3, 2, { returnIndices: true }); return F.maxUnpool1d(o, i, 2, { outputSize: [9] }); } },
  { name: "affine_grid", first: "theta", py: "F.affine_grid(X['theta'], [2, 3, 4, 5], False)", ts: (x) => F.affineGrid(x.theta, [2, 3, 4, 5], false) },
  { name: "grid_sample bilinear border", first: "x4", py: "F.grid_sample(X['x4'], X['grid'], 'bilinear', 'border', True)", ts: (x) => F.gridSample(x.x4, x.grid, "bilinear", "border", true) },
  { name: "grid_sample bicubic reflection", first: "x4", py: "F.grid_sample(X['x4'], X['grid'], mode='bicubic', padding_mode='reflection', align_corners=False)",
    ts: (x) => F.gridSample(x.x4, x.grid, { mode: "bicubic", paddingMode: "reflection", alignCorners: false }) },
  { name: "dropout2d eval", first: "x4", py: "F.dropout2d(X['x4'], 0.5, False)", ts: (x) => F.dropout2d(x.x4, 0.5, false) },
  { name: "dropout1d p 0", first: "x3", py: "F.dropout1d(X['x3'], 0.0)", ts: (x) => F.dropout1d(x.x3, 0.0) },
  { name: "dropout3d eval", first: "x5", py: "F.dropout3d(X['x5'], training=False)", ts: (x) => F.dropout3d(x.x5, { training: false }) },
  { name: "embedding", first: "emb", py: "F.embedding(X['idx'], X['emb'], 4)", ts: (x) => F.embedding(x.idx, x.emb, 4) },
  { name: "embedding_bag sum weighted", first: "emb", py: "F.embedding_bag(X['idx1'], X['emb'], X['off'], mode='sum', per_sample_weights=X['psw'])",
    ts: (x) => F.embeddingBag(x.idx1, x.emb, x.off, { mode: "sum", perSampleWeights: x.psw }) },
  { name: "embedding_bag max 2-D", first: "emb", py: "F.embedding_bag(X['idx'], X['emb'], None, None, 2, False, 'max')", ts: (x) => F.embeddingBag(x.idx, x.emb, null, null, 2, false, "max") },
  { name: "fold", first: "cols", py: "F.fold(X['cols'], (4, 5), 2)", ts: (x) => F.fold(x.cols, [4, 5], 2) },
  { name: "unfold", first: "x4", py: "F.unfold(X['x4'], 2, 1, 1, 2)", ts: (x) => F.unfold(x.x4, 2, 1, 1, 2) },
  { name: "instance_norm", first: "x4", py: "F.instance_norm(X['x4'], None, None, X['w3'], X['b3'])", ts: (x) => F.instanceNorm(x.x4, null, null, x.w3, x.b3) },
  { name: "local_response_norm", first: "x4", py: "F.local_response_norm(X['x4'], 3, 0.1, 0.6, 2.0)", ts: (x) => F.localResponseNorm(x.x4, 3, 0.1, 0.6, 2.0) },
  { name: "logsigmoid", first: "a", py: "F.logsigmoid(X['a'])", ts: (x) => F.logsigmoid(x.a) },
  { name: "softsign", first: "a", py: "F.softsign(X['a'])", ts: (x) => F.softsign(x.a) },
  { name: "tanhshrink", first: "a", py: "F.tanhshrink(X['a'])", ts: (x) => F.tanhshrink(x.a) },
  { name: "softmin", first: "a", py: "F.softmin(X['a'], 1)", ts: (x) => F.softmin(x.a, 1) },
  { name: "upsample bilinear", first: "x4", py: "F.upsample(X['x4'], None, 2, 'bilinear', False)", ts: (x) => F.upsample(x.x4, null, 2, "bilinear", false) },
  { name: "upsample_nearest", first: "x4", py: "F.upsample_nearest(X['x4'], (5, 9))", ts: (x) => F.upsampleNearest(x.x4, [5, 9]) },
  { name: "upsample_bilinear", first: "x4", py: "F.upsample_bilinear(X['x4'], scale_factor=2)", ts: (x) => F.upsampleBilinear(x.x4, { scaleFactor: 2 }) },
  { name: "multi_head_attention_forward", first: "q",
    py: "F.multi_head_attention_forward(X['q'], X['k'], X['v'], 8, 2, X['inw'], X['inb'], None, None, False, 0.0, X['outw'], X['outb'], key_padding_mask=X['kpm'])",
    ts: (x) => F.multiHeadAttentionForward(x.q, x.k, x.v, 8, 2, x.inw, x.inb, null, null, false, 0.0, x.outw, x.outb, { keyPaddingMask: x.kpm }) },
  { name: "CrossMapLRN2d", first: "lrn", py: "torch.nn.CrossMapLRN2d(3, 0.1, 0.75, 2.0)(X['lrn'])", ts: (x) => new nn.CrossMapLRN2d(3, 0.1, 0.75, 2.0).forward(x.lrn), grad: false },
  { name: "CrossMapLRN2d size 5 (its window keeps channel 0)", first: "lrn", py: "torch.nn.CrossMapLRN2d(5, 0.3)(X['lrn'])", ts: (x) => new nn.CrossMapLRN2d(5, 0.3).forward(x.lrn), grad: false },
];

function toT(v: unknown): T {
  const flat = JSON.stringify(v);
  const isInt = !/[.eE]/.test(flat) && !/true|false/.test(flat);
  if (/true|false/.test(flat)) return torch.tensor(v as boolean[][]);
  return torch.tensor(v as number[], { dtype: isInt ? "int64" : "float64" });
}
function close(actual: T, expected: Arr, what: string, tol = 1e-9): void {
  const a = actual.toArray() as Arr;
  const fa = [a].flat(Infinity as 1) as number[];
  const fe = [expected].flat(Infinity as 1) as number[];
  assert.equal(fa.length, fe.length, `${what}: ${fa.length} values, PyTorch ${fe.length}`);
  for (let i = 0; i < fa.length; i++) {
    const [x, y] = [Number(fa[i]), Number(fe[i])];
    assert.ok(Math.abs(x - y) <= tol * (1 + Math.abs(y)) || (Number.isNaN(x) && Number.isNaN(y)), `${what}[${i}]: ${x} vs PyTorch ${y}`);
  }
}

describe("nn.functional coverage names against PyTorch (float64)", () => {
  const py = runPython(PY, cases.map((c) => [c.name, c.first, c.py, c.grad ?? true])) as {
    X: Record<string, unknown>; cases: Record<string, { out: Arr[]; grad?: Arr }>; gumbel: Arr; orthogonal: Arr; sparse: Arr; eye: Arr;
  };
  for (const c of cases) {
    it(c.name, () => torch.scope(() => {
      const x: Record<string, T> = {};
      for (const [k, v] of Object.entries(py.X)) x[k] = toT(v);
      x[c.first].requiresGrad_(true);
      const r = c.ts(x);
      const outs = (Array.isArray(r) ? r : [r]).filter((o): o is T => o !== null);
      const want = py.cases[c.name];
      assert.equal(outs.length, want.out.length, `${c.name}: number of outputs`);
      outs.forEach((o, i) => close(o, want.out[i], `${c.name} output ${i}`));
      if (want.grad !== undefined) {
        const total = outs.filter((o) => o.dtype === "float64").map((o) => o.sum()).reduce((s, t) => s.add(t));
        total.backward();
        close(x[c.first].grad!, want.grad, `${c.name} grad`);
      }
    }));
  }

  it("gumbelSoftmax, orthogonal_, sparse_ and eye_ draw what PyTorch draws after the same seed", () => torch.scope(() => {
    const a = toT(py.X.a);
    torch.manualSeed(5);
    close(F.gumbelSoftmax(a, 0.5, true), py.gumbel, "gumbelSoftmax");
    torch.manualSeed(6);
    close(nn.init.orthogonal_(torch.empty([4, 6], { dtype: "float64" }), 1.5), py.orthogonal, "orthogonal_");
    torch.manualSeed(7);
    close(nn.init.sparse_(torch.empty([6, 5], { dtype: "float64" }), 0.5, 0.1), py.sparse, "sparse_");
    close(nn.init.eye_(torch.empty([3, 5])), py.eye, "eye_");
  }));
});

describe("nn modules added for coverage", () => {
  it("AdaptiveLogSoftmaxWithLoss: output, loss, logProb, predict and the input gradient match PyTorch's with the same weights", () => {
    const want = runPython(`
      import torch
      torch.manual_seed(1)
      m = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True).double()
      x = torch.randn(5, 8, dtype=torch.float64, requires_grad=True)
      y = torch.tensor([0, 4, 9, 2, 7])
      o = m(x, y); o.loss.backward()
      OUTPUT = {'sd': {k: v for k, v in m.state_dict().items()}, 'x': x, 'out': o.output, 'loss': o.loss, 'grad': x.grad,
                'logprob': m.log_prob(x), 'pred': m.predict(x)}
    `) as Record<string, any>;
    torch.scope(() => {
      const m = new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], 2.0, true, { dtype: "float64" });
      m.loadStateDict(new Map(Object.entries(want.sd as Record<string, number[]>).map(([k, v]) => [k, torch.tensor(v, { dtype: "float64" })])));
      const x = torch.tensor(want.x, { dtype: "float64" }).requiresGrad_(true);
      const o = m.forward(x, torch.tensor([0, 4, 9, 2, 7], { dtype: "int64" }));
      close(o.output, want.out, "output");
      close(o.loss, want.loss, "loss");
      o.loss.backward();
      close(x.grad!, want.grad, "grad");
      close(m.logProb(x), want.logprob, "logProb");
      close(m.predict(x), want.pred, "predict");
      assert.throws(() => m.forward(x, torch.tensor([0, 4, 10, 2, 7], { dtype: "int64" })), { message: "tstorch: AdaptiveLogSoftmaxWithLoss: target values should be in [0, 9], but values in range [0, 10] were found" });
      assert.throws(() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3]), /cutoffs should be a sequence of unique, positive integers sorted/);
      m.dispose();
    });
  });

  it("SyncBatchNorm mirrors PyTorch on the CPU; convertSyncBatchnorm swaps BatchNorm layers keeping their tensors", () => torch.scope(() => {
    const x = torch.randn([4, 3, 5], { dtype: "float64" });
    const m = new nn.SyncBatchNorm(3, 1e-5, 0.2, { dtype: "float64" });
    if (torchAtLeast(2, 0)) {
      const ref = new nn.BatchNorm1d(3, 1e-5, 0.2, { dtype: "float64" });
      close(m.forward(x), ref.forward(x).toArray() as number[], "SyncBatchNorm as BatchNorm without a process group");
      close(m.runningMean!, ref.runningMean!.toArray() as number[], "running mean");
    } else {
      assert.throws(() => m.forward(x), { message: "tstorch: SyncBatchNorm expected input tensor to be on GPU" });
    }
    assert.throws(() => m.forward(torch.randn([3])), { message: "tstorch: SyncBatchNorm: expected at least 2D input (got 1D input)" });
    const bn = new nn.BatchNorm1d(3);
    const net = new nn.Sequential(new nn.Linear(2, 3), bn);
    const conv = nn.SyncBatchNorm.convertSyncBatchnorm(net);
    const swapped = [...conv.children()][1] as InstanceType<typeof nn.SyncBatchNorm>;
    assert.ok(swapped instanceof nn.SyncBatchNorm);
    assert.equal(swapped.weight, bn.weight);
    assert.equal(swapped.runningVar, bn.runningVar);
  }));

  it("skipInit and convertConv2dWeightMemoryFormat", () => torch.scope(() => {
    const lin = nn.utils.skipInit(nn.Linear, 3, 4);
    assert.ok(lin instanceof nn.Linear);
    assert.deepEqual(lin.weight.shape, [4, 3]);
    const net = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.ReLU(), new nn.Conv1d(2, 2, 3));
    const w = (net.at(0) as InstanceType<typeof nn.Conv2d>).weight;
    nn.utils.convertConv2dWeightMemoryFormat(net, "channelsLast");
    assert.deepEqual(w.stride(), [27, 1, 9, 3]); // PyTorch's channels_last strides of [8, 3, 3, 3]
    assert.ok((net.at(2) as InstanceType<typeof nn.Conv1d>).weight.isContiguous());
    assert.throws(() => nn.utils.skipInit(Map as any), { message: "tstorch: skipInit: Map is not a Module class" });
  }));
});

describe("PyTorch's positional constructors", () => {
  it("take PyTorch's positional order", () => torch.scope(() => {
    assert.equal(new nn.MultiheadAttention(8, 2, 0.0, false).inProjBias, null);
    assert.equal(new nn.MultiheadAttention(8, 2, 0.1, true, false, false, 4, 6).kProjWeight!.shape[1], 4);
    assert.equal(new nn.Bilinear(2, 3, 4, false).bias, null);
    assert.deepEqual(new nn.Upsample(null, 2).forward(torch.ones([1, 1, 2, 2])).shape, [1, 1, 4, 4]);
    assert.deepEqual(new nn.Upsample([3, 5], null, "bilinear", true).forward(torch.ones([1, 1, 2, 2])).shape, [1, 1, 3, 5]);
    assert.deepEqual(new nn.UpsamplingNearest2d(null, 3).forward(torch.ones([1, 1, 2, 2])).shape, [1, 1, 6, 6]);
    assert.deepEqual(new nn.Unfold(2, 1, 1, 2).forward(torch.ones([1, 2, 5, 5])).shape, [1, 8, 9]);
    assert.deepEqual(new nn.Fold([4, 5], 2, 1, 0, 1).forward(torch.ones([1, 8, 12])).shape, [1, 2, 4, 5]);
    const bag = new nn.EmbeddingBag(10, 3, null, 2, false, "sum");
    assert.equal(bag.mode, "sum");
    const enc = new nn.TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-6, true, true);
    assert.deepEqual([enc.linear1.weight.shape, enc.normFirst, enc.norm1.eps], [[16, 8], true, 1e-6]);
    assert.deepEqual([...new nn.TransformerDecoderLayer(8, 2, 16).stateDict().keys()].slice(0, 6),
      ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias"]);
    const tr = new nn.Transformer(8, 2, 1, 2, 16);
    assert.deepEqual([tr.encoder.numLayers, tr.decoder.numLayers, tr.encoder.layers.at(0).linear1.weight.shape[0]], [1, 2, 16]);
    assert.equal(new nn.TransformerEncoder(enc, 2, new nn.LayerNorm(8)).norm!.normalizedShape[0], 8);
    assert.deepEqual(new nn.FractionalMaxPool2d(2, 3).forward(torch.randn([1, 2, 8, 8])).shape, [1, 2, 3, 3]);
    assert.deepEqual([new nn.TripletMarginLoss(0.5, 1).margin, new nn.TripletMarginLoss(0.5, 1).p], [0.5, 1]);
    assert.equal(new nn.PoissonNLLLoss(false).logInput, false);
    assert.equal(new nn.MarginRankingLoss(0.5).margin, 0.5);
    assert.equal(new nn.MultiMarginLoss(2, 0.5).p, 2);
    assert.equal(new nn.PairwiseDistance(1, 1e-6, true).keepdim, true);
    assert.throws(() => new nn.MarginRankingLoss(0.5, 1 as any), /at most 1 more positional argument/);
  }));
});

describe("errors for bad input", () => {
  it("name the problem", () => torch.scope(() => {
    const a = torch.randn([4, 5], { dtype: "float64" });
    assert.throws(() => F.marginRankingLoss(a, a, torch.ones([4])), { message: "tstorch: marginRankingLoss: all input tensors should have the same dimension but got sizes: input1 [4, 5], input2 [4, 5], target [4]" });
    assert.throws(() => F.hingeEmbeddingLoss(a, a, { reduction: "avg" as any }), { message: "tstorch: hingeEmbeddingLoss: avg is not a valid value for reduction" });
    assert.throws(() => F.gaussianNllLoss(a, a, a.neg().abs().neg()), { message: "tstorch: gaussianNllLoss: var has negative entry/entries" });
    assert.throws(() => F.gaussianNllLoss(a, a, torch.ones([3])), { message: "tstorch: gaussianNllLoss: var is of incorrect size [3] for input [4, 5]" });
    assert.throws(() => F.tripletMarginWithDistanceLoss(a, a, a, { margin: 0 }), { message: "tstorch: tripletMarginWithDistanceLoss: expected margin to be greater than 0, got 0 instead" });
    assert.throws(() => F.gridSample(torch.randn([1, 1, 3, 3]), torch.zeros([1, 2, 2, 2]), "linear" as any), { message: "tstorch: gridSample: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'linear'" });
    assert.throws(() => F.affineGrid(torch.randn([2, 3, 3]), [2, 3, 4, 5]), { message: "tstorch: affineGrid: expected a batch of 2-D affine matrices of shape [N, 2, 3] for size [2, 3, 4, 5], got [2, 3, 3]" });
    assert.throws(() => F.affineGrid(torch.randn([2, 2, 3]), [2, 3]), /affineGrid only supports 4-D and 5-D sizes/);
    const w = torch.randn([10, 3]);
    assert.throws(() => F.embeddingBag(torch.tensor([1, 2], { dtype: "int64" }), w, torch.tensor([0], { dtype: "int64" }), { mode: "mean", perSampleWeights: torch.ones([2]) }),
      { message: "tstorch: embeddingBag perSampleWeights is only supported for mode='sum', got mode='mean'" });
    assert.throws(() => F.embeddingBag(torch.tensor([1, 2], { dtype: "int64" }), w), { message: "tstorch: embeddingBag offsets are required when the input is 1-D" });
    assert.throws(() => F.embedding(torch.tensor([1, 12], { dtype: "int64" }), w), /index out of range|out of range/);
    assert.throws(() => F.fractionalMaxPool2d(torch.randn([1, 1, 6, 6]), 2), { message: "tstorch: fractionalMaxPool2d requires specifying either an outputSize or an outputRatio" });
    assert.throws(() => F.maxPool1d(torch.randn([1, 1, 6]), 2, { stride: 1 } as any, 0), /the options object must come last/);
    assert.throws(() => F.instanceNorm(torch.randn([2, 3, 1])), { message: "tstorch: instanceNorm: expected more than 1 spatial element when training, got input size [2, 3, 1]" });
    assert.throws(() => F.localResponseNorm(torch.randn([2, 3]), 2), { message: "tstorch: localResponseNorm: expected 3D or higher dimensionality input (got 2 dimensions)" });
    assert.throws(() => F.dropout2d(torch.randn([2, 3]), 1.5), { message: "tstorch: dropout probability has to be between 0 and 1, but got 1.5" });
    assert.throws(() => F.multiHeadAttentionForward(a.view(4, 1, 5), a.view(4, 1, 5), a.view(4, 1, 5), 5, 2, null, null, null, null, false, 0, torch.eye(5), null),
      { message: "tstorch: multiHeadAttentionForward: embedDim (5) must be divisible by numHeads (2)" });
    assert.throws(() => nn.init.eye_(torch.empty([2, 2, 2])), { message: "tstorch: eye_: only tensors with 2 dimensions are supported, got [2, 2, 2]" });
    assert.throws(() => nn.init.orthogonal_(torch.empty([3])), { message: "tstorch: orthogonal_: only tensors with 2 or more dimensions are supported, got [3]" });
    assert.throws(() => new nn.CrossMapLRN2d(3).forward(torch.randn([2, 3, 4])), { message: "tstorch: CrossMapLRN2d expects a 4-D input [N, C, H, W], got 3-D" });
  }));
});

describe("nn.utils.parametrizations.orthogonal", () => {
  it("matches PyTorch: the trivialised weight, its gradient, and each map's forward", () => {
    const py = runPython(`
      import torch
      from torch.nn.utils import parametrizations as P
      d = torch.float64
      torch.manual_seed(0)
      W = torch.randn(4, 4, dtype=d); W2 = torch.randn(5, 3, dtype=d); X = torch.randn(5, 3, dtype=d); Xs = torch.randn(4, 4, dtype=d)
      m = torch.nn.Linear(4, 4).double(); m.weight.data.copy_(W); P.orthogonal(m)
      w = m.weight; (w * torch.arange(16, dtype=d).view(4, 4)).sum().backward()
      torch.manual_seed(3); m2 = torch.nn.Linear(3, 5).double(); m2.weight.data.copy_(W2); P.orthogonal(m2)
      maps = {}
      for name in ['matrix_exp', 'cayley', 'householder']:
        for key, x in [('tall', X), ('square', Xs)]:
          maps[name + key] = P._Orthogonal(x, getattr(P._OrthMaps, name), use_trivialization=False)(x)
      OUTPUT = {'W': W, 'W2': W2, 'X': X, 'Xs': Xs, 'w': w, 'g': m.parametrizations.weight.original.grad, 'w2': m2.weight, 'maps': maps}
    `) as Record<string, any>;
    torch.scope(() => {
      const P = nn.utils.parametrizations;
      const m = new nn.Linear(4, 4, { dtype: "float64" });
      torch.noGrad(() => m.weight.copy_(torch.tensor(py.W, { dtype: "float64" })));
      P.orthogonal(m);
      const w = m.weight;
      close(w, py.w, "orthogonal weight (square, matrix_exp)");
      w.mul(torch.arange(16, { dtype: "float64" }).view(4, 4)).sum().backward();
      close((m as any).parametrizations.weight.original.grad, py.g, "original.grad");
      const m2 = new nn.Linear(3, 5, { dtype: "float64" });
      torch.noGrad(() => m2.weight.copy_(torch.tensor(py.W2, { dtype: "float64" })));
      torch.manualSeed(3);
      P.orthogonal(m2);
      close(m2.weight, py.w2, "orthogonal weight (tall, householder)");
      for (const map of ["matrix_exp", "cayley", "householder"] as const) {
        for (const key of ["tall", "square"]) {
          const x = torch.tensor(key === "tall" ? py.X : py.Xs, { dtype: "float64" });
          close(new P.OrthogonalParametrization(x, map, false).forward(x), py.maps[map + key], `${map} ${key}`);
        }
      }
      assert.throws(() => P.orthogonal(new nn.Linear(3, 3), "weight", "qr" as any), /orthogonalMap has to be one of "matrix_exp", "cayley", "householder", got: qr/);
      assert.throws(() => P.orthogonal(new nn.Linear(3, 3), "bias"), { message: "tstorch: orthogonal: expected a matrix or batch of matrices, got a tensor of 1 dimensions" });
    });
  });
});
