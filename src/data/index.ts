// Data: CIFAR-10 and mini-batching.
export { loadDir as loadCifar10, type Cifar10 } from "./cifar10.js";
export { batches, batchCount, augment, type Batch, type BatchOptions } from "./loader.js";
export { Rng } from "./rng.js";
