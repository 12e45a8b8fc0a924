// nn.SyncBatchNorm: batch norm whose statistics are reduced across the processes of a group. tstorch
// runs it where PyTorch does without a process group: PyTorch 1.13 accepts only CUDA inputs (a CPU
// input is an error in forward, mirrored here on libtorch 1.x); PyTorch 2 normalises like BatchNorm
// when no distributed group is initialised, which is what tstorch's modules always see.
import type { Tensor } from "../core/tensor.js";
import { torchAtLeast } from "../core/runtime.js";
import type { AnyModule } from "./module.js";
import { BatchNormBase, type NormArgs } from "./normalization.js";

export class SyncBatchNorm extends BatchNormBase {
  /** PyTorch's SyncBatchNorm(num_features, eps, momentum, affine, track_running_stats): over [N, C, *] inputs. */
  constructor(numFeatures: number, ...args: NormArgs) { super(numFeatures, ...args); }
  protected checkInputDim(x: Tensor): void {
    if (x.ndim < 2) throw new Error(`tstorch: SyncBatchNorm: expected at least 2D input (got ${x.ndim}D input)`);
    if (x.shape[1] === 0) throw new Error("tstorch: SyncBatchNorm number of input channels should be non-zero");
    if (!torchAtLeast(2, 0) && x.device.type !== "cuda") throw new Error("tstorch: SyncBatchNorm expected input tensor to be on GPU");
  }

  /**
   * PyTorch's SyncBatchNorm.convert_sync_batchnorm: every BatchNorm*d in `module` (or `module`
   * itself) replaced by a SyncBatchNorm sharing its parameters, buffers and training mode.
   */
  static convertSyncBatchnorm(module: AnyModule): AnyModule {
    let out = module;
    if (module instanceof BatchNormBase) {
      const m = new SyncBatchNorm(module.numFeatures, { eps: module.eps, momentum: module.momentum, affine: module.affine, trackRunningStats: module.trackRunningStats });
      // the new layer's own tensors give way to the ones it shares with `module`
      for (const t of [m.weight, m.bias, m.runningMean, m.runningVar, m.numBatchesTracked]) t?.dispose();
      if (module.affine) {
        m.registerParameter("weight", module.weight);
        m.registerParameter("bias", module.bias);
      }
      if (!module.affine) for (const k of ["weight", "bias"]) m.registerParameter(k, null);
      m.registerBuffer("running_mean", module.runningMean);
      m.registerBuffer("running_var", module.runningVar);
      m.registerBuffer("num_batches_tracked", module.numBatchesTracked);
      m.train(module.training);
      out = m;
    }
    for (const [name, child] of module.namedChildren()) out.registerModule(name, SyncBatchNorm.convertSyncBatchnorm(child));
    return out;
  }
}
