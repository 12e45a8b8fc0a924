// The blog post's three networks, built with tch's `seq().add(...).addFn(...)` style. Parameters are
// drawn on the CPU then moved: PyTorch's default draws first, then (init "tch") a redraw of every
// layer in module order, exactly as shared/reference/torch_reference.py builds them, so after the
// same --seed the initial weights (and first losses) are bit-identical to the PyTorch reference.
import * as torch from "../index.js";
import type { InitName, ModelName, Cifar10Options } from "./args.js";
import { buildAirbenchModel } from "./airbench.js";

const { nn } = torch;

/** Conv(3,16,3,pad 1) → ReLU → MaxPool(2) → Conv(16,8,3,pad 1) → ReLU → MaxPool(2): [N,3,32,32] → [N,8,8,8]. */
function encoder(s: torch.nn.Sequential): torch.nn.Sequential {
  return s
    .add(new nn.Conv2d(3, 16, 3, { padding: 1 }))
    .addFn((x) => x.relu())
    .addFn((x) => x.maxPool2d(2))
    .add(new nn.Conv2d(16, 8, 3, { padding: 1 }))
    .addFn((x) => x.relu())
    .addFn((x) => x.maxPool2d(2));
}

export function buildModel(name: ModelName, init: InitName): torch.nn.Module {
  // airbench: PyTorch's default initialisation then the recipe's Dirac filters (no tch re-draw)
  if (name === "airbench") return buildAirbenchModel();
  const model = build(name);
  return init === "torch" ? model : nn.reinit(model, init);
}

function build(name: Exclude<ModelName, "airbench">): torch.nn.Module {
  switch (name) {
    case "mlp":
      return nn
        .seq()
        .addFn((x) => x.reshape([-1, 3 * 32 * 32]))
        .add(new nn.Linear(3 * 32 * 32, 3 * 32 * 32))
        .addFn((x) => x.relu())
        .add(new nn.Linear(3 * 32 * 32, 10));
    case "cnn":
      return encoder(nn.seq())
        .addFn((x) => x.reshape([-1, 512]))
        .add(new nn.Linear(512, 10));
    case "autoencoder":
      // No activation between the two transposed convolutions, as in the blog post.
      return encoder(nn.seq())
        .add(new nn.ConvTranspose2d(8, 16, 2, { stride: 2 }))
        .add(new nn.ConvTranspose2d(16, 3, 2, { stride: 2 }));
  }
}

export function buildOptimizer(model: torch.nn.Module, o: Cifar10Options): torch.optim.Optimizer {
  if (o.model === "airbench") {
    return torch.vision.models.airbench94Optimizer(model, { lr: o.lr, weightDecay: o.weightDecay, momentum: o.momentum, biasScaler: torch.vision.models.AIRBENCH94.biasScaler });
  }
  const params = model.parameters();
  switch (o.optimizer) {
    case "adam":
      return new torch.optim.Adam(params, { lr: o.lr, weightDecay: o.weightDecay, capturable: o.cudaGraph });
    case "adamw":
      return new torch.optim.AdamW(params, { lr: o.lr, weightDecay: o.weightDecay, capturable: o.cudaGraph });
    case "sgd":
      return new torch.optim.SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  }
}
