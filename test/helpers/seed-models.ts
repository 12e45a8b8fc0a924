// The seed's three CIFAR-10 models (the blog's tch code), built with tstorch, plus the Python that
// builds the same models with PyTorch: shared/reference/torch_reference.py's make_model and
// tch_init_ when that file exists, else verbatim copies of them.
import { existsSync } from "node:fs";
import * as torch from "../../src/index.js";

const { nn } = torch;
export type SeedModel = "mlp" | "cnn" | "ae";
export type InitScheme = "torch" | "tch";

/** tch style, as the blog wrote them: nn::seq().add(...).add_fn(...). */
export function seedModelSeq(name: SeedModel, init: InitScheme = "torch"): torch.nn.Sequential {
  if (name === "mlp") {
    return nn.seq()
      .addFn((x) => x.flatten(1))
      .add(new nn.Linear(3072, 3072, { init }))
      .addFn((x) => x.relu())
      .add(new nn.Linear(3072, 10, { init }));
  }
  const s = nn.seq()
    .add(new nn.Conv2d(3, 16, 3, { padding: 1, init }))
    .addFn((x) => x.relu())
    .addFn((x) => x.maxPool2d(2))
    .add(new nn.Conv2d(16, 8, 3, { padding: 1, init }))
    .addFn((x) => x.relu())
    .addFn((x) => x.maxPool2d(2));
  if (name === "cnn") return s.addFn((x) => x.reshape(-1, 512)).add(new nn.Linear(512, 10, { init }));
  return s.add(new nn.ConvTranspose2d(8, 16, 2, { stride: 2, init })).add(new nn.ConvTranspose2d(16, 3, 2, { stride: 2, init }));
}

/** PyTorch style: nn.Sequential of layer modules. */
export function seedModelSequential(name: SeedModel, init: InitScheme = "torch"): torch.nn.Sequential {
  if (name === "mlp") {
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(3072, 3072, { init }), new nn.ReLU(), new nn.Linear(3072, 10, { init }));
  }
  const enc = [
    new nn.Conv2d(3, 16, 3, { padding: 1, init }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 8, 3, { padding: 1, init }), new nn.ReLU(), new nn.MaxPool2d(2),
  ];
  if (name === "cnn") return new nn.Sequential(...enc, new nn.Lambda((x) => x.reshape(-1, 512)), new nn.Linear(512, 10, { init }));
  return new nn.Sequential(...enc, new nn.ConvTranspose2d(8, 16, 2, { stride: 2, init }), new nn.ConvTranspose2d(16, 3, 2, { stride: 2, init }));
}

const REFERENCE = "/work/shared/reference/torch_reference.py";

/** Python defining make_model(name) and tch_init_(model) (import torch, nn, math included). */
export function pythonSeedModels(): string {
  const load = existsSync(REFERENCE)
    ? `
import importlib.util
_spec = importlib.util.spec_from_file_location("torch_reference", ${JSON.stringify(REFERENCE)})
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)
make_model, tch_init_ = _ref.make_model, _ref.tch_init_
`
    : `
class Reshape512(nn.Module):
    def forward(self, x):
        return x.reshape(-1, 512)

def make_model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(3072, 3072), nn.ReLU(), nn.Linear(3072, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            Reshape512(), nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.ConvTranspose2d(8, 16, 2, stride=2),
        nn.ConvTranspose2d(16, 3, 2, stride=2))

def tch_init_(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                w = m.weight
                fan_in = w.shape[1] * (w[0][0].numel() if w.dim() > 2 else 1)
                b = math.sqrt(6.0 / fan_in)
                w.uniform_(-b, b)
                if m.bias is not None:
                    if isinstance(m, nn.Linear):
                        bb = 1.0 / math.sqrt(fan_in)
                        m.bias.uniform_(-bb, bb)
                    else:
                        m.bias.zero_()
    return model
`;
  return `import math\nimport torch\nimport torch.nn as nn\n${load}`;
}

/** A tensor's values as a flat list of numbers (float32 values are exact doubles). */
export function flat(t: torch.Tensor): number[] {
  return Array.from(t.flatten().toTypedArray() as Float32Array);
}

/** A float32 tensor from a (nested) list that Python sent. */
export function fromPy(v: unknown, dtype: torch.DType = "float32"): torch.Tensor {
  return torch.tensor(v as torch.NestedArray, { dtype });
}
