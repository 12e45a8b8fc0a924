// torchvision.models.ResNet (He et al., arXiv 1512.03385; torchvision's "v1.5", the stride in the
// bottleneck's 3×3 conv): module names conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc ... as
// torchvision's, so its state dicts load by name, and the same initialisation after the same seed
// (modules built in torchvision's order, then its kaiming_normal_(fan_out) / constant re-init).
import { scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { ReLU } from "../../nn/activation.js";
import { Conv2d } from "../../nn/conv.js";
import { constant_, kaimingNormal_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../../nn/pooling.js";
import { Sequential } from "../../nn/sequential.js";
import type { NormLayer } from "./conv-norm-activation.js";
import { ClassifierOptions, loadWeights } from "./weights.js";

function conv3x3(cin: number, cout: number, stride = 1, groups = 1, dilation = 1): Conv2d {
  return new Conv2d(cin, cout, 3, { stride, padding: dilation, groups, bias: false, dilation });
}
function conv1x1(cin: number, cout: number, stride = 1): Conv2d {
  return new Conv2d(cin, cout, 1, { stride, bias: false });
}

interface BlockArgs {
  stride: number;
  downsample: Sequential | null;
  groups: number;
  baseWidth: number;
  dilation: number;
  normLayer: NormLayer;
}

/** Two 3×3 convs and the shortcut (resnet18/34). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly relu = new ReLU();
  readonly conv2: Conv2d;
  readonly bn2: Module;
  readonly downsample: Sequential | null;
  constructor(inplanes: number, planes: number, a: BlockArgs) {
    super();
    if (a.groups !== 1 || a.baseWidth !== 64) throw new Error("tstorch: BasicBlock only supports groups=1 and baseWidth=64");
    if (a.dilation > 1) throw new Error("tstorch: dilation > 1 not supported in BasicBlock");
    this.conv1 = this.registerModule("conv1", conv3x3(inplanes, planes, a.stride));
    this.bn1 = this.registerModule("bn1", a.normLayer(planes));
    this.registerModule("relu", this.relu);
    this.conv2 = this.registerModule("conv2", conv3x3(planes, planes));
    this.bn2 = this.registerModule("bn2", a.normLayer(planes));
    this.downsample = a.downsample;
    if (a.downsample !== null) this.registerModule("downsample", a.downsample);
  }
  forward(x: Tensor): Tensor {
    return scope(() => {
      const out = this.bn2.forward(this.conv2.forward(this.bn1.forward(this.conv1.forward(x)).relu_()));
      const identity = this.downsample === null ? x : this.downsample.forward(x);
      return out.add_(identity).relu_();
    });
  }
}

/** 1×1 → 3×3 (strided) → 1×1 ×4 and the shortcut (resnet50 and deeper). */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly conv2: Conv2d;
  readonly bn2: Module;
  readonly conv3: Conv2d;
  readonly bn3: Module;
  readonly relu = new ReLU();
  readonly downsample: Sequential | null;
  constructor(inplanes: number, planes: number, a: BlockArgs) {
    super();
    const width = Math.trunc(planes * (a.baseWidth / 64)) * a.groups;
    this.conv1 = this.registerModule("conv1", conv1x1(inplanes, width));
    this.bn1 = this.registerModule("bn1", a.normLayer(width));
    this.conv2 = this.registerModule("conv2", conv3x3(width, width, a.stride, a.groups, a.dilation));
    this.bn2 = this.registerModule("bn2", a.normLayer(width));
    this.conv3 = this.registerModule("conv3", conv1x1(width, planes * Bottleneck.expansion));
    this.bn3 = this.registerModule("bn3", a.normLayer(planes * Bottleneck.expansion));
    this.registerModule("relu", this.relu);
    this.downsample = a.downsample;
    if (a.downsample !== null) this.registerModule("downsample", a.downsample);
  }
  forward(x: Tensor): Tensor {
    return scope(() => {
      let out = this.bn1.forward(this.conv1.forward(x)).relu_();
      out = this.bn2.forward(this.conv2.forward(out)).relu_();
      out = this.bn3.forward(this.conv3.forward(out));
      const identity = this.downsample === null ? x : this.downsample.forward(x);
      return out.add_(identity).relu_();
    });
  }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions extends ClassifierOptions {
  /** Zero the last BatchNorm's weight of every residual branch (each block starts as the identity). */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  /** Per stage 2-4: a dilated convolution instead of the stride 2. */
  replaceStrideWithDilation?: readonly [boolean, boolean, boolean];
  /** Default BatchNorm2d. */
  normLayer?: NormLayer;
}

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: Module;
  readonly relu = new ReLU();
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool = new AdaptiveAvgPool2d([1, 1]);
  /** Replaceable, as in PyTorch (`model.fc = new nn.Linear(512, 10)` re-registers it under "fc"). */
  fc: Linear;
  private inplanes = 64;
  private dilation = 1;
  private readonly groups: number;
  private readonly baseWidth: number;
  private readonly normLayer: NormLayer;

  constructor(block: ResNetBlock, layers: readonly [number, number, number, number], o: Omit<ResNetOptions, "weights"> = {}) {
    super();
    const numClasses = o.numClasses ?? 1000;
    this.normLayer = o.normLayer ?? ((c) => new BatchNorm2d(c));
    const dilate = o.replaceStrideWithDilation ?? [false, false, false];
    if (dilate.length !== 3) throw new Error(`tstorch: replaceStrideWithDilation should be undefined or 3 booleans, got ${JSON.stringify(dilate)}`);
    this.groups = o.groups ?? 1;
    this.baseWidth = o.widthPerGroup ?? 64;
    this.conv1 = this.registerModule("conv1", new Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule("bn1", this.normLayer(this.inplanes));
    this.registerModule("relu", this.relu);
    this.maxpool = this.registerModule("maxpool", new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule("layer1", this.makeLayer(block, 64, layers[0]));
    this.layer2 = this.registerModule("layer2", this.makeLayer(block, 128, layers[1], 2, dilate[0]));
    this.layer3 = this.registerModule("layer3", this.makeLayer(block, 256, layers[2], 2, dilate[1]));
    this.layer4 = this.registerModule("layer4", this.makeLayer(block, 512, layers[3], 2, dilate[2]));
    this.registerModule("avgpool", this.avgpool);
    this.fc = this.registerModule("fc", new Linear(512 * block.expansion, numClasses));

    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: "fanOut", nonlinearity: "relu" });
      else if (m instanceof BatchNorm2d) {
        constant_(m.weight!, 1);
        constant_(m.bias!, 0);
      }
    }
    if (o.zeroInitResidual === true) {
      for (const m of this.modules()) {
        const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        if (last instanceof BatchNorm2d && last.weight !== null) constant_(last.weight, 0);
      }
    }
  }

  private makeLayer(block: ResNetBlock, planes: number, blocks: number, stride = 1, dilate = false): Sequential {
    let downsample: Sequential | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    // built before the block, as torchvision does (the order of the default-init draws)
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), this.normLayer(planes * block.expansion));
    }
    const common = { groups: this.groups, baseWidth: this.baseWidth, normLayer: this.normLayer };
    const layers = new Sequential(new block(this.inplanes, planes, { ...common, stride, downsample, dilation: previousDilation }));
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      layers.add(new block(this.inplanes, planes, { ...common, stride: 1, downsample: null, dilation: this.dilation }));
    }
    return layers;
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      let h = this.maxpool.forward(this.bn1.forward(this.conv1.forward(x)).relu_());
      h = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(h))));
      return this.fc.forward(this.avgpool.forward(h).flatten(1));
    });
  }
}

function build(block: ResNetBlock, layers: readonly [number, number, number, number], o: ResNetOptions): ResNet {
  const { weights, ...rest } = o;
  const m = new ResNet(block, layers, rest);
  if (weights !== undefined) loadWeights(m, weights);
  return m;
}

/** torchvision.models.resnet18: BasicBlock × [2, 2, 2, 2], 11.7 M parameters at 1000 classes. */
export function resnet18(o: ResNetOptions = {}): ResNet {
  return build(BasicBlock, [2, 2, 2, 2], o);
}
/** torchvision.models.resnet34: BasicBlock × [3, 4, 6, 3]. */
export function resnet34(o: ResNetOptions = {}): ResNet {
  return build(BasicBlock, [3, 4, 6, 3], o);
}
/** torchvision.models.resnet50: Bottleneck × [3, 4, 6, 3]. */
export function resnet50(o: ResNetOptions = {}): ResNet {
  return build(Bottleneck, [3, 4, 6, 3], o);
}
