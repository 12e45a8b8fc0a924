// Loss functions beyond core's (torch.nn.functional's kl_div, huber_loss, smooth_l1_loss,
// binary_cross_entropy, binary_cross_entropy_with_logits with weights, ctc_loss), each one aten
// operator with PyTorch's reductions.
import { ops } from "../core/ops.js";
import { isFloatingDType } from "../core/dtype.js";
import { sameShape, shapeString } from "../core/shape.js";
import { reductionCode, Reduction, Tensor } from "../core/tensor.js";

const aten = ops.aten;

function checkSameShape(what: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`tstorch: ${what}: target size ${shapeString(target.shape)} must be the same as input size ${shapeString(input.shape)}`);
  }
}

export interface KLDivOptions {
  /** "batchmean" divides the sum by the batch size (the mathematically correct KL); "mean" by the element count (PyTorch's default). */
  reduction?: Reduction | "batchmean";
  /** The target is given as log-probabilities. */
  logTarget?: boolean;
}
/** KL(target ‖ input) for log-probabilities `input` (torch.nn.functional.kl_div). */
export function klDiv(input: Tensor, target: Tensor, o: KLDivOptions = {}): Tensor {
  const r = o.reduction ?? "mean";
  if (r === "batchmean") {
    const sum = aten.kl_div(input, target, reductionCode("sum"), { log_target: o.logTarget ?? false }) as Tensor;
    if (input.ndim === 0) return sum;
    const out = sum.div(input.shape[0]);
    sum.dispose();
    return out;
  }
  return aten.kl_div(input, target, reductionCode(r), { log_target: o.logTarget ?? false }) as Tensor;
}

export function huberLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction; delta?: number } = {}): Tensor {
  checkSameShape("huberLoss", input, target);
  const delta = o.delta ?? 1.0;
  if (!(delta > 0)) throw new Error(`tstorch: huberLoss delta must be positive, got ${delta}`);
  return aten.huber_loss(input, target, reductionCode(o.reduction ?? "mean"), delta) as Tensor;
}

export function smoothL1Loss(input: Tensor, target: Tensor, o: { reduction?: Reduction; beta?: number } = {}): Tensor {
  checkSameShape("smoothL1Loss", input, target);
  const beta = o.beta ?? 1.0;
  if (!(beta >= 0)) throw new Error(`tstorch: smoothL1Loss beta must be non-negative, got ${beta}`);
  return aten.smooth_l1_loss(input, target, reductionCode(o.reduction ?? "mean"), beta) as Tensor;
}

/** Binary cross-entropy of probabilities `input` in [0, 1]. */
/**
 * The binary losses take a target of the input's floating dtype; libtorch alone says only "Found
 * dtype Long but expected Float". The error names the fix.
 */
function checkFloatTarget(fn: string, input: Tensor, target: Tensor): void {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) return; // checkSameShape names it
  const it = input.dtype;
  const tt = target.dtype;
  if (it !== tt && isFloatingDType(it) && !isFloatingDType(tt)) {
    throw new Error(`tstorch: ${fn}: the target has dtype ${tt} but the input ${it}; the target must be floating point like the input: use target.float() (or target.to(input.dtype))`);
  }
}

export function binaryCrossEntropy(input: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  checkSameShape("binaryCrossEntropy", input, target);
  checkFloatTarget("binaryCrossEntropy", input, target);
  return aten.binary_cross_entropy(input, target, o.weight ?? null, reductionCode(o.reduction ?? "mean")) as Tensor;
}

export function binaryCrossEntropyWithLogits(
  input: Tensor, target: Tensor, o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  checkSameShape("binaryCrossEntropyWithLogits", input, target);
  checkFloatTarget("binaryCrossEntropyWithLogits", input, target);
  return aten.binary_cross_entropy_with_logits(input, target, o.weight ?? null, o.posWeight ?? null, reductionCode(o.reduction ?? "mean")) as Tensor;
}

export interface CTCLossOptions {
  blank?: number;
  /** "mean" divides each loss by its target length, then averages over the batch (PyTorch's). */
  reduction?: Reduction;
  /** Infinite losses (impossible alignments) and their gradients become zero. */
  zeroInfinity?: boolean;
}
/**
 * Connectionist temporal classification loss: logProbs [T, N, C] (log-softmax outputs), targets
 * [N, S] or concatenated 1-D, lengths as int64 tensors or arrays.
 */
export function ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[], o: CTCLossOptions = {}): Tensor {
  if (logProbs.ndim !== 3 && logProbs.ndim !== 2) throw new Error(`tstorch: ctcLoss expects logProbs [T, N, C] or [T, C], got ${logProbs.ndim}-D`);
  const blank = o.blank ?? 0;
  const classes = logProbs.shape[logProbs.ndim - 1];
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) throw new Error(`tstorch: ctcLoss blank must be in [0, ${classes}), got ${blank}`);
  const red = reductionCode(o.reduction ?? "mean");
  const zi = o.zeroInfinity ?? false;
  if (inputLengths instanceof Tensor && targetLengths instanceof Tensor) {
    return aten.ctc_loss.Tensor(logProbs, targets, inputLengths, targetLengths, blank, red, zi) as Tensor;
  }
  const il = inputLengths instanceof Tensor ? (inputLengths.toArray() as number[]).map(Number) : [...inputLengths];
  const tl = targetLengths instanceof Tensor ? (targetLengths.toArray() as number[]).map(Number) : [...targetLengths];
  return aten.ctc_loss.IntList(logProbs, targets, il, tl, blank, red, zi) as Tensor;
}
