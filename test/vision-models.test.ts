// torchvision's classification models against torchvision itself (Debian's python3-torchvision).
// ONE /usr/bin/python3 process builds each model (torch.manual_seed), randomises what a fresh model
// leaves trivial (BatchNorm's running statistics and affine parameters, ViT's zero head and class
// token), writes its state dict to a file and runs it in eval mode on a seeded input. tstorch then
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
import { PY_ST } from "./helpers/safetensors-py.js";

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
}

// Tolerances: float32 through 8-50 layers; the outputs are of order 1-10, so 1e-4 relative with an
// absolute floor of 1e-4 leaves room for summation-order differences (oneDNN vs. the fused
// attention kernel PyTorch's MultiheadAttention takes in eval) and catches any wrong layer.
const CASES: Record<string, ModelCase> = {
  resnet18: { py: "resnet18", kwargs: "num_classes=10", input: [2, 3, 64, 64], build: (w) => vm.resnet18({ numClasses: 10, weights: w }), rtol: 1e-4, atol: 1e-4 },
  resnet34: { py: "resnet34", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.resnet34({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  resnet50: { py: "resnet50", kwargs: "zero_init_residual=True", input: [2, 3, 64, 64], build: (w) => vm.resnet50({ zeroInitResidual: true, weights: w }), rtol: 1e-4, atol: 1e-4 },
  vgg11Bn: { py: "vgg11_bn", kwargs: "num_classes=100", input: [2, 3, 64, 64], build: (w) => vm.vgg11Bn({ numClasses: 100, weights: w }), rtol: 1e-4, atol: 1e-4 },
  mobilenetV2: { py: "mobilenet_v2", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.mobilenetV2({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  efficientnetB0: { py: "efficientnet_b0", kwargs: "", input: [2, 3, 64, 64], build: (w) => vm.efficientnetB0({ weights: w }), rtol: 1e-4, atol: 1e-4 },
  vitB16: { py: "vit_b_16", kwargs: "", input: [2, 3, 224, 224], build: (w) => vm.vitB16({ weights: w }), rtol: 1e-4, atol: 1e-4 },
};

const PY = PY_ST + `
import torch, torchvision, os
_st_save = st_save
def st_save(tensors, path):
    # PY_ST views each tensor's bytes, which a 0-d tensor (num_batches_tracked) cannot do: a 1-element
    # view gives the bytes, the shape is restored in the header by writing it 1-d then patching
    flat = {k: (v.reshape(1) if v.dim() == 0 else v) for k, v in tensors.items()}
    _st_save(flat, path)
    zero_d = [k for k, v in tensors.items() if v.dim() == 0]
    if zero_d:
        b = open(path, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        for k in zero_d: h[k]["shape"] = []
        hb = json.dumps(h).encode()
        open(path, "wb").write(struct.pack("<Q", len(hb)) + hb + b[8 + n:])
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
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=g) - 0.5) * 0.2)
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=g) - 0.5) * 0.2)
        if hasattr(m, "class_token"):
            m.class_token.copy_(torch.randn(m.class_token.shape, generator=g))
            m.heads.head.weight.copy_(torch.randn(m.heads.head.weight.shape, generator=g) * 0.02)
            m.heads.head.bias.copy_(torch.randn(m.heads.head.bias.shape, generator=g) * 0.02)
    m.eval()
    x = torch.randn(*c["input"], generator=g)
    with torch.no_grad():
        y = m(x)
    sd = m.state_dict()
    path = os.path.join(INPUT["dir"], name + ".safetensors")
    st_save(sd, path)
    st_save({"x": x, "y": y}, os.path.join(INPUT["dir"], name + ".io.safetensors"))
    out[name] = {"keys": list(sd.keys()), "shapes": [list(v.shape) for v in sd.values()], "file": path}
OUTPUT = out
`;

const skip = pyTorchSkipReason();

describe("vision.models: torchvision's classification models", { skip }, () => {
  let dir = "";
  let py: Record<string, { keys: string[]; shapes: number[][]; file: string }> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tstorch-vision-models-"));
    const cases = Object.fromEntries(Object.entries(CASES).map(([k, c]) => [k, { py: c.py, kwargs: c.kwargs, input: c.input }]));
    py = runPython(PY, { dir, cases }, { timeoutMs: 600_000 }) as typeof py;
  });
  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: torchvision's state-dict keys and shapes, its weights loaded by name, its outputs`, () => {
      const p = py[name];
      const fresh = c.build();
      const own = torch.scope(() => [...fresh.stateDict()].map(([k, t]) => [k, t.shape] as const));
      fresh.dispose();
      assert.deepEqual(own.map(([k]) => k), p.keys, `${name}: state-dict keys differ from torchvision's`);
      assert.deepEqual(own.map(([, s]) => s), p.shapes, `${name}: state-dict shapes differ from torchvision's`);

      const m = c.build(p.file).eval();
      const { tensors: io } = torch.io.loadTensors(join(dir, `${name}.io.safetensors`));
      const x = io.get("x")!;
      const y = io.get("y")!;
      const out = torch.noGrad(() => m.forward(x) as Tensor);
      assert.deepEqual(out.shape, y.shape);
      // the buffers came along too (num_batches_tracked is an int64 PyTorch set to 7)
      const nbt = [...m.namedBuffers()].find(([k]) => k.endsWith("num_batches_tracked"));
      if (nbt !== undefined) assert.equal(Number(nbt[1].item()), 7);
      assertClose(out.toTypedArray() as Float32Array, y.toTypedArray() as Float32Array, `${name} output`, c.rtol, c.atol);
      for (const t of [x, y, out]) t.dispose();
      m.dispose();
    });
  }
});
