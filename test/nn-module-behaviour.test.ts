// Module behaviour against PyTorch: state_dict names, forward and backward values, load_state_dict
// errors, train/eval, BatchNorm running statistics, in-place device/dtype moves, memory ownership.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat, fromPy, pythonSeedModels, seedModelSeq, seedModelSequential } from "./helpers/seed-models.js";

const { nn } = torch;

function assertClose(actual: number[], expected: number[], what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: element count`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) assert.fail(`${what}[${i}]: tstorch ${a} vs PyTorch ${e}`);
  }
}

/** A module with named attributes, like a PyTorch class with self.layer1 = ... */
class TwoLayer extends nn.Module {
  layer1 = new nn.Linear(6, 5);
  norm = new nn.BatchNorm1d(5);
  layer2 = new nn.Linear(5, 2, { bias: false });
  forward(x: torch.Tensor): torch.Tensor {
    return torch.scope(() => this.layer2.forward(this.norm.forward(this.layer1.forward(x)).relu()));
  }
}

test("stateDict names and shapes equal PyTorch's for the seed's models, built with Sequential and with seq()", () => {
  const py = runPython(
    pythonSeedModels() +
      dedent(`
      class TwoLayer(nn.Module):
          def __init__(self):
              super().__init__()
              self.layer1 = nn.Linear(6, 5)
              self.norm = nn.BatchNorm1d(5)
              self.layer2 = nn.Linear(5, 2, bias=False)
      OUTPUT = {name: [[k, list(v.shape)] for k, v in m.state_dict().items()]
                for name, m in [("mlp", make_model("mlp")), ("cnn", make_model("cnn")), ("ae", make_model("ae")), ("two", TwoLayer())]}
      OUTPUT["numel"] = {name: sum(p.numel() for p in make_model(name).parameters()) for name in ("mlp", "cnn", "ae")}
      OUTPUT["named_params_two"] = [k for k, _ in TwoLayer().named_parameters()]
      OUTPUT["named_modules_two"] = [k for k, _ in TwoLayer().named_modules()]
      `),
  ) as Record<string, [string, number[]][]> & { numel: Record<string, number>; named_params_two: string[]; named_modules_two: string[] };
  const entries = (m: torch.nn.Module) => torch.scope(() => [...m.stateDict()].map(([k, v]) => [k, v.shape]));
  for (const name of ["mlp", "cnn", "ae"] as const) {
    for (const m of [seedModelSeq(name), seedModelSequential(name)]) {
      assert.deepEqual(entries(m), py[name], `${name}: state_dict entries`);
      assert.equal(m.numParameters(), py.numel[name], `${name}: parameter count`);
      m.dispose();
    }
  }
  assert.deepEqual(entries(seedModelSeq("cnn")).map(([k]) => k), ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]);
  const two = new TwoLayer();
  assert.deepEqual(entries(two), py.two);
  assert.deepEqual([...two.namedParameters().keys()], py.named_params_two);
  assert.deepEqual([...two.namedModules().keys()], py.named_modules_two);
  two.dispose();
});

test("forward and backward through the seed's models equal PyTorch's for the same weights and inputs", () => {
  // CNN and autoencoder: PyTorch's weights are loaded into tstorch. The MLP (9.4M weights, too many
  // to ship as JSON) is built on both sides from the same seed, which the init test shows is exact.
  const py = runPython(
    pythonSeedModels() +
      dedent(`
      import torch.nn.functional as F
      OUTPUT = {}
      for i, name in enumerate(("cnn", "ae", "mlp")):
          torch.manual_seed(100 + i)
          m = make_model(name)
          x = torch.rand(4, 3, 32, 32)
          out = m(x)
          if name == "ae":
              loss = F.mse_loss(out, x)
          else:
              y = torch.tensor([1, 7, 3, 0])
              loss = F.cross_entropy(out, y)
          loss.backward()
          small = name != "mlp"
          OUTPUT[name] = {"sd": {k: v.tolist() for k, v in m.state_dict().items()} if small else None,
                          "x": x.tolist(), "out": out.flatten(), "loss": loss.item(),
                          "grads": {k: p.grad.flatten() if small or p.numel() < 100000 else [p.grad.sum().item(), p.grad.abs().sum().item()]
                                    for k, p in m.named_parameters()}}
      `),
  ) as Record<string, { sd: Record<string, unknown> | null; x: unknown; out: number[]; loss: number; grads: Record<string, number[]> }>;
  for (const [i, name] of (["cnn", "ae", "mlp"] as const).entries()) {
    for (const build of [seedModelSeq, seedModelSequential]) {
      const r = py[name];
      torch.manualSeed(100 + i);
      const m = build(name);
      torch.scope(() => {
        if (r.sd !== null) m.loadStateDict(Object.fromEntries(Object.entries(r.sd).map(([k, v]) => [k, fromPy(v)])));
        else torch.rand([4, 3, 32, 32]); // the draw PyTorch made for x (x itself comes from Python)
        const x = fromPy(r.x);
        const out = m.forward(x);
        assertClose(flat(out), r.out, `${name} forward`);
        const loss = name === "ae" ? nn.mseLoss(out, x) : nn.crossEntropyForLogits(out, torch.tensor([1, 7, 3, 0], { dtype: "int64" }));
        assertClose([loss.item()], [r.loss], `${name} loss`);
        m.zeroGrad();
        loss.backward();
        for (const [k, p] of m.namedParameters()) {
          const g = p.grad!;
          const got = g.numel() < 100000 ? flat(g) : [g.sum().item(), g.abs().sum().item()];
          assertClose(got, r.grads[k], `${name} grad ${k}`, 1e-4, 1e-6);
        }
        m.zeroGrad();
        assert.ok(m.parameters().every((p) => p.grad === null), "zeroGrad sets gradients to none");
      });
      m.dispose();
    }
  }
});

test("loadStateDict: missing, unexpected and mis-shaped keys are named; nothing is copied on error; strict=false loads the rest", () => {
  torch.manualSeed(0);
  const src = seedModelSeq("cnn");
  const dst = seedModelSequential("cnn");
  torch.scope(() => {
    const sd = src.stateDict();
    const before = flat(dst.namedParameters().get("0.weight")!);

    const missing = new Map(sd);
    missing.delete("7.bias");
    assert.throws(() => dst.loadStateDict(missing), (e: Error) => /Missing key\(s\) in state_dict: "7\.bias"/.test(e.message));

    const misShaped = new Map(sd);
    misShaped.set("3.weight", torch.zeros([8, 16, 5, 5]));
    assert.throws(
      () => dst.loadStateDict(misShaped),
      (e: Error) => /size mismatch for 3\.weight: copying a param with shape \[8, 16, 5, 5\].*current model is \[8, 16, 3, 3\]/.test(e.message),
    );
    // shape mismatches are errors even when not strict (as in PyTorch)
    assert.throws(() => dst.loadStateDict(misShaped, { strict: false }), /size mismatch for 3\.weight/);

    const extra = new Map(sd);
    extra.set("9.weight", torch.zeros([1]));
    assert.throws(() => dst.loadStateDict(extra), /Unexpected key\(s\) in state_dict: "9\.weight"/);
    assert.deepEqual(flat(dst.namedParameters().get("0.weight")!), before, "a failed load copies nothing");

    missing.set("9.weight", torch.zeros([1]));
    const res = dst.loadStateDict(missing, { strict: false });
    assert.deepEqual(res, { missingKeys: ["7.bias"], unexpectedKeys: ["9.weight"] });
    assert.deepEqual(flat(dst.namedParameters().get("0.weight")!), flat(src.namedParameters().get("0.weight")!));
    assert.notDeepEqual(flat(dst.namedParameters().get("7.bias")!), flat(src.namedParameters().get("7.bias")!));

    // a plain object works too, and the parameters keep their identity
    const w = dst.namedParameters().get("7.weight")!;
    dst.loadStateDict(Object.fromEntries(sd));
    assert.equal(dst.namedParameters().get("7.weight"), w);
    assert.ok(w.requiresGrad && w.isLeaf);
    assert.deepEqual(flat(w), flat(src.namedParameters().get("7.weight")!));
  });
  src.dispose();
  dst.dispose();
});

test("train() and eval() switch Dropout and BatchNorm behaviour in every submodule", () => {
  torch.manualSeed(1);
  const drop = new nn.Dropout(0.5);
  const bn = new nn.BatchNorm1d(3);
  const model = new nn.Sequential(new nn.Sequential(drop), bn);
  assert.ok(model.training && drop.training && bn.training);
  torch.scope(() => {
    const ones = torch.ones([2000, 3]);
    const y = flat(drop.forward(ones));
    const zeros = y.filter((v) => v === 0).length;
    assert.ok(y.every((v) => v === 0 || v === 2), "kept values are scaled by 1/(1-p)");
    assert.ok(zeros > 2700 && zeros < 3300, `about half dropped, got ${zeros} of 6000`);

    model.eval();
    assert.ok(!model.training && !drop.training && !bn.training, "eval() reaches nested children");
    assert.deepEqual(flat(drop.forward(ones)), flat(ones));
    // eval BatchNorm uses the running statistics (initially mean 0, var 1)
    const x = torch.tensor([[1, 2, 3], [3, 6, 9]], { dtype: "float32" });
    const expected = flat(x).map((v) => v / Math.sqrt(1 + 1e-5));
    assertClose(flat(bn.forward(x)), expected, "eval batch norm");
    assert.deepEqual(flat(bn.runningMean!), [0, 0, 0], "eval does not update running statistics");

    model.train();
    assert.ok(drop.training && bn.training);
    // training BatchNorm normalises with the batch statistics: each column becomes [-1, 1] (up to eps)
    assertClose(flat(bn.forward(x)), [-1, -1, -1, 1, 1, 1], "train batch norm", 1e-3, 1e-4);
    assertClose(flat(bn.runningMean!), [0.2, 0.4, 0.6], "running mean after one batch");
  });
  model.dispose();
});

test("BatchNorm1d / 2d / 3d running statistics and outputs after 3 training forwards equal PyTorch's", () => {
  const py = runPython(
    dedent(`
    import torch, torch.nn as nn
    torch.manual_seed(21)
    OUTPUT = {}
    for name, bn, shape in (("bn2d", nn.BatchNorm2d(4), (8, 4, 5, 5)), ("bn1d_cumulative", nn.BatchNorm1d(6, momentum=None, eps=1e-3), (10, 6)),
                            ("bn1d_3d", nn.BatchNorm1d(3, momentum=0.3), (5, 3, 7)), ("bn3d", nn.BatchNorm3d(2, eps=1e-4), (3, 2, 3, 4, 2))):
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
        r = {"weight": bn.weight.tolist(), "bias": bn.bias.tolist(), "xs": [], "outs": []}
        for i in range(3):
            x = torch.randn(*shape) * (i + 1) + i
            r["xs"].append(x.tolist())
            r["outs"].append(bn(x).flatten())
        bn.eval()
        x = torch.randn(*shape)
        r["eval_x"] = x.tolist()
        r["eval_out"] = bn(x).flatten()
        r["state"] = {k: (v.flatten() if v.dim() else [v.item()]) for k, v in bn.state_dict().items()}
        OUTPUT[name] = r
    `),
  ) as Record<string, { weight: number[]; bias: number[]; xs: unknown[]; outs: number[][]; eval_x: unknown; eval_out: number[]; state: Record<string, number[]> }>;
  const make: Record<string, () => torch.nn.Module> = {
    bn2d: () => new nn.BatchNorm2d(4),
    bn1d_cumulative: () => new nn.BatchNorm1d(6, { momentum: null, eps: 1e-3 }),
    bn1d_3d: () => new nn.BatchNorm1d(3, { momentum: 0.3 }),
    bn3d: () => new nn.BatchNorm3d(2, { eps: 1e-4 }),
  };
  for (const [name, r] of Object.entries(py)) {
    const bn = make[name]();
    torch.scope(() => {
      bn.loadStateDict({ weight: fromPy(r.weight), bias: fromPy(r.bias) }, { strict: false });
      r.xs.forEach((x, i) => assertClose(flat(bn.forward(fromPy(x))), r.outs[i], `${name} training forward ${i}`, 1e-5, 1e-5));
      const sd = bn.stateDict();
      assert.deepEqual([...sd.keys()], Object.keys(r.state), `${name} state_dict names`);
      for (const [k, v] of sd) {
        const vals = v.dtype === "int64" ? [v.item()] : flat(v);
        assertClose(vals, r.state[k], `${name} ${k}`);
      }
      bn.eval();
      assertClose(flat(bn.forward(fromPy(r.eval_x))), r.eval_out, `${name} eval forward`, 1e-5, 1e-5);
    });
    bn.dispose();
  }
  assert.throws(() => new nn.BatchNorm2d(3).forward(torch.zeros([2, 3])), /expected 4D input/);
  assert.throws(() => new nn.BatchNorm3d(3).forward(torch.zeros([2, 3, 4, 4])), /^Error: tstorch: BatchNorm3d expected 5D input \(got 4D input\)$/);
});

test("to(dtype) converts parameters in place: same objects, optimiser built before keeps working", () => {
  torch.manualSeed(2);
  const m = new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));
  const params = m.parameters();
  const opt = new torch.optim.SGD(m, { lr: 0.1, momentum: 0.9 });
  const before = torch.scope(() => params.map((p) => flat(p)));
  m.to("float64");
  assert.deepEqual(m.parameters(), params, "same parameter objects");
  assert.ok(params.every((p) => p.dtype === "float64" && p.requiresGrad && p.isLeaf));
  const nbt = m.namedBuffers().get("1.num_batches_tracked")!;
  assert.equal(nbt.dtype, "int64", "integer buffers keep their dtype");
  assert.equal(m.namedBuffers().get("1.running_mean")!.dtype, "float64");
  torch.scope(() => {
    assert.deepEqual(params.map((p) => flat(p)), before, "values survive the conversion");
    const x = torch.randn([5, 4], { dtype: "float64" });
    opt.backwardStep(m.forward(x).square().mean());
    assert.ok(params.every((p) => p.grad !== null && p.grad.dtype === "float64"));
    assert.notDeepEqual(params.map((p) => flat(p)), before, "the optimiser updated the same tensors");
    m.to({ dtype: "float32" });
    assert.ok(params.every((p) => p.dtype === "float32" && p.grad!.dtype === "float32"), "gradients move along");
  });
  m.dispose();
  opt.dispose();
});

test("memory: a module made inside torch.scope keeps its parameters; Sequential disposes its intermediates only", () => {
  const seen: torch.Tensor[] = [];
  const model = torch.scope(() => {
    const m = nn.seq()
      .add(new nn.Linear(4, 8))
      .addFn((x) => {
        seen.push(x);
        return x.relu();
      })
      .add(new nn.Identity())
      .add(new nn.Linear(8, 2));
    torch.scope(() => m.forward(torch.randn([3, 4]))); // nested scopes must not free parameters either
    return m;
  });
  assert.ok(model.parameters().every((p) => !p.isDisposed), "parameters outlive the scopes they were made in");
  assert.ok(model.buffers().length === 0);
  seen.length = 0;
  const x = torch.randn([3, 4], { requiresGrad: true });
  const y = model.forward(x);
  assert.equal(seen.length, 1);
  assert.ok(seen[0].isDisposed, "the first Linear's output was disposed once the ReLU consumed it");
  assert.ok(!x.isDisposed && !y.isDisposed, "input and output stay alive");
  // the autograd graph kept what it needs
  y.sum().backward();
  assert.deepEqual(x.grad!.shape, [3, 4]);
  assert.ok(model.parameters().every((p) => p.grad !== null));
  // Identity returns its input: Sequential must not free a tensor it hands on
  const idOnly = new nn.Sequential(new nn.Identity(), new nn.Identity());
  assert.equal(idOnly.forward(x), x);
  assert.ok(!x.isDisposed);
  model.dispose();
  assert.ok(model.parameters().every((p) => p.isDisposed), "dispose() frees the parameters");
});

test("module fields are registered children; registration rejects bad names", () => {
  const two = new TwoLayer();
  assert.deepEqual([...two.namedChildren().keys()], ["layer1", "norm", "layer2"]);
  assert.equal(two.numParameters(), 6 * 5 + 5 + 5 + 5 + 5 * 2);
  assert.throws(() => two.registerParameter("a.b", torch.zeros([1])), /without "\."/);
  assert.throws(() => two.registerBuffer("layer1", torch.zeros([1])), /already exists/);
  assert.match(String(two), /TwoLayer\(\n {2}\(layer1\): Linear\(in_features=6, out_features=5, bias=True\)/);
  two.dispose();
});

test("loss and metric functions: crossEntropyForLogits, accuracyForLogits, mseLoss equal PyTorch's", () => {
  const logits = [[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [1.5, 1.0, -2.0], [-0.5, 2.5, 0.0]];
  const targets = [0, 1, 1, 1];
  const py = runPython(
    dedent(`
    import torch, torch.nn.functional as F
    l = torch.tensor(INPUT["logits"]); t = torch.tensor(INPUT["targets"])
    OUTPUT = [F.cross_entropy(l, t).item(), (l.argmax(-1) == t).float().mean().item(), F.mse_loss(l, l.flip(0)).item(),
              F.mse_loss(l, l.flip(0), reduction="sum").item()]
    `),
    { logits, targets },
  ) as number[];
  torch.scope(() => {
    const l = torch.tensor(logits, { dtype: "float32" });
    const t = torch.tensor(targets, { dtype: "int64" });
    assertClose([nn.crossEntropyForLogits(l, t).item()], [py[0]], "cross entropy");
    assert.equal(nn.accuracyForLogits(l, t).item(), 0.5);
    assert.equal(py[1], 0.5);
    assertClose([nn.mseLoss(l, l.flip(0)).item(), nn.mseLoss(l, l.flip(0), { reduction: "sum" }).item()], [py[2], py[3]], "mse");
  });
});
