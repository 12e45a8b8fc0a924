// torchvision.models.EfficientNet (Tan & Le, arXiv 1905.11946), the B0 configuration: a stem conv,
// seven stages of MBConv blocks (expand 1×1 → depthwise k×k → squeeze-excitation → project 1×1,
// SiLU, stochastic depth on the residual), a 1×1 head conv, pooling and a dropout + Linear
// classifier. Names as torchvision's: "features.1.0.block.0.0.weight", "features.2.0.block.2.fc1.weight",
// "classifier.1.weight"; torchvision's initialisation after the same seed.
import { scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { Dropout, SiLU } from "../../nn/activation.js";
import { uniform_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { AdaptiveAvgPool2d } from "../../nn/pooling.js";
import { Sequential } from "../../nn/sequential.js";
import { Conv2dNormActivation, initConvNetWeights_, makeDivisible, NormLayer } from "./conv-norm-activation.js";
import { SqueezeExcitation } from "./squeeze-excitation.js";
import { StochasticDepth } from "./stochastic-depth.js";
import { ClassifierOptions, loadWeights } from "./weights.js";

/** torchvision's MBConvConfig (widths and depths already scaled). */
export interface MBConvConfig {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
}

/** MBConvConfig's constructor: channels through _make_divisible(c·widthMult, 8), layers ceil(n·depthMult). */
export function mbconvConfig(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number, numLayers: number, widthMult = 1.0, depthMult = 1.0): MBConvConfig {
  return {
    expandRatio, kernel, stride,
    inputChannels: makeDivisible(inputChannels * widthMult, 8),
    outChannels: makeDivisible(outChannels * widthMult, 8),
    numLayers: Math.ceil(numLayers * depthMult),
  };
}

export class MBConv extends Module {
  readonly useResConnect: boolean;
  readonly block: Sequential;
  readonly stochasticDepth: StochasticDepth;
  readonly outChannels: number;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: NormLayer) {
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new Error(`tstorch: MBConv: illegal stride value ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const silu = () => new SiLU();
    this.block = new Sequential();
    const expanded = makeDivisible(cnf.inputChannels * cnf.expandRatio, 8);
    if (expanded !== cnf.inputChannels) {
      this.block.add(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, normLayer, activationLayer: silu }));
    }
    this.block.add(new Conv2dNormActivation(expanded, expanded, { kernelSize: cnf.kernel, stride: cnf.stride, groups: expanded, normLayer, activationLayer: silu }));
    this.block.add(new SqueezeExcitation(expanded, Math.max(1, Math.floor(cnf.inputChannels / 4)), silu));
    this.block.add(new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.registerModule("block", this.block);
    this.stochasticDepth = this.registerModule("stochastic_depth", new StochasticDepth(stochasticDepthProb, "row"));
    this.outChannels = cnf.outChannels;
  }
  forward(x: Tensor): Tensor {
    if (!this.useResConnect) return this.block.forward(x);
    return scope(() => this.stochasticDepth.forward(this.block.forward(x)).add(x));
  }
}

export interface EfficientNetOptions extends ClassifierOptions {
  /** Dropout before the classifier (B0: 0.2). */
  dropout?: number;
  /** The largest stochastic-depth probability, reached by the last block (default 0.2). */
  stochasticDepthProb?: number;
  normLayer?: NormLayer;
  /** Channels of the head conv (default 4 × the last stage's). */
  lastChannel?: number;
}

export class EfficientNet extends Module {
  readonly features: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  /** Replaceable, as in PyTorch (assigning a new module re-registers it under "classifier"). */
  classifier: Sequential;
  constructor(setting: readonly MBConvConfig[], dropout: number, o: Omit<EfficientNetOptions, "weights" | "dropout"> = {}) {
    super();
    if (setting.length === 0) throw new Error("tstorch: EfficientNet: the invertedResidualSetting should not be empty");
    const normLayer = o.normLayer ?? ((c: number) => new BatchNorm2d(c));
    const sdProb = o.stochasticDepthProb ?? 0.2;
    const silu = () => new SiLU();
    this.features = new Sequential(new Conv2dNormActivation(3, setting[0].inputChannels, { kernelSize: 3, stride: 2, normLayer, activationLayer: silu }));
    const totalBlocks = setting.reduce((n, c) => n + c.numLayers, 0);
    let blockId = 0;
    for (const cnf of setting) {
      const stage = new Sequential();
      for (let i = 0; i < cnf.numLayers; i++) {
        // the first block of a stage changes width and stride; the rest keep them
        const blockCnf = i === 0 ? cnf : { ...cnf, inputChannels: cnf.outChannels, stride: 1 };
        stage.add(new MBConv(blockCnf, (sdProb * blockId) / totalBlocks, normLayer));
        blockId++;
      }
      this.features.add(stage);
    }
    const lastIn = setting[setting.length - 1].outChannels;
    const lastOut = o.lastChannel ?? 4 * lastIn;
    this.features.add(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, normLayer, activationLayer: silu }));
    this.registerModule("features", this.features);
    this.registerModule("avgpool", this.avgpool);
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(dropout), new Linear(lastOut, o.numClasses ?? 1000)));

    initConvNetWeights_(this, (w, m) => {
      const r = 1.0 / Math.sqrt(m.outFeatures);
      uniform_(w, -r, r);
    });
  }
  forward(x: Tensor): Tensor {
    return scope(() => this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1)));
  }
}

/** torchvision's efficientnet_b* stage table at a width and depth multiplier. */
export function efficientnetV1Setting(widthMult: number, depthMult: number): MBConvConfig[] {
  const c = (e: number, k: number, s: number, i: number, o: number, n: number) => mbconvConfig(e, k, s, i, o, n, widthMult, depthMult);
  return [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2), c(6, 3, 2, 40, 80, 3), c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4), c(6, 3, 1, 192, 320, 1)];
}

/** torchvision.models.efficientnet_b0: 5.3 M parameters at 1000 classes. */
export function efficientnetB0(o: EfficientNetOptions = {}): EfficientNet {
  const { weights, dropout, ...rest } = o;
  const m = new EfficientNet(efficientnetV1Setting(1.0, 1.0), dropout ?? 0.2, rest);
  if (weights !== undefined) loadWeights(m, weights);
  return m;
}
