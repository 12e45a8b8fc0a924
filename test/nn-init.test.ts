// Default initialisation: "torch" must reproduce PyTorch's module defaults bit for bit after the
// same manualSeed (same bounds, same draw order); "tch" must reproduce the reference script's
// tch_init_ (tch-rs defaults as the seed ran them).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat, pythonSeedModels, seedModelSeq, seedModelSequential } from "./helpers/seed-models.js";

const { nn } = torch;

/** Largest |v| (a loop: spreading millions of values into Math.max overflows the stack). */
function maxAbs(a: number[]): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function assertBitIdentical(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: element count`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}[${i}]: tstorch ${actual[i]} vs PyTorch ${expected[i]}`);
  }
}

test("torch init: Linear, Conv2d, ConvTranspose2d weights and biases are bit-identical to PyTorch's", () => {
  const seeds = [0, 1234];
  const py = runPython(
    dedent(`
    import torch, torch.nn as nn
    OUTPUT = []
    for seed in INPUT["seeds"]:
        torch.manual_seed(seed)
        # one generator stream for all: checks the draw order across modules too
        mods = [nn.Linear(3072, 10), nn.Conv2d(3, 16, 3, padding=1), nn.ConvTranspose2d(8, 16, 2, stride=2),
                nn.Linear(5, 3, bias=False), nn.Conv2d(4, 8, (3, 5), groups=2), nn.ConvTranspose2d(4, 6, 3, groups=2)]
        OUTPUT.append({f"{i}.{k}": v.flatten() for i, m in enumerate(mods) for k, v in m.state_dict().items()})
    `),
    { seeds },
  ) as Record<string, number[]>[];
  seeds.forEach((seed, si) => {
    torch.manualSeed(seed);
    const mods = [
      new nn.Linear(3072, 10), new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.ConvTranspose2d(8, 16, 2, { stride: 2 }),
      new nn.Linear(5, 3, { bias: false }), new nn.Conv2d(4, 8, [3, 5], { groups: 2 }), new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }),
    ];
    const ours: Record<string, number[]> = {};
    mods.forEach((m, i) => {
      for (const [k, v] of m.namedParameters()) ours[`${i}.${k}`] = flat(v);
    });
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(py[si]).sort());
    for (const k of Object.keys(ours)) assertBitIdentical(ours[k], py[si][k], `seed ${seed} ${k}`);
    // ConvTranspose2d keeps PyTorch's [in, out/groups, kH, kW] layout
    assert.deepEqual(mods[2].namedParameters().get("weight")!.shape, [8, 16, 2, 2]);
    assert.deepEqual(mods[5].namedParameters().get("weight")!.shape, [4, 3, 3, 3]);
    for (const m of mods) m.dispose();
  });
});

test("torch init: bounds are ±1/√fan_in for weight and bias", () => {
  torch.manualSeed(3);
  const l = new nn.Linear(300, 200);
  const ct = new nn.ConvTranspose2d(16, 3, 2, { stride: 2 }); // fan_in = 3·2·2 = 12 (PyTorch's quirk)
  for (const [m, fanIn] of [[l, 300], [ct, 12]] as const) {
    const bound = 1 / Math.sqrt(fanIn);
    for (const p of m.parameters()) {
      const a = flat(p);
      assert.ok(maxAbs(a) <= bound, `max |w| ${maxAbs(a)} exceeds ${bound}`);
    }
    assert.ok(maxAbs(flat(m.parameters()[0])) > 0.95 * bound, "weights should fill their range");
    m.dispose();
  }
});

test("tch init: the seed's CNN and autoencoder equal the reference's tch_init_ for the same seed and module order", () => {
  const seed = 5;
  const py = runPython(
    pythonSeedModels() +
      dedent(`
      OUTPUT = {}
      for name in ("cnn", "ae"):
          torch.manual_seed(INPUT["seed"])
          model = make_model(name)
          # fresh stream: a tstorch model built with init "tch" draws only the tch numbers
          torch.manual_seed(INPUT["seed"])
          tch_init_(model)
          OUTPUT[name + ".direct"] = {k: v.flatten() for k, v in model.state_dict().items()}
          # the reference's build(): PyTorch's default draws first, then tch_init_ on the same stream
          torch.manual_seed(INPUT["seed"])
          OUTPUT[name + ".build"] = {k: v.flatten() for k, v in tch_init_(make_model(name)).state_dict().items()}
      `),
    { seed },
  ) as Record<string, Record<string, number[]>>;
  for (const name of ["cnn", "ae"] as const) {
    for (const build of ["seq", "Sequential"] as const) {
      torch.manualSeed(seed);
      const direct = build === "seq" ? seedModelSeq(name, "tch") : seedModelSequential(name, "tch");
      torch.manualSeed(seed);
      const rebuilt = nn.reinit(build === "seq" ? seedModelSeq(name) : seedModelSequential(name), "tch");
      for (const [model, key] of [[direct, "direct"], [rebuilt, "build"]] as const) {
        const expected = py[`${name}.${key}`];
        const sd = model.namedParameters();
        assert.deepEqual([...sd.keys()], Object.keys(expected), `${name} ${build} ${key}: parameter names`);
        for (const [k, v] of sd) assertBitIdentical(flat(v), expected[k], `${name} ${build} ${key} ${k}`);
      }
      direct.dispose();
      rebuilt.dispose();
    }
  }
});

