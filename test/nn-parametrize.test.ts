// torch.nn.utils: parametrize (registerParametrization, removeParametrizations, isParametrized,
// cached, transferParametrizationsAndParams), parametrizations.spectralNorm / weightNorm, the older
// weightNorm / spectralNorm hooks, parametersToVector / vectorToParameters and fusion, against
// PyTorch: the same seed gives the same modules and the same power-iteration vectors, so state_dict
// names and values, outputs and gradients are compared with PyTorch's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { assertClose, pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const U = nn.utils;
const vals = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);
const T = (t: Tensor) => ({ v: vals(t), s: t.shape });

/** A symmetric-matrix parametrization (PyTorch's tutorial example), with a right inverse. */
class Symmetric extends nn.Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return x.triu().add(x.triu(1).transpose(0, 1));
  }
  rightInverse(a: Tensor): Tensor {
    return a.triu();
  }
}
class Scale extends nn.Module<[Tensor], Tensor> {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

function sd(m: torch.nn.AnyModule): Record<string, number[]> {
  return Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, vals(v)]));
}

describe("nn.utils parametrizations against PyTorch", { skip: pyTorchSkipReason() }, () => {
  const py = runPython(`
    import torch, torch.nn as nn
    from torch.nn.utils import parametrize as P, parametrizations as PZ
    def sd(m): return {k: v.reshape(-1).clone() for k, v in m.state_dict().items()}
    x = torch.tensor(INPUT["x"]["v"]).reshape(INPUT["x"]["s"])
    out = {}
    # parametrizations.spectral_norm: registration (15 power iterations), then 3 training forwards and one in eval
    torch.manual_seed(0); m = nn.Linear(5, 4); PZ.spectral_norm(m)
    out["sn_keys"] = list(m.state_dict().keys()); out["sn_sd0"] = sd(m)
    ys = [m(x) for _ in range(3)]; m.eval(); ys.append(m(x))
    sum(((y * (j + 1)).sum() for j, y in enumerate(ys))).backward()
    out["sn_y"] = [y.detach() for y in ys]; out["sn_sd"] = sd(m); out["sn_g"] = m.parametrizations.weight.original.grad
    # a Conv2d, dim 0, 2 power iterations
    torch.manual_seed(1); c = nn.Conv2d(2, 3, 2); PZ.spectral_norm(c, n_power_iterations=2)
    out["snc_sd"] = sd(c); out["snc_w"] = c.weight.detach()
    # older hooks
    torch.manual_seed(2); h = nn.Linear(5, 4); torch.nn.utils.spectral_norm(h)
    out["snh_keys"] = list(h.state_dict().keys())
    hy = [h(x) for _ in range(2)]; (hy[0].sum() + 2 * hy[1].sum()).backward()
    out["snh_y"] = [y.detach() for y in hy]; out["snh_sd"] = sd(h); out["snh_g"] = h.weight_orig.grad
    torch.nn.utils.remove_spectral_norm(h); out["snh_removed"] = list(h.state_dict().keys()); out["snh_w"] = h.weight.detach()
    torch.manual_seed(3); w = nn.Linear(5, 4); torch.nn.utils.weight_norm(w)
    out["wn_keys"] = list(w.state_dict().keys()); out["wn_sd"] = sd(w)
    wy = w(x); wy.pow(2).sum().backward(); out["wn_y"] = wy.detach(); out["wn_gg"] = w.weight_g.grad; out["wn_gv"] = w.weight_v.grad
    torch.nn.utils.remove_weight_norm(w); out["wn_removed"] = list(w.state_dict().keys())
    # register_parametrization with a custom module, chained, removed both ways
    class Symmetric(nn.Module):
        def forward(self, X): return X.triu() + X.triu(1).transpose(0, 1)
        def right_inverse(self, A): return A.triu()
    class Scale(nn.Module):
        def forward(self, X): return X * 2
    torch.manual_seed(4); s = nn.Linear(3, 3); P.register_parametrization(s, "weight", Symmetric())
    out["sym_keys"] = list(s.state_dict().keys()); out["sym_sd"] = sd(s); out["sym_w"] = s.weight.detach()
    x3 = x[:, :3]
    sy = s(x3); sy.sum().backward(); out["sym_y"] = sy.detach(); out["sym_g"] = s.parametrizations.weight.original.grad
    P.register_parametrization(s, "weight", Scale()); out["chain_w"] = s.weight.detach()
    out["chain_keys"] = list(s.state_dict().keys())
    s.weight = torch.eye(3) * 4 if False else s.weight.detach() * 1  # placeholder, Scale has no right_inverse
  `.replace(/\s+s.weight = .*$/m, "") + `
    try:
        s.weight = torch.ones(3, 3)
        out["assign_err"] = None
    except Exception as e:
        out["assign_err"] = str(e)
    P.remove_parametrizations(s, "weight"); out["removed_keys"] = list(s.state_dict().keys()); out["removed_w"] = s.weight.detach()
    torch.manual_seed(4); s2 = nn.Linear(3, 3); P.register_parametrization(s2, "weight", Symmetric())
    s2.weight = torch.arange(9.).reshape(3, 3)
    out["assigned_orig"] = s2.parametrizations.weight.original.detach(); out["assigned_w"] = s2.weight.detach()
    P.remove_parametrizations(s2, "weight", leave_parametrized=False); out["unleft_w"] = s2.weight.detach()
    OUTPUT = out
  `, { x: { v: Array.from({ length: 15 }, (_, i) => Math.sin(i + 1)), s: [3, 5] } }) as Record<string, any>;
  const x = torch.tensor(Array.from({ length: 15 }, (_, i) => Math.sin(i + 1))).reshape([3, 5]);

  it("parametrizations.spectralNorm: PyTorch's state_dict after registration, outputs, buffers and gradient over 4 forwards", () => {
    torch.manualSeed(0);
    const m = U.parametrizations.spectralNorm(new nn.Linear(5, 4));
    assert.deepEqual([...m.stateDict().keys()], py.sn_keys);
    for (const [k, v] of Object.entries(sd(m))) assertClose(v, py.sn_sd0[k], `registered ${k}`, 1e-5, 1e-6);
    assert.equal(U.parametrize.isParametrized(m), true);
    assert.equal(U.parametrize.isParametrized(m, "weight"), true);
    assert.equal(U.parametrize.isParametrized(m, "bias"), false);
    const ys = [m.forward(x), m.forward(x), m.forward(x)];
    m.eval();
    ys.push(m.forward(x));
    ys.map((y, j) => y.mul(j + 1).sum()).reduce((a, b) => a.add(b)).backward();
    ys.forEach((y, j) => assertClose(vals(y), flat(py.sn_y[j]), `forward ${j}`, 1e-5, 1e-6));
    for (const [k, v] of Object.entries(sd(m))) assertClose(v, py.sn_sd[k], `after ${k}`, 1e-5, 1e-6);
    const list = (m as any).parametrizations.weight as InstanceType<typeof U.parametrize.ParametrizationList>;
    assertClose(vals(list.original.grad!), flat(py.sn_g), "original.grad", 1e-4, 1e-6);
  });
  it("parametrizations.spectralNorm of a Conv2d with 2 power iterations", () => {
    torch.manualSeed(1);
    const c = U.parametrizations.spectralNorm(new nn.Conv2d(2, 3, 2), "weight", { nPowerIterations: 2 });
    for (const [k, v] of Object.entries(sd(c))) assertClose(v, py.snc_sd[k], k, 1e-5, 1e-6);
    assertClose(vals((c as any).weight), flat(py.snc_w), "weight", 1e-5, 1e-6);
  });
  it("the older spectralNorm hook: weight_orig, weight_u, weight_v, outputs, gradient, removal", () => {
    torch.manualSeed(2);
    const h = U.spectralNorm(new nn.Linear(5, 4));
    assert.deepEqual([...h.stateDict().keys()], py.snh_keys);
    const hy = [h.forward(x), h.forward(x)];
    hy[0].sum().add(hy[1].sum().mul(2)).backward();
    hy.forEach((y, j) => assertClose(vals(y), flat(py.snh_y[j]), `forward ${j}`, 1e-5, 1e-6));
    for (const [k, v] of Object.entries(sd(h))) assertClose(v, py.snh_sd[k], k, 1e-5, 1e-6);
    assertClose(vals(h._parameters.get("weight_orig")!.grad!), flat(py.snh_g), "weight_orig.grad", 1e-4, 1e-6);
    U.removeSpectralNorm(h);
    assert.deepEqual([...h.stateDict().keys()], py.snh_removed);
    assertClose(vals(h.weight), flat(py.snh_w), "weight after removal", 1e-5, 1e-6);
    assert.throws(() => U.removeSpectralNorm(h), /spectral_norm of 'weight' not found in Linear/);
  });
  it("the older weightNorm hook: weight_g, weight_v, output and both gradients, removal", () => {
    torch.manualSeed(3);
    const w = U.weightNorm(new nn.Linear(5, 4));
    assert.deepEqual([...w.stateDict().keys()], py.wn_keys);
    for (const [k, v] of Object.entries(sd(w))) assertClose(v, py.wn_sd[k], k, 1e-6, 1e-7);
    const y = w.forward(x);
    y.pow(2).sum().backward();
    assertClose(vals(y), flat(py.wn_y), "forward", 1e-5, 1e-6);
    assertClose(vals(w._parameters.get("weight_g")!.grad!), flat(py.wn_gg), "weight_g.grad", 1e-4, 1e-5);
    assertClose(vals(w._parameters.get("weight_v")!.grad!), flat(py.wn_gv), "weight_v.grad", 1e-4, 1e-5);
    U.removeWeightNorm(w);
    assert.deepEqual([...w.stateDict().keys()], py.wn_removed);
    assertClose(vals(w.forward(x)), flat(py.wn_y), "forward after removal", 1e-5, 1e-6);
  });
  it("parametrizations.weightNorm (PyTorch 2's layout): original0 = g, original1 = v, the weight unchanged", () => {
    torch.manualSeed(3);
    const m = new nn.Linear(5, 4);
    const before = vals(m.weight);
    U.parametrizations.weightNorm(m);
    assert.deepEqual([...m.stateDict().keys()], ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]);
    assertClose(vals((m as any).weight), before, "weight = g · v/‖v‖ = the weight", 1e-6, 1e-7);
    // g is the norm of each output row (the hook version computes the same)
    assertClose(vals(m.stateDict().get("parametrizations.weight.original0")!), flat(py.wn_sd.weight_g), "g", 1e-6, 1e-7);
  });
  it("registerParametrization with a custom module: names, value, gradient, chaining, assignment, removal", () => {
    torch.manualSeed(4);
    const s = U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Symmetric());
    assert.deepEqual([...s.stateDict().keys()], py.sym_keys);
    for (const [k, v] of Object.entries(sd(s))) assertClose(v, py.sym_sd[k], k, 1e-6, 1e-7);
    assertClose(vals(s.weight), flat(py.sym_w), "symmetric weight", 1e-6, 1e-7);
    const x3 = x.narrow(1, 0, 3);
    const y = s.forward(x3);
    y.sum().backward();
    assertClose(vals(y), flat(py.sym_y), "forward", 1e-5, 1e-6);
    const list = (s as any).parametrizations.weight;
    assertClose(vals(list.original.grad), flat(py.sym_g), "original.grad", 1e-5, 1e-6);
    U.parametrize.registerParametrization(s, "weight", new Scale());
    assertClose(vals(s.weight), flat(py.chain_w), "chained weight", 1e-6, 1e-7);
    assert.deepEqual([...s.stateDict().keys()], py.chain_keys);
    assert.match(py.assign_err, /Scale does not implement right_inverse/);
    assert.throws(() => { (s as any).weight = torch.ones([3, 3]); }, /parametrization Scale does not implement rightInverse/);
    U.parametrize.removeParametrizations(s, "weight");
    assert.deepEqual([...s.stateDict().keys()], py.removed_keys);
    assertClose(vals(s.weight), flat(py.removed_w), "weight left parametrized", 1e-6, 1e-7);
    assert.equal(U.parametrize.isParametrized(s), false);
    assert.throws(() => U.parametrize.removeParametrizations(s, "weight"), /Linear does not have a parametrization on weight/);

    torch.manualSeed(4);
    const s2 = U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Symmetric());
    (s2 as any).weight = torch.arange(9, { dtype: "float32" }).reshape([3, 3]);
    assertClose(vals((s2 as any).parametrizations.weight.original), flat(py.assigned_orig), "original after assignment", 0, 0);
    assertClose(vals(s2.weight), flat(py.assigned_w), "weight after assignment", 0, 0);
    U.parametrize.removeParametrizations(s2, "weight", { leaveParametrized: false });
    assertClose(vals(s2.weight), flat(py.unleft_w), "original restored", 0, 0);
  });
});

