// tstorch.nn: modules, layers, losses (`import { nn } from "tstorch"`).
export { Module } from "./module.js";
export type { StateDict, LoadStateDictOptions, LoadStateDictResult, ModuleTarget } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions, ParamOptions } from "./linear.js";
export { Conv2d, ConvTranspose2d } from "./conv.js";
export type { Conv2dOptions, ConvTranspose2dOptions, Pair, PaddingMode } from "./conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling.js";
export type { MaxPool2dOptions, AvgPool2dOptions } from "./pooling.js";
export { ReLU, GELU, Sigmoid, Tanh, SiLU, LeakyReLU, Softmax, Identity, Flatten, Dropout, Lambda } from "./activation.js";
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm } from "./normalization.js";
export type { BatchNormOptions, LayerNormOptions } from "./normalization.js";
export { Sequential, seq } from "./sequential.js";
export { reinit } from "./reinit.js";
export type { InitScheme } from "./init.js";
export {
  crossEntropyForLogits, accuracyForLogits, crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits,
} from "./loss.js";
export * as init from "./init.js";
export * as functional from "./functional.js";
export { Parameter } from "./parameter.js";
export type { AnyModule } from "./module.js";
export { ModuleList, ModuleDict } from "./container.js";
export * as utils from "./utils.js";
export * as parallel from "../distributed/parallel.js";
export { Embedding, EmbeddingBag } from "./embedding.js";
export type { EmbeddingOptions, EmbeddingBagOptions, EmbeddingBagMode } from "./embedding.js";
export { RNNBase, RNN, LSTM, GRU } from "./rnn.js";
export type { RNNOptions, RNNTanhOptions, LSTMOptions, LSTMState, RNNMode } from "./rnn.js";
export { RNNCell, LSTMCell, GRUCell } from "./rnn-cell.js";
export type { CellOptions } from "./rnn-cell.js";
export { Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d } from "./conv-nd.js";
export type { ConvNdOptions, ConvTranspose1dOptions, ConvTranspose3dOptions, ConvTransposeNdOptions, IntN } from "./conv-nd.js";
export { GroupNorm, InstanceNorm1d, InstanceNorm2d } from "./group-norm.js";
export type { GroupNormOptions, InstanceNormOptions } from "./group-norm.js";
export { Upsample, PixelShuffle, PixelUnshuffle } from "./resample.js";
export { Unflatten, Dropout1d, Dropout2d } from "./shape-layers.js";
export { MultiheadAttention, NonDynamicallyQuantizableLinear } from "./attention.js";
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from "./attention.js";
export {
  TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer,
} from "./transformer.js";
export type { TransformerLayerOptions, TransformerOptions, EncoderMasks, DecoderMasks, TransformerMasks, Activation } from "./transformer.js";
export {
  MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, HuberLoss, SmoothL1Loss, CTCLoss,
} from "./loss-modules.js";
export type { ClassLossOptions } from "./loss-modules.js";
