// airbench94's hyper-parameters as published (Keller Jordan's airbench94, arXiv 2404.00498). No
// libtorch here: the CLI's option parser reads its defaults from this file.
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR10_STD = [0.247, 0.2435, 0.2616] as const;

const MOMENTUM = 0.85;
/** The recipe's unit of learning rate: 1,024 · (1 + 1/(1 − momentum)). */
const KILOSTEP = 1024 * (1 + 1 / (1 - MOMENTUM));

export const AIRBENCH94 = {
  batchSize: 1024,
  epochs: 9.9,
  momentum: MOMENTUM,
  /** ≈ 1.465e-3 */
  lr: 11.5 / KILOSTEP,
  /** ≈ 2.0e-3: the absolute decay per step at the full learning rate (given to SGD as wd/lr). */
  weightDecay: (0.0153 * 1024) / KILOSTEP,
  /** BatchNorm biases learn 64× faster, with the same absolute decay. */
  biasScaler: 64,
  labelSmoothing: 0.2,
  /** The whitening conv's bias trains for the first 3 epochs only. */
  whitenBiasEpochs: 3,
  /** Images of the training set whose patches define the whitening filters. */
  whitenImages: 5000,
  translate: 2,
  evalBatch: 2000,
} as const;
