// torch.nn.functional: core's functions (and the generated torch._C._nn operators) plus those the
// nn layers added (attention, interpolation, the extra losses). Local definitions take precedence
// over the re-exported ones of the same name.
export * from "../core/functional.js";
export { scaledDotProductAttention, generateSquareSubsequentMask } from "./attention.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
export { interpolate } from "./resample.js";
export type { InterpolateOptions, UpsampleMode } from "./resample.js";
export { multiHeadAttentionForward } from "./attention-forward.js";
export * from "./functional-losses.js";
// explicit names: adaptive_max_pool2d/3d and fractional_max_pool2d/3d replace the generated ATen forms re-exported above
export {
  maxPool1d, maxPool3d, maxPool1dWithIndices, adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d, adaptiveMaxPool1dWithIndices,
  adaptiveMaxPool2dWithIndices, adaptiveMaxPool3dWithIndices, fractionalMaxPool2d, fractionalMaxPool3d, fractionalMaxPool2dWithIndices,
  fractionalMaxPool3dWithIndices, lpPool1d, lpPool2d, lpPool3d, maxUnpool1d,
} from "./functional-pooling.js";
export type { MaxPoolFnArgs, FractionalMaxPoolFnOptions, LPPoolFnOptions, MaxUnpoolFnOptions } from "./functional-pooling.js";
export * from "./functional-activation.js";
export * from "./functional-sampling.js";
export { instanceNorm } from "./functional-norm.js";
export { rmsNorm } from "./rms-norm.js";
export { groupedMm } from "./functional-grouped-mm.js";
export { localResponseNorm } from "./local-response-norm.js";
export { embedding, embeddingBag } from "./embedding.js";
export { fold, unfold } from "./fold.js";
export { klDiv, huberLoss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, ctcLoss } from "./losses-functional.js";
export type { KLDivOptions, CTCLossOptions } from "./losses-functional.js";
export { normalize } from "./normalize.js";
export type { NormalizeOptions } from "./normalize.js";
// torch.nn.functional names that are ATen functions with the same positional arguments (the generated ones)
export {
  conv1d, conv3d, convTranspose1d, convTranspose3d, convTbc, avgPool1d, adaptiveAvgPool1d, bilinear, celu, celu_, selu, selu_,
  channelShuffle, nativeChannelShuffle, hardshrink, pdist, pixelShuffle, pixelUnshuffle, prelu, relu_, threshold, threshold_,
  cosineSimilarity, pairwiseDistance, alphaDropout, featureAlphaDropout, groupNorm, rrelu, rrelu_,
} from "../generated/functions.js";
