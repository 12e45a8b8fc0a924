// Data: CIFAR-10, mini-batching over tensors, and PyTorch's Dataset / DataLoader / samplers.
export { loadDir as loadCifar10, type Cifar10 } from "./cifar10.js";
export { batches, batchCount, augment, type Batch, type BatchOptions } from "./loader.js";
export { Rng } from "./rng.js";
export { TensorDataset, Subset, type Dataset } from "./dataset.js";
export { defaultCollate, type Collated } from "./collate.js";
export { DataLoader, type DataLoaderOptions, type IterOptions } from "./dataloader.js";
export {
  SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler,
  type Sampler, type BatchSamplerLike, type SizeSource, type ShuffleOptions, type RandomSamplerOptions,
} from "./samplers.js";
export { loadDir as loadMnist, type Mnist } from "./mnist.js";
export { DistributedSampler, type DistributedSamplerOptions, type Sized } from "./distributed-sampler.js";
export * as transforms from "./transforms.js";
