// tch-rs's loss and layer helpers as Tensor methods (its Tensor::cross_entropy_for_logits,
// accuracy_for_logits, max_pool2d, ...): nn's, so nn puts them on Tensor.prototype when it loads (core
// may not import nn); the interface below tells TypeScript they are there.
import { dtypeCode } from "../core/dtype.js";
import { callPooled } from "../core/handle-pool.js";
import type { Handle } from "../core/native.js";
import { opIds } from "../core/op-ids.js";
import { addTensorMembers, Tensor, wrap } from "../core/tensor.js";
import { tensorHandle } from "../core/tensor-args.js";
import { checkClassTargets, reductionCode } from "../core/reduction.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "max_pool2d", "avg_pool2d", "dropout", "cross_entropy_loss", "argmax", "eq_Tensor", "to_dtype_layout", "mean",
  "mse_loss"
);

export class TensorLosses {
  declare _h: Handle;

  maxPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0, dilation: number | readonly number[] = 1, ceilMode = false): Tensor {
    return wrap(callPooled(aten.max_pool2d, this._h, kernelSize, stride ?? [], padding, dilation, ceilMode));
  }
  avgPool2d(kernelSize: number | readonly number[], stride?: number | readonly number[], padding: number | readonly number[] = 0): Tensor {
    return wrap(callPooled(aten.avg_pool2d, this._h, kernelSize, stride ?? [], padding, false, true, null));
  }
  dropout(p: number, train: boolean): Tensor { return wrap(callPooled(aten.dropout, this._h, p, train)); }
  /** tch's cross_entropy_for_logits: mean cross-entropy of logits [N, C] against class indices [N]. */
  crossEntropyForLogits(this: Tensor, targets: Tensor): Tensor {
    checkClassTargets("crossEntropyForLogits", this, targets, false);
    return wrap(callPooled(aten.cross_entropy_loss, this._h, tensorHandle(targets, "targets", "crossEntropyForLogits"), null, 1, -100, 0.0));
  }
  /** tch's accuracy_for_logits: the fraction of rows whose argmax equals the target (a 0-d float tensor). */
  accuracyForLogits(targets: Tensor): Tensor {
    const target = tensorHandle(targets, "targets", "accuracyForLogits");
    const am = wrap(callPooled(aten.argmax, this._h, -1, false));
    const eq = wrap(callPooled(aten.eq_Tensor, am._h, target));
    const f = wrap(callPooled(aten.to_dtype_layout, eq._h, dtypeCode("float32"), null, null, null, false, false, null));
    const m = wrap(callPooled(aten.mean, f._h, null));
    am.dispose();
    eq.dispose();
    f.dispose();
    return m;
  }
  mseLoss(target: Tensor, reduction: "mean" | "sum" | "none" = "mean"): Tensor {
    return wrap(callPooled(aten.mse_loss, this._h, tensorHandle(target, "target", "mseLoss"), reductionCode(reduction)));
  }
}

declare module "../core/tensor.js" {
  interface Tensor extends TensorLosses {}
}
addTensorMembers(TensorLosses);
