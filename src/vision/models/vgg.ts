// torchvision.models.VGG (Simonyan & Zisserman, arXiv 1409.1556) and vgg11_bn: `features` (convs,
// BatchNorm, ReLU, max-pools in one Sequential, so "features.0.weight", "features.1.running_mean"),
// a 7×7 adaptive average pool, and `classifier` (Linear 25088→4096→4096→classes with ReLU and
// Dropout, "classifier.0/3/6"), with torchvision's initialisation after the same seed.
import { scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { Dropout, ReLU } from "../../nn/activation.js";
import { Conv2d } from "../../nn/conv.js";
import { constant_, kaimingNormal_, normal_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../../nn/pooling.js";
import { Sequential } from "../../nn/sequential.js";
import { ClassifierOptions, loadWeights } from "./weights.js";

/** A layer list: output channels of a 3×3 conv, or "M" for a 2×2 max-pool. */
export type VggConfig = readonly (number | "M")[];

/** torchvision's cfgs: A = VGG-11, B = 13, D = 16, E = 19. */
export const VGG_CONFIGS: Record<"A" | "B" | "D" | "E", VggConfig> = {
  A: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  B: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  D: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  E: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
};

/** torchvision's make_layers. */
export function makeVggLayers(cfg: VggConfig, batchNorm = false): Sequential {
  const layers = new Sequential();
  let inChannels = 3;
  for (const v of cfg) {
    if (v === "M") {
      layers.add(new MaxPool2d(2, { stride: 2 }));
      continue;
    }
    layers.add(new Conv2d(inChannels, v, 3, { padding: 1 }));
    if (batchNorm) layers.add(new BatchNorm2d(v));
    layers.add(new ReLU());
    inChannels = v;
  }
  return layers;
}

export interface VggOptions extends ClassifierOptions {
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
  /** torchvision's init_weights (default true; false keeps the layers' default initialisation). */
  initWeights?: boolean;
}

export class VGG extends Module {
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d([7, 7]);
  /** Replaceable, as in PyTorch (assigning a new module re-registers it under "classifier"). */
  classifier: Sequential;
  constructor(features: Sequential, o: Omit<VggOptions, "weights"> = {}) {
    super();
    const dropout = o.dropout ?? 0.5;
    this.features = this.registerModule("features", features);
    this.registerModule("avgpool", this.avgpool);
    this.classifier = this.registerModule("classifier", new Sequential(
      new Linear(512 * 7 * 7, 4096), new ReLU(), new Dropout(dropout),
      new Linear(4096, 4096), new ReLU(), new Dropout(dropout),
      new Linear(4096, o.numClasses ?? 1000),
    ));
    if (o.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d) {
          kaimingNormal_(m.weight, { mode: "fanOut", nonlinearity: "relu" });
          if (m.bias !== null) constant_(m.bias, 0);
        } else if (m instanceof BatchNorm2d) {
          constant_(m.weight!, 1);
          constant_(m.bias!, 0);
        } else if (m instanceof Linear) {
          normal_(m.weight, 0, 0.01);
          constant_(m.bias!, 0);
        }
      }
    }
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1)));
  }
}

/** torchvision.models.vgg11_bn: configuration A with BatchNorm, 132.9 M parameters at 1000 classes. */
export function vgg11Bn(o: VggOptions = {}): VGG {
  const { weights, ...rest } = o;
  // torchvision skips its re-initialisation when weights are given
  const m = new VGG(makeVggLayers(VGG_CONFIGS.A, true), { initWeights: weights === undefined, ...rest });
  if (weights !== undefined) loadWeights(m, weights);
  return m;
}
