// tstorch.nn: modules, layers, losses (`import { nn } from "tstorch"`).
import "./tensor-losses.js"; // tch-style loss and layer helpers on Tensor.prototype (core may not import nn)
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
export { Buffer } from "./buffer.js";
export { LinearCrossEntropyLoss, LinearCrossEntropyOptions } from "./linear-cross-entropy.js";
export type { LinearCrossEntropyLossOptions, LinearCrossEntropyOptionsInit } from "./linear-cross-entropy.js";
export type { BufferOptions } from "./buffer.js";
export type { AnyModule } from "./module.js";
export { ModuleList, ModuleDict } from "./container.js";
export * as utils from "./utils.js";
export { Embedding, EmbeddingBag } from "./embedding.js";
export type { EmbeddingOptions, EmbeddingBagOptions, EmbeddingBagMode } from "./embedding.js";
export { RNNBase, RNN, LSTM, GRU } from "./rnn.js";
export type { RNNOptions, RNNTanhOptions, LSTMOptions, LSTMState, RNNMode, AnyRNN, RNNArgs } from "./rnn.js";
export { RNNCell, LSTMCell, GRUCell } from "./rnn-cell.js";
export type { CellOptions } from "./rnn-cell.js";
export { Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d } from "./conv-nd.js";
export type { ConvNdOptions, ConvTranspose1dOptions, ConvTranspose3dOptions, ConvTransposeNdOptions, IntN } from "./conv-nd.js";
export { GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d } from "./group-norm.js";
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
export {
  ELU, SELU, CELU, PReLU, RReLU, Softplus, Softsign, Softshrink, Hardshrink, Hardtanh, ReLU6, Hardswish, Hardsigmoid, Mish,
  LogSigmoid, Tanhshrink, Threshold, GLU, LogSoftmax, Softmin, Softmax2d,
} from "./activation-more.js";
export type { PReLUOptions } from "./activation-more.js";
export {
  MaxPool1d, MaxPool3d, AvgPool1d, AvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, AdaptiveAvgPool1d,
  AdaptiveAvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
} from "./pooling-nd.js";
export type { MaxPoolOptions, AvgPoolOptions, AdaptiveSize, LPPoolOptions, MaxUnpoolOptions } from "./pooling-nd.js";
export {
  ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
  CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,
} from "./padding.js";
export {
  MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiLabelMarginLoss,
  MultiMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, PoissonNLLLoss, GaussianNLLLoss,
} from "./loss-margin.js";
export type {
  MarginLossOptions, MultiMarginLossOptions, TripletMarginLossOptions, TripletMarginWithDistanceLossOptions, PoissonNLLLossOptions,
  GaussianNLLLossOptions,
} from "./loss-margin.js";
export { CosineSimilarity, PairwiseDistance } from "./distance.js";
export type { PairwiseDistanceOptions } from "./distance.js";
export { Bilinear } from "./bilinear.js";
export type { BilinearOptions } from "./bilinear.js";
export { ChannelShuffle } from "./channel-shuffle.js";
export { LocalResponseNorm, CrossMapLRN2d } from "./local-response-norm.js";
export { SyncBatchNorm } from "./sync-batch-norm.js";
export { DataParallel } from "./data-parallel.js";
export { AdaptiveLogSoftmaxWithLoss } from "./adaptive-log-softmax.js";
export { UpsamplingNearest2d, UpsamplingBilinear2d } from "./upsampling-2d.js";
export type { Upsampling2dOptions } from "./upsampling-2d.js";
export { Fold, Unfold } from "./fold.js";
export type { FoldOptions } from "./fold.js";
export { Dropout3d, AlphaDropout, FeatureAlphaDropout } from "./dropout-more.js";
export { FractionalMaxPool2d, FractionalMaxPool3d } from "./fractional-pooling.js";
export type { FractionalMaxPoolOptions } from "./fractional-pooling.js";
export { RMSNorm, hasRMSNorm } from "./rms-norm.js";
export type { RMSNormOptions } from "./rms-norm.js";
export { ParameterList, ParameterDict } from "./parameter-containers.js";
export { NLLLoss2d } from "./loss-aliases.js";
// PyTorch's base classes (_ConvNd, _ConvTransposeNd, _NormBase, _BatchNorm, _InstanceNorm, _DropoutNd, RNNCellBase) for instanceof checks and subclassing
export { ConvBase, ConvTransposeBase } from "./conv.js";
export { NormBase, BatchNormBase } from "./normalization.js";
export { InstanceNormBase } from "./group-norm.js";
export { DropoutBase } from "./dropout-more.js";
export { RNNCellBase } from "./rnn-cell.js";
export type { InplaceOptions, LeakyReLUOptions, DropoutOptions } from "./activation.js";
export {
  LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyBatchNorm1d,
  LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, UninitializedParameter, UninitializedBuffer,
  hasUninitializedParams,
} from "./lazy.js";
