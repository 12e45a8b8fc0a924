// torchvision.models.MobileNetV2 (Sandler et al., arXiv 1801.04381): inverted residual blocks
// (expand 1×1 → depthwise 3×3 → linear 1×1, each a Conv2dNormActivation with ReLU6, the last a
// bare conv + BatchNorm) under torchvision's names ("features.1.conv.0.0.weight",
// "classifier.1.weight"), widths through _make_divisible, torchvision's initialisation.
import { adaptiveAvgPool2d } from "../../core/functional.js";
import { scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { Dropout } from "../../nn/activation.js";
import { ReLU6 } from "../../nn/activation-more.js";
import { Conv2d } from "../../nn/conv.js";
import { normal_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { Sequential } from "../../nn/sequential.js";
import { Conv2dNormActivation, initConvNetWeights_, makeDivisible, NormLayer } from "./conv-norm-activation.js";
import { ClassifierOptions, loadWeights } from "./weights.js";

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

export class InvertedResidual extends Module {
  readonly conv: Sequential;
  readonly useResConnect: boolean;
  readonly outChannels: number;
  constructor(inp: number, oup: number, readonly stride: number, expandRatio: number, normLayer: NormLayer = (c) => new BatchNorm2d(c)) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`tstorch: InvertedResidual: stride should be 1 or 2 instead of ${stride}`);
    const hidden = roundHalfEven(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const relu6 = () => new ReLU6();
    this.conv = new Sequential();
    if (expandRatio !== 1) this.conv.add(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, normLayer, activationLayer: relu6 }));
    this.conv.add(new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, normLayer, activationLayer: relu6 }));
    this.conv.add(new Conv2d(hidden, oup, 1, { bias: false }));
    this.conv.add(normLayer(oup));
    this.registerModule("conv", this.conv);
    this.outChannels = oup;
  }
  forward(x: Tensor): Tensor {
    if (!this.useResConnect) return this.conv.forward(x);
    return scope(() => this.conv.forward(x).add_(x));
  }
}

/** One row of the block table: expansion t, output channels c, repeats n, first stride s. */
export type InvertedResidualSetting = readonly [t: number, c: number, n: number, s: number];

export interface MobileNetV2Options extends ClassifierOptions {
  widthMult?: number;
  invertedResidualSetting?: readonly InvertedResidualSetting[];
  roundNearest?: number;
  normLayer?: NormLayer;
  /** Dropout before the classifier (default 0.2). */
  dropout?: number;
}

const DEFAULT_SETTING: readonly InvertedResidualSetting[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export class MobileNetV2 extends Module {
  readonly features: Sequential;
  /** Replaceable, as in PyTorch (assigning a new module re-registers it under "classifier"). */
  classifier: Sequential;
  readonly lastChannel: number;
  constructor(o: Omit<MobileNetV2Options, "weights"> = {}) {
    super();
    const widthMult = o.widthMult ?? 1.0;
    const roundNearest = o.roundNearest ?? 8;
    const normLayer = o.normLayer ?? ((c: number) => new BatchNorm2d(c));
    const setting = o.invertedResidualSetting ?? DEFAULT_SETTING;
    if (setting.length === 0 || setting[0].length !== 4) {
      throw new Error(`tstorch: MobileNetV2: invertedResidualSetting should be non-empty rows of 4 numbers, got ${JSON.stringify(setting)}`);
    }
    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1.0, widthMult), roundNearest);
    const relu6 = () => new ReLU6();
    this.features = new Sequential(new Conv2dNormActivation(3, inputChannel, { stride: 2, normLayer, activationLayer: relu6 }));
    for (const [t, c, n, s] of setting) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        this.features.add(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t, normLayer));
        inputChannel = outputChannel;
      }
    }
    this.features.add(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, normLayer, activationLayer: relu6 }));
    this.registerModule("features", this.features);
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(o.dropout ?? 0.2), new Linear(this.lastChannel, o.numClasses ?? 1000)));

    initConvNetWeights_(this, (w) => normal_(w, 0, 0.01));
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.classifier.forward(adaptiveAvgPool2d(this.features.forward(x), [1, 1]).flatten(1)));
  }
}

/** torchvision.models.mobilenet_v2: 3.5 M parameters at 1000 classes. */
export function mobilenetV2(o: MobileNetV2Options = {}): MobileNetV2 {
  const { weights, ...rest } = o;
  const m = new MobileNetV2(rest);
  if (weights !== undefined) loadWeights(m, weights);
  return m;
}
