// nn.init.dirac_ against torch.nn.init.dirac_: 3-, 4- and 5-d weights, with groups, and its errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat } from "./helpers/seed-models.js";

const { nn } = torch;

const CASES: [number[], number][] = [
  [[4, 3, 5], 1], [[6, 6, 3, 3], 1], [[3, 5, 3, 3], 1], [[8, 3, 2, 4], 2], [[6, 2, 3, 3, 3], 3], [[24, 3, 2, 2], 1], [[4, 4, 1, 1], 4],
];

test("dirac_: equals torch.nn.init.dirac_ for 3-, 4-, 5-d weights and groups, in place, returning t", () => {
  const py = runPython(
    dedent(`
    import torch
    OUTPUT = []
    for shape, groups in INPUT:
        t = torch.randn(shape)
        torch.nn.init.dirac_(t, groups)
        OUTPUT.append(t.flatten())
    `),
    CASES,
  ) as number[][];
  CASES.forEach(([shape, groups], i) => {
    torch.scope(() => {
      const t = torch.randn(shape).requiresGrad_(true);
      const r = nn.init.dirac_(t, groups);
      assert.equal(r, t, "returns its argument");
      assert.equal(t.requiresGrad, true);
      assert.equal(t.gradFn, null, "under noGrad: no history");
      assert.deepEqual(flat(t), py[i], `shape [${shape}] groups ${groups}`);
      assert.ok(flat(t).some((v) => v === 1), "has ones");
    });
  });
});

test("dirac_: a dirac-initialised convolution passes its input through", () => {
  torch.scope(() => {
    const conv = new nn.Conv2d(3, 3, 3, { padding: 1, bias: false });
    nn.init.dirac_(conv.namedParameters().get("weight")!);
    const x = torch.randn([2, 3, 5, 5]);
    assert.deepEqual(flat(conv.forward(x)), flat(x));
    conv.dispose();
  });
});

test("dirac_: wrong dimensions or groups give tstorch errors", () => {
  torch.scope(() => {
    assert.throws(() => nn.init.dirac_(torch.zeros([3, 3])), /^Error: tstorch: dirac_: only tensors with 3, 4, or 5 dimensions are supported, got 2/);
    assert.throws(() => nn.init.dirac_(torch.zeros([1, 1, 1, 1, 1, 1])), /tstorch: dirac_: only tensors with 3, 4, or 5 dimensions/);
    assert.throws(() => nn.init.dirac_(torch.zeros([5, 2, 3, 3]), 2), /tstorch: dirac_: dim 0 must be divisible by groups \(size 5, groups 2\)/);
    assert.throws(() => nn.init.dirac_(torch.zeros([4, 2, 3, 3]), 0), /tstorch: dirac_: groups must be a positive integer/);
  });
  const py = runPython(dedent(`
    import torch
    OUTPUT = []
    for shape, g in [([3, 3], 1), ([5, 2, 3, 3], 2)]:
        try:
            torch.nn.init.dirac_(torch.zeros(shape), g)
            OUTPUT.append(None)
        except ValueError as e:
            OUTPUT.append(str(e))
  `)) as string[];
  assert.match(py[0], /Only tensors with 3, 4, or 5 dimensions are supported/);
  assert.match(py[1], /dim 0 must be divisible by groups/);
});
