// tch's `vision` models: networks with PyTorch's module names, so weights move both ways, and the
// training recipes that go with them.
export { airbench94, ConvGroup, initWhitening_, predictTta } from "./airbench94.js";
export type { Airbench94Options } from "./airbench94.js";
export {
  AIRBENCH94, CIFAR10_MEAN, CIFAR10_STD, AirbenchLoader, airbench94LrFactor, airbench94Optimizer, airbench94Schedule, evaluateAirbench, interp,
  lookaheadDecays, normalizeCifar10,
} from "./airbench94-recipe.js";
// torchvision's classification models: module names, state-dict keys and initialisation as
// torchvision's, weights from a file (no downloads).
export { resnet18, resnet34, resnet50, ResNet, BasicBlock, Bottleneck } from "./resnet.js";
export type { ResNetOptions, ResNetBlock } from "./resnet.js";
export { vgg11Bn, VGG, makeVggLayers, VGG_CONFIGS } from "./vgg.js";
export type { VggOptions, VggConfig } from "./vgg.js";
export { mobilenetV2, MobileNetV2, InvertedResidual } from "./mobilenetv2.js";
export type { MobileNetV2Options, InvertedResidualSetting } from "./mobilenetv2.js";
export { efficientnetB0, EfficientNet, MBConv, mbconvConfig, efficientnetV1Setting } from "./efficientnet.js";
export type { EfficientNetOptions, MBConvConfig } from "./efficientnet.js";
export { vitB16, visionTransformer, vitLegacyKey, VisionTransformer, Encoder, EncoderBlock, MLPBlock } from "./vision-transformer.js";
export type { VisionTransformerOptions, VisionTransformerConfig, VitNormLayer } from "./vision-transformer.js";
export { Conv2dNormActivation, makeDivisible } from "./conv-norm-activation.js";
export type { Conv2dNormActivationOptions, NormLayer, ActivationLayer } from "./conv-norm-activation.js";
export { SqueezeExcitation } from "./squeeze-excitation.js";
export { StochasticDepth, stochasticDepth } from "./stochastic-depth.js";
export type { StochasticDepthMode } from "./stochastic-depth.js";
export { loadWeights, readStateDict } from "./weights.js";
export type { Weights, ClassifierOptions } from "./weights.js";
