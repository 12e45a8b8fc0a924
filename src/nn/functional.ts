// torch.nn.functional: core's functions (and the generated torch._C._nn operators) plus those the
// nn layers added (attention, interpolation, the extra losses). Local definitions take precedence
// over the re-exported ones of the same name.
export * from "../core/functional.js";
export { scaledDotProductAttention, generateSquareSubsequentMask } from "./attention.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
export { interpolate } from "./resample.js";
export type { InterpolateOptions, UpsampleMode } from "./resample.js";
export { klDiv, huberLoss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, ctcLoss } from "./losses-functional.js";
export type { KLDivOptions, CTCLossOptions } from "./losses-functional.js";
