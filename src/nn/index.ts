// tstorch.nn: modules, layers, losses (`import { nn } from "tstorch"`).
export { Module } from "./module.js";
export type { StateDict, LoadStateDictOptions, LoadStateDictResult, ModuleTarget } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions, ParamOptions } from "./linear.js";
export { Conv2d, ConvTranspose2d } from "./conv.js";
export type { Conv2dOptions, ConvTranspose2dOptions, Pair } from "./conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling.js";
export type { MaxPool2dOptions, AvgPool2dOptions } from "./pooling.js";
export { ReLU, GELU, Sigmoid, Tanh, SiLU, LeakyReLU, Softmax, Identity, Flatten, Dropout, Lambda } from "./activation.js";
export { BatchNorm1d, BatchNorm2d, LayerNorm } from "./normalization.js";
export type { BatchNormOptions, LayerNormOptions } from "./normalization.js";
export { Sequential, seq } from "./sequential.js";
export { reinit } from "./reinit.js";
export type { InitScheme } from "./init.js";
export {
  crossEntropyForLogits, accuracyForLogits, crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits,
} from "./loss.js";
export * as init from "./init.js";
export * as functional from "../core/functional.js";
export { Parameter } from "./parameter.js";
export type { AnyModule } from "./module.js";
export { ModuleList, ModuleDict } from "./container.js";
export * as utils from "./utils.js";
export * as parallel from "../distributed/parallel.js";