test("tch init: weight U(±√(6/fan_in)), Linear bias U(±1/√fan_in), Conv and ConvTranspose bias 0", () => {
  torch.manualSeed(11);
  const lin = new nn.Linear(3072, 1024, { init: "tch" });
  const conv = new nn.Conv2d(16, 8, 3, { padding: 1, init: "tch" });
  const convT = new nn.ConvTranspose2d(8, 16, 2, { stride: 2, init: "tch" });

  const w = flat(lin.weight);
  const b = Math.sqrt(6 / 3072);
  const n = w.length;
  const mean = w.reduce((s, v) => s + v, 0) / n;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  assert.ok(w.every((v) => Math.abs(v) <= b), "weights inside ±√(6/fan_in)");
  assert.ok(maxAbs(w) > 0.999 * b, "weights fill the range");
  // U(-b, b): mean 0 (sd b/√(3n)), variance b²/3 (relative sd ≈ √(4/5n) ≈ 5e-4)
  assert.ok(Math.abs(mean) < 5 * (b / Math.sqrt(3 * n)), `mean ${mean}`);
  assert.ok(Math.abs(variance / (b * b / 3) - 1) < 5e-3, `variance ratio ${variance / (b * b / 3)}`);
  const lb = flat(lin.bias!);
  assert.ok(lb.every((v) => Math.abs(v) <= 1 / Math.sqrt(3072)) && lb.some((v) => v !== 0), "Linear bias U(±1/√fan_in)");

  assert.ok(flat(conv.weight).every((v) => Math.abs(v) <= Math.sqrt(6 / (16 * 9))));
  assert.ok(maxAbs(flat(conv.weight)) > 0.9 * Math.sqrt(6 / (16 * 9)));
  assert.deepEqual(flat(conv.bias!), new Array(8).fill(0));
  // ConvTranspose2d: weight [8, 16, 2, 2], fan_in = 16·2·2 = 64
  assert.ok(flat(convT.weight).every((v) => Math.abs(v) <= Math.sqrt(6 / 64)));
  assert.ok(maxAbs(flat(convT.weight)) > 0.9 * Math.sqrt(6 / 64));
  assert.deepEqual(flat(convT.bias!), new Array(16).fill(0));
  for (const m of [lin, conv, convT]) m.dispose();
});

test("nn.reinit redraws every convolution (1-d and 3-d too) and Linear, and leaves other layers alone", () => {
  torch.manualSeed(3);
  const model = new nn.Sequential(new nn.Conv1d(4, 6, 3), new nn.ConvTranspose1d(6, 2, 5), new nn.Flatten(), new nn.Linear(8, 3),
    new nn.Unflatten(1, [3, 1, 1, 1]), new nn.Conv3d(3, 2, 1), new nn.ConvTranspose3d(2, 5, 2), new nn.BatchNorm3d(5));
  nn.reinit(model, "tch");
  // fan_in: Conv [out, in, k] -> in·k; ConvTranspose [in, out, k] -> out·k
  const fans: Record<string, number> = { "0": 4 * 3, "1": 2 * 5, "3": 8, "5": 3, "6": 5 * 8 };
  const params = model.namedParameters();
  for (const [layer, fanIn] of Object.entries(fans)) {
    const w = flat(params.get(`${layer}.weight`)!);
    assert.ok(w.every((v) => Math.abs(v) <= Math.sqrt(6 / fanIn)), `layer ${layer}: weights inside ±√(6/${fanIn})`);
    // PyTorch's default bound is 1/√fan_in; the tch one is √6 times wider, and draws use it
    assert.ok(maxAbs(w) > 1 / Math.sqrt(fanIn), `layer ${layer}: weights drawn with the tch bound`);
    const bias = flat(params.get(`${layer}.bias`)!);
    if (layer === "3") assert.ok(bias.some((v) => v !== 0), "Linear bias U(±1/√fan_in)");
    else assert.deepEqual(bias, new Array(bias.length).fill(0), `layer ${layer}: conv bias 0`);
  }
  assert.deepEqual(flat(params.get("7.weight")!), new Array(5).fill(1), "BatchNorm keeps its weight");
  model.dispose();
});

test("init functions: fans and gains follow torch.nn.init", () => {
  const w = torch.empty([16, 3, 5, 5]);
  assert.deepEqual(nn.init.calculateFanInAndFanOut(w), [75, 400]);
  assert.throws(() => nn.init.calculateFanInAndFanOut(torch.empty([4])), /fewer than 2 dimensions/);
  const py = runPython(
    dedent(`
    import math, torch.nn.init as init
    OUTPUT = [init.calculate_gain("leaky_relu", math.sqrt(5)), init.calculate_gain("relu"), init.calculate_gain("tanh"),
              init.calculate_gain("leaky_relu"), init.calculate_gain("selu"), init.calculate_gain("conv2d")]
    `),
  ) as number[];
  assert.deepEqual(
    [nn.init.calculateGain("leaky_relu", Math.sqrt(5)), nn.init.calculateGain("relu"), nn.init.calculateGain("tanh"),
      nn.init.calculateGain("leaky_relu"), nn.init.calculateGain("selu"), nn.init.calculateGain("conv2d")],
    py,
  );
  w.dispose();
});