describe("nn.utils parametrize: behaviour and errors", () => {
  it("cached() computes a parametrized weight once; outside it every read recomputes", () => {
    const m = U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Symmetric());
    assert.notEqual(m.weight, m.weight);
    U.parametrize.cached(() => assert.equal(m.weight, m.weight));
    assert.equal(U.parametrize.typeBeforeParametrizations(m), nn.Linear);
  });
  it("an optimiser built before registration still trains the original (it keeps its identity)", () => {
    const m = new nn.Linear(3, 3);
    const w0 = m.weight;
    U.parametrize.registerParametrization(m, "weight", new Symmetric());
    assert.equal((m as any).parametrizations.weight.original, w0);
    assert.ok(m.parameters().includes(w0));
  });
  it("transferParametrizationsAndParams copies the parametrization and the original's value", () => {
    const a = U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Symmetric());
    const b = new nn.Linear(3, 3);
    U.parametrize.transferParametrizationsAndParams(a, b);
    assert.equal(U.parametrize.isParametrized(b, "weight"), true);
    assert.deepEqual(vals(b.weight), vals(a.weight));
  });
  it("errors name the module and the tensor", () => {
    assert.throws(() => U.parametrize.registerParametrization(new nn.Linear(3, 3), "nope", new Symmetric()),
      /Module 'Linear' does not have a parameter, a buffer, or a parametrized element with name 'nope'/);
    class Shrink extends nn.Module<[Tensor], Tensor> {
      forward(x: Tensor): Tensor { return x.narrow(0, 0, 1); }
    }
    assert.throws(() => U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Shrink()), /may not change the shape of the tensor, unless `unsafe`/);
    assert.doesNotThrow(() => U.parametrize.registerParametrization(new nn.Linear(3, 3), "weight", new Shrink(), { unsafe: true }));
    assert.throws(() => U.parametrizations.spectralNorm(new nn.Linear(3, 3), "weight", { nPowerIterations: 0 }), /Expected n_power_iterations to be positive/);
    assert.throws(() => U.parametrizations.spectralNorm(new nn.Linear(3, 3), "nope"), /has no parameter or buffer with name 'nope'/);
    const w = U.weightNorm(new nn.Linear(3, 3));
    assert.throws(() => U.weightNorm(w), /has no parameter "weight"/);
  });
});

