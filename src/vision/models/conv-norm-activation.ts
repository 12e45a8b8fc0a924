// torchvision.ops.Conv2dNormActivation: Conv2d → norm → activation as one nn.Sequential, so its
// children are named "0" (the conv), "1" (the norm), "2" (the activation) and a torchvision state
// dict's "features.0.0.weight", "features.0.1.running_mean" land on the same tensors. Also
// torchvision's _make_divisible, which the MobileNet and EfficientNet widths go through.
import type { Tensor } from "../../core/tensor.js";
import { Conv2d } from "../../nn/conv.js";
import { ReLU } from "../../nn/activation.js";
import { GroupNorm } from "../../nn/group-norm.js";
import { kaimingNormal_, ones_, zeros_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import type { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { Sequential } from "../../nn/sequential.js";

/** Builds the norm layer for a number of channels (torchvision's norm_layer callable). */
export type NormLayer = (channels: number) => Module;
/** Builds the activation (torchvision's activation_layer callable). */
export type ActivationLayer = () => Module;

export interface Conv2dNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize − 1) / 2 · dilation: "same" size at stride 1. */
  padding?: number;
  groups?: number;
  /** Default BatchNorm2d; null: no norm layer. */
  normLayer?: NormLayer | null;
  /** Default ReLU; null: no activation. */
  activationLayer?: ActivationLayer | null;
  dilation?: number;
  /** Default: a bias only when there is no norm layer. */
  bias?: boolean;
}

export class Conv2dNormActivation extends Sequential {
  readonly outChannels: number;
  constructor(inChannels: number, outChannels: number, o: Conv2dNormActivationOptions = {}) {
    super();
    const kernelSize = o.kernelSize ?? 3;
    const dilation = o.dilation ?? 1;
    const normLayer = o.normLayer === undefined ? (c: number) => new BatchNorm2d(c) : o.normLayer;
    const activationLayer = o.activationLayer === undefined ? () => new ReLU() : o.activationLayer;
    this.add(new Conv2d(inChannels, outChannels, kernelSize, {
      stride: o.stride ?? 1,
      padding: o.padding ?? Math.floor((kernelSize - 1) / 2) * dilation,
      dilation,
      groups: o.groups ?? 1,
      bias: o.bias ?? normLayer === null,
    }));
    if (normLayer !== null) this.add(normLayer(outChannels));
    if (activationLayer !== null) this.add(activationLayer());
    this.outChannels = outChannels;
  }
}

/** torchvision's _make_divisible: v rounded to the nearest multiple of divisor, never below minValue or 90 % of v. */
export function makeDivisible(v: number, divisor: number, minValue?: number): number {
  const min = minValue ?? divisor;
  let out = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/**
 * torchvision's weight initialisation of its MobileNets and EfficientNets, in module order (the same
 * random draws as torchvision's): convolutions kaiming-normal over fan_out with zero bias, norms one
 * and zero, linears as `initLinear` draws them with zero bias (the one thing the models differ in).
 */
export function initConvNetWeights_(root: Module, initLinear: (weight: Tensor, m: Linear) => void): void {
  for (const m of root.modules()) {
    if (m instanceof Conv2d) {
      kaimingNormal_(m.weight, { mode: "fanOut" });
      if (m.bias !== null) zeros_(m.bias);
    } else if (m instanceof BatchNorm2d || m instanceof GroupNorm) {
      ones_(m.weight!);
      zeros_(m.bias!);
    } else if (m instanceof Linear) {
      initLinear(m.weight, m);
      zeros_(m.bias!);
    }
  }
}
