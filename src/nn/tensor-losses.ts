// tch-rs's loss and layer helpers as Tensor methods (its Tensor::cross_entropy_for_logits,
// accuracy_for_logits, max_pool2d, ...): nn's, put on Tensor.prototype by core/tensor.ts; and the
// reduction codes and class-target check the losses (nn/loss*.ts, core/functional.ts) share.
import { dtypeCode } from "../core/dtype.js";
import { callPooled } from "../core/handle-pool.js";
import type { Handle } from "../core/native.js";
import { K } from "../core/op-ids.js";
import { Tensor, wrap } from "../core/tensor.js";
import { tensorHandle } from "../core/tensor-args.js";
import { sameShape, shapeString } from "../core/shape.js";

export class TensorLosses {
  declare _h: Handle;

  maxPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0, dilation: number | readonly number[] = 1, ceilMode = false): Tensor {
    return wrap(callPooled(K.max_pool2d, this._h, kernelSize, stride ?? [], padding, dilation, ceilMode));
  }
  avgPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0): Tensor {
    return wrap(callPooled(K.avg_pool2d, this._h, kernelSize, stride ?? [], padding, false, true, null));
  }
  dropout(p: number, train: boolean): Tensor { return wrap(callPooled(K.dropout, this._h, p, train)); }
  /** tch's cross_entropy_for_logits: mean cross-entropy of logits [N, C] against class indices [N]. */
  crossEntropyForLogits(this: Tensor, targets: Tensor): Tensor {
    checkClassTargets("crossEntropyForLogits", this, targets, false);
    return wrap(callPooled(K.cross_entropy_loss, this._h, tensorHandle(targets, "targets", "crossEntropyForLogits"), null, 1, -100, 0.0));
  }
  /** tch's accuracy_for_logits: the fraction of rows whose argmax equals the target (a 0-d float tensor). */
  accuracyForLogits(targets: Tensor): Tensor {
    const target = tensorHandle(targets, "targets", "accuracyForLogits");
    const am = wrap(callPooled(K.argmax, this._h, -1, false));
    const eq = wrap(callPooled(K.eq_Tensor, am._h, target));
    const f = wrap(callPooled(K.to_dtype_layout, eq._h, dtypeCode("float32"), null, null, null, false, false, null));
    const m = wrap(callPooled(K.mean, f._h, null));
    am.dispose();
    eq.dispose();
    f.dispose();
    return m;
  }
  mseLoss(target: Tensor, reduction: "mean" | "sum" | "none" = "mean"): Tensor {
    return wrap(callPooled(K.mse_loss, this._h, tensorHandle(target, "target", "mseLoss"), reductionCode(reduction)));
  }
}

export type Reduction = "mean" | "sum" | "none";
export function reductionCode(r: Reduction): number {
  switch (r) {
    case "none": return 0;
    case "mean": return 1;
    case "sum": return 2;
  }
  throw new Error(`tstorch: unknown reduction '${r}' (expected 'mean', 'sum' or 'none')`);
}

/**
 * @internal Losses over classes take int64 class indices (or, where `probabilities` allows, float
 * class probabilities of the input's shape). libtorch alone only says "expected scalar type Long
 * but found Float": say what is wrong with the target and how to fix it.
 */
export function checkClassTargets(fn: string, input: Tensor, target: Tensor, probabilities: boolean): void {
  if (!(target instanceof Tensor)) {
    throw new Error(`tstorch: ${fn}: the target must be a Tensor of class indices (int64)${probabilities ? " or class probabilities" : ""}, got ${target === undefined ? "nothing" : typeof target}`);
  }
  const dt = target.dtype;
  if (dt === "int64") return;
  const floating = dt === "float32" || dt === "float64" || dt === "float16" || dt === "bfloat16";
  const ts = target.shape;
  const is = input.shape;
  if (probabilities && floating && sameShape(ts, is)) return;
  throw new Error(
    `tstorch: ${fn}: target has dtype ${dt} and shape ${shapeString(ts)} for input of shape ${shapeString(is)}; ` +
      `class-index targets must be int64 (use target.long())` +
      (probabilities ? `, class-probability targets must be floating point with the input's shape` : ""),
  );
}