describe("nn.utils parametersToVector / vectorToParameters and fusion", { skip: pyTorchSkipReason() }, () => {
  it("parametersToVector concatenates in order (differentiably); vectorToParameters writes it back", () => {
    const m = new nn.Linear(3, 2);
    const v = U.parametersToVector(m.parameters());
    assert.deepEqual(v.shape, [8]);
    assert.deepEqual(vals(v), [...vals(m.weight), ...vals(m.bias!)]);
    assert.equal(v.requiresGrad, true);
    U.vectorToParameters(torch.arange(8, { dtype: "float32" }), m.parameters());
    assert.deepEqual(vals(m.weight), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(vals(m.bias!), [6, 7]);
    assert.throws(() => U.vectorToParameters(torch.zeros([7]), m.parameters()), /vec must be a 1-D tensor of 8 elements/);
  });
  it("fuseConvBnEval / fuseLinearBnEval give PyTorch's fused weights and conv→bn's output", () => {
    torch.manualSeed(5);
    const conv = new nn.Conv2d(2, 3, 2);
    const bn = new nn.BatchNorm2d(3);
    const lin = new nn.Linear(4, 3, { bias: false });
    torch.noGrad(() => {
      bn.runningMean!.copy_(torch.randn([3]));
      bn.runningVar!.copy_(torch.rand([3]).add(0.5));
      bn.weight!.copy_(torch.randn([3]));
      bn.bias!.copy_(torch.randn([3]));
    });
    conv.eval();
    bn.eval();
    lin.eval();
    const fc = U.fuseConvBnEval(conv, bn);
    const fl = U.fusion.fuseLinearBnEval(lin, bn);
    const py = runPython(`
      import torch
      from torch.nn.utils import fusion
      t = lambda a: torch.tensor(a["v"]).reshape(a["s"])
      I = INPUT
      w, b = fusion.fuse_conv_bn_weights(t(I["cw"]), t(I["cb"]), t(I["rm"]), t(I["rv"]), 1e-5, t(I["g"]), t(I["b"]))
      lw, lb = fusion.fuse_linear_bn_weights(t(I["lw"]), None, t(I["rm"]), t(I["rv"]), 1e-5, t(I["g"]), t(I["b"]))
      tw, tb = fusion.fuse_conv_bn_weights(t(I["cw"]).transpose(0, 1).contiguous(), None, t(I["rm"]), t(I["rv"]), 1e-5, t(I["g"]), t(I["b"]), True)
      OUTPUT = {"w": w, "b": b, "lw": lw, "lb": lb, "tw": tw, "tb": tb}
    `, { cw: T(conv.weight), cb: T(conv.bias!), rm: T(bn.runningMean!), rv: T(bn.runningVar!), g: T(bn.weight!), b: T(bn.bias!), lw: T(lin.weight) }) as Record<string, unknown>;
    assertClose(vals(fc.weight), flat(py.w), "fused conv weight", 1e-6, 1e-7);
    assertClose(vals(fc.bias!), flat(py.b), "fused conv bias", 1e-6, 1e-7);
    assertClose(vals(fl.weight), flat(py.lw), "fused linear weight", 1e-6, 1e-7);
    assertClose(vals(fl.bias!), flat(py.lb), "fused linear bias (from none)", 1e-6, 1e-7);
    const [tw, tb] = U.fuseConvBnWeights(conv.weight.transpose(0, 1).contiguous(), null, bn.runningMean!, bn.runningVar!, bn.eps, bn.weight, bn.bias, true);
    assertClose(vals(tw), flat(py.tw), "transposed fused weight", 1e-6, 1e-7);
    assertClose(vals(tb), flat(py.tb), "transposed fused bias", 1e-6, 1e-7);
    const x = torch.randn([2, 2, 5, 5]);
    assertClose(vals(fc.forward(x)), vals(bn.forward(conv.forward(x))), "fused = conv then bn", 1e-5, 1e-5);
    assert.notEqual(fc, conv);
    conv.train();
    assert.throws(() => U.fuseConvBnEval(conv, bn), /Fusion only for eval!/);
  });
});
