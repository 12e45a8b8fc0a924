// nn.AdaptiveLogSoftmaxWithLoss (Grave et al., "Efficient softmax approximation for GPUs"): a head
// over the frequent classes plus one cluster token per tail cluster, each cluster a two-layer
// projection. PyTorch's child names (head, tail.i.0, tail.i.1) and its order of operations.
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { shapeString } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";
import { ModuleList } from "./container.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { Sequential } from "./sequential.js";

export interface AdaptiveLogSoftmaxOptions {
  /** The tail clusters' hidden sizes shrink by this factor per cluster (default 4). */
  divValue?: number;
  /** A bias in the head (default false). */
  headBias?: boolean;
  dtype?: DType;
  device?: DeviceLike;
}

/** PyTorch's _ASMoutput: the target log-probabilities [N] and the mean negative log-likelihood. */
export interface ASMOutput {
  output: Tensor;
  loss: Tensor;
}

export class AdaptiveLogSoftmaxWithLoss extends Module<[Tensor, Tensor], ASMOutput> {
  /** The given cutoffs followed by nClasses. */
  readonly cutoffs: number[];
  readonly divValue: number;
  readonly headBias: boolean;
  readonly shortlistSize: number;
  readonly nClusters: number;
  readonly headSize: number;
  readonly head: Linear;
  readonly tail: ModuleList<Sequential>;

  /** PyTorch's AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value, head_bias). */
  constructor(
    readonly inFeatures: number, readonly nClasses: number, cutoffs: readonly number[],
    ...args: PyArgs<[divValue: number, headBias: boolean], AdaptiveLogSoftmaxOptions>
  ) {
    super();
    const o = pyArgs<AdaptiveLogSoftmaxOptions>("AdaptiveLogSoftmaxWithLoss", ["divValue", "headBias"], args);
    const c = [...cutoffs];
    const sorted = c.every((v, i) => i === 0 || v > c[i - 1]);
    if (c.length === 0 || !sorted || c[0] <= 0 || c[c.length - 1] > nClasses - 1 || c.some((v) => !Number.isInteger(v))) {
      throw new Error("tstorch: AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where each value is between 1 and nClasses-1");
    }
    this.cutoffs = [...c, nClasses];
    this.divValue = o.divValue ?? 4;
    this.headBias = o.headBias ?? false;
    this.shortlistSize = this.cutoffs[0];
    this.nClusters = this.cutoffs.length - 1;
    this.headSize = this.shortlistSize + this.nClusters;
    const t = { dtype: o.dtype, device: o.device };
    this.head = this.registerModule("head", new Linear(inFeatures, this.headSize, { bias: this.headBias, ...t }));
    const clusters: Sequential[] = [];
    for (let i = 0; i < this.nClusters; i++) {
      const hsz = Math.floor(inFeatures / this.divValue ** (i + 1));
      const osz = this.cutoffs[i + 1] - this.cutoffs[i];
      clusters.push(new Sequential(new Linear(inFeatures, hsz, { bias: false, ...t }), new Linear(hsz, osz, { bias: false, ...t })));
    }
    this.tail = this.registerModule("tail", new ModuleList(clusters));
  }

  /** {output: log-probability of each target [N] (or 0-d), loss: mean of −output}; input [N, inFeatures] with target [N], or [inFeatures] with a 0-d target. */
  forward(input: Tensor, target: Tensor): ASMOutput {
    const what = "AdaptiveLogSoftmaxWithLoss";
    if (target.ndim === 1) {
      if (input.shape[0] !== target.shape[0]) throw new Error(`tstorch: ${what}: input and target should have the same size in the batch dimension`);
      if (input.ndim !== 2) throw new Error(`tstorch: ${what}: 1D target tensor expects 2D input tensors, but found inputs with size ${shapeString(input.shape)}`);
    } else if (target.ndim === 0) {
      if (input.ndim !== 1) throw new Error(`tstorch: ${what}: 0D target tensor expects 1D input tensors, but found inputs with size ${shapeString(input.shape)}`);
    } else {
      throw new Error(`tstorch: ${what}: 0D or 1D target tensor expected, multi-target not supported`);
    }
    const batched = target.ndim > 0;
    const [output, loss] = scope(() => {
      const x = batched ? input : input.unsqueeze(0);
      const y = batched ? target : target.unsqueeze(0);
      const n = y.shape[0];
      let out = x.newZeros([n]);
      const gatherInds = y.newZeros([n]);
      const bounds = [0, ...this.cutoffs];
      let usedRows = 0;
      for (let i = 0; i < bounds.length - 1; i++) {
        const mask = y.ge(bounds[i]).logicalAnd(y.lt(bounds[i + 1]));
        const rows = mask.nonzero().view(-1);
        if (rows.numel() === 0) continue;
        if (i === 0) {
          gatherInds.indexCopy_(0, rows, y.maskedSelect(mask));
        } else {
          const relative = y.maskedSelect(mask).sub(bounds[i]);
          const clusterOut = this.tail.at(i - 1).forward(x.indexSelect(0, rows)) as Tensor;
          gatherInds.indexFill_(0, rows, this.shortlistSize + i - 1);
          const local = clusterOut.logSoftmax(1).gather(1, relative.unsqueeze(1));
          out = out.indexCopy(0, rows, local.squeeze(1));
        }
        usedRows += rows.numel();
      }
      if (usedRows !== n) {
        throw new Error(`tstorch: ${what}: target values should be in [0, ${this.nClasses - 1}], but values in range [${y.min().item()}, ${y.max().item()}] were found`);
      }
      const headLogprob = this.head.forward(x).logSoftmax(1);
      out = out.add(headLogprob.gather(1, gatherInds.unsqueeze(1)).squeeze(1));
      const l = out.neg().mean();
      return [batched ? out : out.squeeze(0), l];
    }) as [Tensor, Tensor];
    return { output, loss };
  }

  /** log-probabilities of every class [N, nClasses] (PyTorch's log_prob). */
  logProb(input: Tensor): Tensor {
    return scope(() => {
      const headLogprob = this.head.forward(input).logSoftmax(1);
      const parts = [headLogprob.slice(1, 0, this.shortlistSize)];
      for (let i = 0; i < this.nClusters; i++) {
        const clusterLogprob = (this.tail.at(i).forward(input) as Tensor).logSoftmax(1);
        parts.push(clusterLogprob.add(headLogprob.select(1, this.shortlistSize + i).unsqueeze(1)));
      }
      return ops.aten.cat(parts, 1) as Tensor;
    });
  }

  /** The most likely class of each row [N] (PyTorch's predict). */
  predict(input: Tensor): Tensor {
    return scope(() => this.logProb(input).argmax(1));
  }

  /** PyTorch's reset_parameters: the head's and every tail projection's. */
  resetParameters(): void {
    for (const m of this.modules()) if (m instanceof Linear) m.resetParameters();
  }
}
