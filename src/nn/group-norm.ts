// nn.GroupNorm and nn.InstanceNorm1d/2d through aten::group_norm / aten::instance_norm, with
// PyTorch's parameter and buffer names (weight, bias, running_mean, running_var, num_batches_tracked).
import { ones, zeros } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Module, pyFloat } from "./module.js";
import { biasRepr, NormBase, normOptions, type NormArgs } from "./normalization.js";

const aten = ops.aten;

export interface GroupNormOptions {
  eps?: number;
  affine?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

/** Normalises each of `numGroups` channel groups of [N, C, *] inputs (weight ones, bias zeros, as in PyTorch and tch). */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  /** PyTorch's GroupNorm(num_groups, num_channels, eps=1e-05, affine=True). */
  constructor(readonly numGroups: number, readonly numChannels: number, ...args: PyArgs<[eps: number, affine: boolean], GroupNormOptions>) {
    super();
    const opts = pyArgs<GroupNormOptions>("GroupNorm", ["eps", "affine"], args);
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0) {
      throw new Error(`tstorch: GroupNorm numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weight = this.registerParameter("weight", this.affine ? ones([numChannels], t) : null);
    this.bias = this.registerParameter("bias", this.affine ? zeros([numChannels], t) : null);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new Error(`tstorch: GroupNorm expected input of shape [N, ${this.numChannels}, *], got [${x.shape.join(", ")}]`);
    }
    return aten.group_norm(x, this.numGroups, this.weight, this.bias, this.eps, false) as Tensor;
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${this.affine ? "True" : "False"}${biasRepr(this.bias)}`;
  }
}

export interface InstanceNormOptions {
  eps?: number;
  momentum?: number;
  /** Learnable per-channel weight and bias (default false, as in PyTorch). */
  affine?: boolean;
  /** Keep running statistics for evaluation mode (default false, as in PyTorch). */
  trackRunningStats?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

/** PyTorch's _InstanceNorm: _NormBase's parameters and buffers with affine and trackRunningStats off by default. */
export abstract class InstanceNormBase extends NormBase {
  declare momentum: number;

  constructor(private readonly spatial: number, numFeatures: number, args: readonly unknown[]) {
    super(numFeatures, normOptions<InstanceNormOptions>(new.target.name, args), { affine: false, trackRunningStats: false });
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    const batched = this.spatial + 2;
    if (x.ndim !== batched && x.ndim !== batched - 1) {
      throw new Error(`tstorch: ${name} expected ${batched - 1}-D (unbatched) or ${batched}-D (batched) input, got ${x.ndim}-D input`);
    }
    const unbatched = x.ndim === batched - 1;
    const c = x.shape[unbatched ? 0 : 1];
    if (c !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new Error(`tstorch: ${name} expected input with ${this.numFeatures} channels (numFeatures), got ${c}`);
    }
    return scope(() => {
      const input = unbatched ? x.unsqueeze(0) : x;
      const useInputStats = this.training || !this.trackRunningStats;
      const out = aten.instance_norm(input, this.weight, this.bias, this.runningMean, this.runningVar, useInputStats,
        this.momentum, this.eps, false) as Tensor;
      return unbatched ? out.squeeze(0) : out;
    });
  }
}

/** Over [N, C, L] (or unbatched [C, L]) inputs. */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, ...args: NormArgs<InstanceNormOptions>) {
    super(1, numFeatures, args);
  }
}
/** Over [N, C, H, W] (or unbatched [C, H, W]) inputs. */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, ...args: NormArgs<InstanceNormOptions>) {
    super(2, numFeatures, args);
  }
}
/** Over [N, C, D, H, W] (or unbatched [C, D, H, W]) inputs. */
export class InstanceNorm3d extends InstanceNormBase {
  constructor(numFeatures: number, ...args: NormArgs<InstanceNormOptions>) {
    super(3, numFeatures, args);
  }
}
