// torchvision.ops.SqueezeExcitation (Hu et al., arXiv 1709.01507): a per-channel gate computed
// from the channel means, with torchvision's child names (avgpool, fc1, fc2, activation,
// scale_activation) so "….fc1.weight" loads by name.
import { Conv2d } from "../../nn/conv.js";
import { ReLU, Sigmoid } from "../../nn/activation.js";
import { Module } from "../../nn/module.js";
import { AdaptiveAvgPool2d } from "../../nn/pooling.js";
import type { Tensor } from "../../core/tensor.js";
import { scope } from "../../core/scope.js";
import type { ActivationLayer } from "./conv-norm-activation.js";

export class SqueezeExcitation extends Module {
  readonly avgpool = new AdaptiveAvgPool2d(1);
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: Module;
  readonly scaleActivation: Module;
  constructor(inputChannels: number, squeezeChannels: number, activation: ActivationLayer = () => new ReLU(), scaleActivation: ActivationLayer = () => new Sigmoid()) {
    super();
    this.fc1 = new Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = activation();
    this.scaleActivation = scaleActivation();
    this.registerModule("avgpool", this.avgpool);
    this.registerModule("fc1", this.fc1);
    this.registerModule("fc2", this.fc2);
    this.registerModule("activation", this.activation);
    this.registerModule("scale_activation", this.scaleActivation);
  }
  forward(x: Tensor): Tensor {
    return scope(() => {
      const s = this.scaleActivation.forward(this.fc2.forward(this.activation.forward(this.fc1.forward(this.avgpool.forward(x)))));
      return s.mul(x);
    });
  }
}
