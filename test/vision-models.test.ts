// torchvision's classification models against torchvision itself (Debian's python3-torchvision).
// ONE /usr/bin/python3 process builds each model (torch.manual_seed), randomises what a fresh model
// leaves trivial (BatchNorm's running statistics and affine parameters, ViT's zero head and class
// token), writes its state dict with torch.save (a .pth file) and runs it in eval mode on a seeded input. tstorch then
// builds the same model, checks that its state-dict keys (in order) and shapes are torchvision's,
// loads the file by name (strict), and compares outputs. A second check: after the same seed,
// tstorch's default initialisation is torchvision's, bit for bit.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { assertClose, pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";
import { truncNormal_ } from "../src/nn/init-trunc-normal.js";

const vm = torch.vision.models;

interface ModelCase {
  /** torchvision's builder */
  py: string;
  /** its keyword arguments, as Python source */
  kwargs: string;
  /** the input's [N, C, H, W] */
  input: readonly [number, number, number, number];
  build: (weights?: string) => torch.nn.AnyModule;
  rtol: number;
  atol: number;
  /** Save the MLP keys under torchvision's names before 0.13 (mlp.linear_1, mlp.linear_2). */
  legacy?: boolean;
}

// Tolerances: float32 through 8-50 layers, outputs of order 0.5-400 (printed). Against libtorch
// 1.13.1 the outputs come out bit-identical (same kernels, same order); 1e-4 relative with an
// absolute floor of 1e-4 leaves room for another version's kernels (e.g. the fused attention PyTorch
// 2.x's MultiheadAttention takes in eval) and still catches any wrong layer, eps or weight.
const CASES: Record<string, ModelCase> = {
  resnet18: { py: "resnet18", kwargs: "num_classes=10", input: [2, 3, 64, 64], build: (w) => vm.resnet18({ numClasses: 10, weights: w }), rtol: 1e-4, atol: 1e-4 },
  resnet34: { py: "resnet34", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.resnet34({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  resnet50: { py: "resnet50", kwargs: "zero_init_residual=True", input: [2, 3, 64, 64], build: (w) => vm.resnet50({ zeroInitResidual: true, weights: w }), rtol: 1e-4, atol: 1e-4 },
  vgg11Bn: { py: "vgg11_bn", kwargs: "num_classes=100", input: [2, 3, 64, 64], build: (w) => vm.vgg11Bn({ numClasses: 100, weights: w }), rtol: 1e-4, atol: 1e-4 },
  mobilenetV2: { py: "mobilenet_v2", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.mobilenetV2({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  efficientnetB0: { py: "efficientnet_b0", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.efficientnetB0({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  vitB16: { py: "vit_b_16", kwargs: "", input: [2, 3, 224, 224], build: (w) => vm.vitB16({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  // the VisionTransformer class in a small configuration with a pre-logits layer, from a file with
  // the MLP key names of torchvision's published (pre-0.13) ViT weights
  visionTransformerLegacyKeys: {
    py: "VisionTransformer", kwargs: "image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64, num_classes=5, representation_size=16",
    input: [2, 3, 32, 32], legacy: true, rtol: 1e-4, atol: 1e-4,
    build: (w) => vm.visionTransformer({ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 4, hiddenDim: 32, mlpDim: 64 }, { numClasses: 5, representationSize: 16, weights: w }),
  },
};

const PY = `
import torch, torchvision, os, re
from collections import OrderedDict
torch.set_num_threads(2)
out = {}
for i, (name, c) in enumerate(INPUT["cases"].items()):
    torch.manual_seed(100 + i)
    m = eval("torchvision.models." + c["py"] + "(" + c["kwargs"] + ")")
    g = torch.Generator().manual_seed(200 + i)
    with torch.no_grad():
        # what a fresh model leaves trivial gets random values, so that a wrong eps, a skipped
        # norm or a transposed head would show in the output
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(torch.rand(mod.running_mean.shape, generator=g) - 0.5)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                mod.num_batches_tracked.fill_(7)
            if isinstance(mod, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=g) - 0.5) * 0.2)
        if hasattr(m, "class_token"):
            m.class_token.copy_(torch.randn(m.class_token.shape, generator=g))
            m.heads.head.weight.copy_(torch.randn(m.heads.head.weight.shape, generator=g) * 2 / m.heads.head.in_features ** 0.5)
            m.heads.head.bias.copy_(torch.randn(m.heads.head.bias.shape, generator=g) * 0.02)
    m.eval()
    x = torch.randn(*c["input"], generator=g)
    with torch.no_grad():
        y = m(x)
    sd = m.state_dict()
    path = os.path.join(INPUT["dir"], name + ".pth")
    if c.get("legacy"):
        old = lambda k: re.sub(r"mlp\\.([03])\\.", lambda g: "mlp.linear_%d." % (int(g.group(1)) // 3 + 1), k)
        assert any("mlp.linear_1." in old(k) for k in sd)
        torch.save(OrderedDict((old(k), v) for k, v in sd.items()), path)
    else:
        torch.save(sd, path)
    torch.save({"x": x, "y": y}, os.path.join(INPUT["dir"], name + ".io.pth"))
    out[name] = {"keys": list(sd.keys()), "shapes": [list(v.shape) for v in sd.values()], "file": path,
                 "absmax": y.abs().max().item()}
# the default initialisation after a seed, for the init check
for name, c in INPUT["init"].items():
    torch.manual_seed(7)
    m = eval("torchvision.models." + c["py"] + "(" + c["kwargs"] + ")")
    torch.save(m.state_dict(), os.path.join(INPUT["dir"], name + ".init.pth"))
# trunc_normal_ with the interval holding most of the mass (ViT's case) and little of it
tn = {}
for k, (mean, std, a, b) in {"wide": (0.0, 0.02, -2.0, 2.0), "narrow": (0.0, 1.0, 1.0, 3.0), "mid": (0.5, 1.0, -1.0, 1.5)}.items():
    torch.manual_seed(9)
    tn[k] = torch.nn.init.trunc_normal_(torch.empty(4000), mean, std, a, b)
torch.save(tn, os.path.join(INPUT["dir"], "trunc-normal.pth"))
# files that are not state dicts
torch.save([torch.zeros(2)], os.path.join(INPUT["dir"], "list.pth"))
torch.save({"model": {"w": torch.zeros(2)}, "epoch": 3}, os.path.join(INPUT["dir"], "checkpoint.pth"))
OUTPUT = out
`;

/** Models whose initialisation after torch.manual_seed(7) is compared (the cheap ones, and ViT at 32×32). */
const INIT_CASES: Record<string, { py: string; kwargs: string; build: () => torch.nn.AnyModule }> = {
  resnet18: { py: "resnet18", kwargs: "", build: () => vm.resnet18() },
  resnet50: { py: "resnet50", kwargs: "zero_init_residual=True, num_classes=10", build: () => vm.resnet50({ zeroInitResidual: true, numClasses: 10 }) },
  mobilenetV2: { py: "mobilenet_v2", kwargs: "", build: () => vm.mobilenetV2() },
  efficientnetB0: { py: "efficientnet_b0", kwargs: "", build: () => vm.efficientnetB0() },
  vitB16: { py: "vit_b_16", kwargs: "image_size=32", build: () => vm.vitB16({ imageSize: 32 }) },
};

const skip = pyTorchSkipReason();

describe("vision.models: torchvision's classification models", { skip }, () => {
  let dir = "";
  let py: Record<string, { keys: string[]; shapes: number[][]; file: string; absmax: number }> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tstorch-vision-models-"));
    const cases = Object.fromEntries(Object.entries(CASES).map(([k, c]) => [k, { py: c.py, kwargs: c.kwargs, input: c.input, legacy: c.legacy ?? false }]));
    const init = Object.fromEntries(Object.entries(INIT_CASES).map(([k, c]) => [k, { py: c.py, kwargs: c.kwargs }]));
    py = runPython(PY, { dir, cases, init }, { timeoutMs: 600_000 }) as typeof py;
  });
  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: torchvision's state-dict keys and shapes, its weights loaded by name, its outputs`, (t) => {
      const p = py[name];
      const fresh = c.build();
      const own = torch.scope(() => [...fresh.stateDict()].map(([k, t]) => [k, t.shape] as const));
      fresh.dispose();
      assert.deepEqual(own.map(([k]) => k), p.keys, `${name}: state-dict keys differ from torchvision's`);
      assert.deepEqual(own.map(([, s]) => s), p.shapes, `${name}: state-dict shapes differ from torchvision's`);

      const m = c.build(p.file).eval();
      // outputs of order 0.1 or more (EfficientNet's small uniform head gives ~0.5, the others 1-100):
      // at least 1000× the absolute tolerance, so the comparison is not a comparison of noise
      assert.ok(p.absmax > 1000 * c.atol, `${name}: torchvision's output is ${p.absmax} at most; the comparison would be weak`);
      const io = torch.load(join(dir, `${name}.io.pth`)) as Map<string, Tensor>;
      const x = io.get("x")!;
      const y = io.get("y")!;
      const out = torch.noGrad(() => m.forward(x) as Tensor);
      assert.deepEqual(out.shape, y.shape);
      // the buffers came along too (num_batches_tracked is an int64 PyTorch set to 7)
      const nbt = [...m.namedBuffers()].find(([k]) => k.endsWith("num_batches_tracked"));
      if (nbt !== undefined) assert.equal(Number(nbt[1].item()), 7);
      const [a, e] = [out.toTypedArray() as Float32Array, y.toTypedArray() as Float32Array];
      assertClose(a, e, `${name} output`, c.rtol, c.atol);
      t.diagnostic(`${name}: max |tstorch − torchvision| = ${Math.max(...a.map((v, i) => Math.abs(v - e[i]))).toExponential(2)}, max |output| = ${p.absmax.toPrecision(3)}`);
      for (const t of [x, y, out]) t.dispose();
      m.dispose();
    });
  }

  for (const [name, c] of Object.entries(INIT_CASES)) {
    it(`${name}: after the same seed, torchvision's initialisation bit for bit`, () => {
      const theirs = torch.load(join(dir, `${name}.init.pth`)) as Map<string, Tensor>;
      torch.manualSeed(7);
      const m = c.build();
      torch.scope(() => {
        for (const [k, t] of m.stateDict()) {
          const e = theirs.get(k);
          assert.ok(e !== undefined, `${name}: ${k} missing from torchvision's state dict`);
          assert.ok(t.equal(e), `${name}: ${k} differs from torchvision's initial value`);
        }
      });
      for (const t of theirs.values()) t.dispose();
      m.dispose();
    });
  }

  it("weights: a missing file, a file that is not a state dict, a head of another size: errors that say so", () => {
    assert.throws(() => vm.resnet18({ weights: join(dir, "nope.pth") }), { message: `tstorch: weights file not found: ${join(dir, "nope.pth")}` });
    assert.throws(() => vm.resnet18({ weights: join(dir, "list.pth") }), {
      message: `tstorch: ${join(dir, "list.pth")} does not hold a state dict (a dict of tensors by name, as torch.save(model.state_dict(), path) writes); it holds a list`,
    });
    assert.throws(() => vm.resnet18({ weights: join(dir, "checkpoint.pth") }), /does not hold a state dict .*; it holds a dict whose entry "model" is not a tensor$/);
    // resnet18.pth has a 10-class head
    assert.throws(() => vm.resnet18({ weights: py.resnet18.file }), (e: Error) => {
      assert.match(e.message, /^Error\(s\) in loading state_dict for ResNet:\n\tsize mismatch for fc\.weight: copying a param with shape \[10, 512\] from checkpoint, the shape in current model is \[1000, 512\]\./);
      return true;
    });
  });

  it("resnet18: a new head assigned to fc replaces the old one in the state dict and in forward, as in PyTorch", () => {
    const m = vm.resnet18({ weights: py.resnet18.file.replace("resnet18.pth", "resnet18.init.pth") });
    const old = m.fc;
    m.fc = new torch.nn.Linear(512, 3);
    old.dispose();
    torch.scope(() => {
      const sd = m.stateDict();
      assert.deepEqual(sd.get("fc.weight")!.shape, [3, 512]);
      assert.deepEqual([...sd.keys()].slice(-2), ["fc.weight", "fc.bias"]);
      assert.ok(m.parameters().includes(m.fc.weight));
      assert.deepEqual(torch.noGrad(() => m.eval().forward(torch.zeros([1, 3, 32, 32]))).shape, [1, 3]);
    });
    m.dispose();
  });

  it("truncNormal_: the linked PyTorch's trunc_normal_ draws, bit for bit (wide, narrow and middling intervals)", () => {
    const theirs = torch.load(join(dir, "trunc-normal.pth")) as Map<string, Tensor>;
    const args: Record<string, [number, number, number, number]> = { wide: [0, 0.02, -2, 2], narrow: [0, 1, 1, 3], mid: [0.5, 1, -1, 1.5] };
    for (const [k, [mean, std, a, b]] of Object.entries(args)) {
      torch.manualSeed(9);
      const t = truncNormal_(torch.empty([4000]), mean, std, a, b);
      const e = theirs.get(k)!;
      assert.ok(t.equal(e), `trunc_normal_ ${k} (mean ${mean}, std ${std}, [${a}, ${b}]) differs from PyTorch's`);
      assert.ok((t.min().item() as number) >= a && (t.max().item() as number) <= b);
      t.dispose();
      e.dispose();
    }
  });

  it("vitB16: an input of another size is refused with torchvision's message", () => {
    const m = vm.vitB16({ imageSize: 32 });
    const x = torch.zeros([1, 3, 48, 32]);
    assert.throws(() => m.forward(x), { message: "tstorch: VisionTransformer: wrong image height! Expected 32 but got 48!" });
    x.dispose();
    m.dispose();
  });
});
