// Batch and layer normalisation. BatchNorm keeps PyTorch's buffers (running_mean, running_var,
// num_batches_tracked) under the same names and updates them exactly as _BatchNorm.forward does.
import { noGrad } from "../core/autograd.js";
import { ones, tensor, zeros } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { batchNorm, layerNorm } from "../core/functional.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";
import { torchAtLeast } from "../core/runtime.js";

export interface BatchNormOptions {
  eps?: number;
  /** Running-average factor (default 0.1); null uses a cumulative average (1/num_batches_tracked). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

/**
 * PyTorch's _NormBase, shared by BatchNorm and InstanceNorm (group-norm.ts): the affine parameters,
 * the running-statistics buffers, resetRunningStats and extra_repr. Only the defaults differ.
 */
export abstract class NormBase extends Module {
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  protected constructor(readonly numFeatures: number, opts: BatchNormOptions, defaults: { affine: boolean; trackRunningStats: boolean }) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? defaults.affine;
    this.trackRunningStats = opts.trackRunningStats ?? defaults.trackRunningStats;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", this.affine ? ones([numFeatures], t) : null);
    this.bias = this.registerParameter("bias", this.affine ? zeros([numFeatures], t) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer("running_mean", track ? zeros([numFeatures], t) : null);
    this.runningVar = this.registerBuffer("running_var", track ? ones([numFeatures], t) : null);
    this.numBatchesTracked = this.registerBuffer("num_batches_tracked", track ? tensor(0, { dtype: "int64", device: opts.device }) : null);
  }

  /** Running statistics back to mean 0, variance 1, count 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${this.affine ? "True" : "False"}${biasRepr(this.bias)}, track_running_stats=${this.trackRunningStats ? "True" : "False"}`;
  }
}

/**
 * ", bias=True|False" where the linked PyTorch prints it: the norm layers' extra_repr names the bias
 * from PyTorch 2.12 on (pull request 176573, which gave BatchNorm/InstanceNorm/GroupNorm a `bias`
 * argument); 2.6 and earlier do not.
 */
export function biasRepr(bias: Tensor | null): string {
  return torchAtLeast(2, 12) ? `, bias=${bias !== null ? "True" : "False"}` : "";
}

/** What follows numFeatures in PyTorch's BatchNorm and InstanceNorm: eps, momentum, affine, track_running_stats, then the options. */
export type NormArgs<O = BatchNormOptions> = PyArgs<[eps: number, momentum: number | null, affine: boolean, trackRunningStats: boolean], O>;
/** @internal */
export function normOptions<O>(what: string, args: readonly unknown[]): O {
  return pyArgs<O & object>(what, ["eps", "momentum", "affine", "trackRunningStats"], args);
}

/** PyTorch's _BatchNorm: `new nn.BatchNorm2d(64, 1e-5, 0.1)` or `new nn.BatchNorm2d(64, { eps: 1e-5 })`. */
export abstract class BatchNormBase extends NormBase {
  constructor(numFeatures: number, ...args: NormArgs) {
    super(numFeatures, normOptions<BatchNormOptions>(new.target.name, args), { affine: true, trackRunningStats: true });
  }

  protected abstract checkInputDim(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.add_(1));
      factor = this.momentum === null ? 1.0 / nbt.item() : this.momentum;
    }
    // in eval mode without running statistics, batch statistics are used (PyTorch's bn_training)
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }
}

/** Over [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`tstorch: BatchNorm1d expected 2D or 3D input (got ${x.ndim}D input)`);
  }
}

/** Over [N, C, H, W] inputs. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`tstorch: BatchNorm2d expected 4D input (got ${x.ndim}D input)`);
  }
}

/** Over [N, C, D, H, W] inputs. */
export class BatchNorm3d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 5) throw new Error(`tstorch: BatchNorm3d expected 5D input (got ${x.ndim}D input)`);
  }
}

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  /** PyTorch's LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True). */
  constructor(normalizedShape: number | readonly number[], ...args: PyArgs<[eps: number, elementwiseAffine: boolean], LayerNormOptions>) {
    super();
    const opts = pyArgs<LayerNormOptions>("LayerNorm", ["eps", "elementwiseAffine"], args);
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", affine ? ones(this.normalizedShape, t) : null);
    this.bias = this.registerParameter("bias", affine ? zeros(this.normalizedShape, t) : null);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(", ")},), eps=${pyFloat(this.eps)}, elementwise_affine=${this.weight !== null ? "True" : "False"}${biasRepr(this.bias)}`;
  }
}
