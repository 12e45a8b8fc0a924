// The airbench94 training recipe's pieces (the network is in airbench94.ts): its hyper-parameters,
// the augmented loader, the two-group Nesterov SGD, the step schedule, the Lookahead decays and the
// evaluation. examples/airbench94.ts and `tstorch cifar10 airbench` are loops over these; every
// random draw goes through libtorch's default generator, in the order bench/airbench94_torch.py
// makes it, so that after the same seed both give the same numbers.
import { noGrad } from "../../core/autograd.js";
import { arange, randperm } from "../../core/creation.js";
import { dispose, keep, scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { normalize, randomCropReflect, randomFlipLr } from "../../data/transforms.js";
import type { Module } from "../../nn/module.js";
import { LambdaLR } from "../../optim/lr-scheduler-composite.js";
import { SGD } from "../../optim/sgd.js";
import { predictTta } from "./airbench94.js";

import { AIRBENCH94, CIFAR10_MEAN, CIFAR10_STD } from "./airbench94-hyper.js";

export { AIRBENCH94, CIFAR10_MEAN, CIFAR10_STD };

/** Normalises [0, 1] images with CIFAR-10's channel means and deviations. */
export function normalizeCifar10(x: Tensor): Tensor {
  return normalize(x, [...CIFAR10_MEAN], [...CIFAR10_STD]);
}

/**
 * Training batches from normalised images: each mirrored at random once (one torch.rand(N)); each
 * epoch a fresh random translation of up to `translate` px from a reflect-padded copy (one
 * torch.randint), the whole set mirrored on odd epochs, and a new order (one torch.randperm);
 * batches of batchSize, the last partial one dropped.
 */
export class AirbenchLoader {
  private readonly images: Tensor;
  /** Epochs drawn so far (the next epoch's parity decides its mirroring). */
  epoch = 0;
  constructor(images: Tensor, readonly labels: Tensor, readonly batchSize: number, readonly translate = AIRBENCH94.translate) {
    this.images = keep(randomFlipLr(images));
  }
  /** Batches per epoch. */
  get length(): number {
    return Math.floor(this.labels.shape[0] / this.batchSize);
  }
  /** One epoch's batches, channels-last; each [x, y] is the caller's to dispose. */
  *batches(): Generator<[Tensor, Tensor], void, undefined> {
    const [images, order] = scope(() => {
      let x = randomCropReflect(this.images, this.translate);
      if (this.epoch % 2 === 1) x = x.flip([-1]);
      return keep([x, randperm(x.shape[0])] as [Tensor, Tensor]);
    });
    this.epoch++;
    try {
      for (let i = 0; i < this.length; i++) {
        yield scope(() => {
          const idx = order.narrow(0, i * this.batchSize, this.batchSize);
          return keep([images.indexSelect(0, idx).contiguous("channelsLast"), this.labels.indexSelect(0, idx)] as [Tensor, Tensor]);
        });
      }
    } finally {
      dispose([images, order]);
    }
  }
  dispose(): void {
    this.images.dispose();
  }
}

/**
 * Nesterov SGD in two groups: BatchNorm biases (every trainable parameter whose name has "norm")
 * at biasScaler × lr, the rest at lr; each group's weight decay is wd / its lr, so the absolute
 * decay is the same and follows the schedule only.
 */
export function airbench94Optimizer(net: Module, h: { lr: number; weightDecay: number; momentum: number; biasScaler: number } = AIRBENCH94): SGD {
  const trainable = [...net.namedParameters()].filter(([, p]) => p.requiresGrad);
  const normBiases = trainable.filter(([k]) => k.includes("norm")).map(([, p]) => p);
  const others = trainable.filter(([k]) => !k.includes("norm")).map(([, p]) => p);
  const lrBiases = h.lr * h.biasScaler;
  return new SGD(
    [
      { params: normBiases, lr: lrBiases, weightDecay: h.weightDecay / lrBiases },
      { params: others, lr: h.lr, weightDecay: h.weightDecay / h.lr },
    ],
    { lr: h.lr, momentum: h.momentum, nesterov: true },
  );
}

/** numpy.interp over increasing xp, in numpy's arithmetic (slope · (x − xp[j]) + fp[j]). */
export function interp(x: number, xp: readonly number[], fp: readonly number[]): number {
  if (x <= xp[0]) return fp[0];
  if (x >= xp[xp.length - 1]) return fp[fp.length - 1];
  let j = 0;
  while (x >= xp[j + 1]) j++;
  return ((fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])) * (x - xp[j]) + fp[j];
}

/** The learning-rate factor at step i of `total`: linear from 0.2× to 1× over the first 23 %, then down to 0.07×. */
export function airbench94LrFactor(i: number, total: number): number {
  return interp(i, [0, Math.floor(0.23 * total), total], [0.2, 1, 0.07]);
}

/** LambdaLR over airbench94LrFactor (stepped once per training step). */
export function airbench94Schedule(opt: SGD, total: number, lastEpoch = -1): LambdaLR {
  return new LambdaLR(opt, { lrLambda: (i) => airbench94LrFactor(i, total), lastEpoch });
}

/** The Lookahead decay after each step t = 0..total: 0.95⁵ · (t/T)³, computed in float32 as the recipe does. */
export function lookaheadDecays(total: number): number[] {
  return scope(() => arange(total + 1).div(total).pow(3).mul(0.95 ** 5).toArray() as number[]);
}

/** Accuracy over (x, y) in batches of evalBatch, with test-time augmentation (six views) or plain, in eval mode. */
export function evaluateAirbench(net: Module, x: Tensor, y: Tensor, tta: boolean, batch: number = AIRBENCH94.evalBatch): number {
  net.eval();
  let correct = 0;
  noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += batch) {
      scope(() => {
        const n = Math.min(batch, x.shape[0] - i);
        const xb = x.narrow(0, i, n).contiguous("channelsLast");
        const out = tta ? predictTta(net, xb) : (net.forward(xb) as Tensor);
        correct += out.argmax(1).eq(y.narrow(0, i, n)).sum().item();
      });
    }
  });
  net.train();
  return correct / x.shape[0];
}
