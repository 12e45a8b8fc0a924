// Losses and metrics as functions (tch's tensor methods, PyTorch's functional names).
import { Tensor } from "../core/tensor.js";

export { crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits } from "../core/functional.js";

/** Mean cross-entropy of logits [N, C] against class indices [N] (tch's cross_entropy_for_logits). */
export function crossEntropyForLogits(logits: Tensor, targets: Tensor): Tensor {
  return logits.crossEntropyForLogits(targets);
}

/** Fraction of rows whose argmax equals the target, as a 0-d float tensor (tch's accuracy_for_logits). */
export function accuracyForLogits(logits: Tensor, targets: Tensor): Tensor {
  return logits.accuracyForLogits(targets);
}
