// Where the fine-tuning example's batches come from: the binary CIFAR-10 set (vision.cifar10.loadDir,
// all in memory) or an image folder of JPEGs/PNGs in torchvision's layout, DIR/train/<class>/*.jpg and
// DIR/test/<class>/*.jpg (vision.datasets.ImageFolder + data.DataLoader, decoding on the libuv pool
// while a step runs). Both give float32 images in [0, 1], [N, 3, H, W], and int64 labels.
import { join } from "node:path";
import * as torch from "../src/index.js";

export interface Batch {
  images: torch.Tensor;
  labels: torch.Tensor;
}
export interface CifarSource {
  /** The next training mini-batch; a new shuffled pass starts when one ends. The caller disposes it. */
  nextTrain(): Batch;
  /** The evaluation images: the same `count` test images every call, in batches of 250. */
  testBatches(count: number): Iterable<Batch>;
  describe: string;
}

export function binarySource(dir: string, batchSize: number): CifarSource {
  const cifar = torch.vision.cifar10.loadDir(dir);
  let pass = 0;
  const passOf = (p: number) => torch.data.batches(cifar.trainImages, cifar.trainLabels, { batchSize, seed: 1, epoch: p })[Symbol.iterator]();
  let it = passOf(0);
  return {
    describe: `the binary set in ${dir}`,
    nextTrain() {
      let next = it.next();
      if (next.done === true) next = (it = passOf(++pass)).next();
      return next.value;
    },
    *testBatches(count: number) {
      for (let i = 0; i < count; i += 250) yield { images: cifar.testImages.narrow(0, i, 250), labels: cifar.testLabels.narrow(0, i, 250) };
    },
  };
}

export function imageFolderSource(dir: string, batchSize: number): CifarSource {
  const { datasets, transforms: T } = torch.vision;
  const toFloat = new T.ToDtype("float32", { scale: true });
  const train = new datasets.ImageFolder(join(dir, "train"), { transform: toFloat });
  const test = new datasets.ImageFolder(join(dir, "test"), { transform: toFloat });
  let pass = 0;
  const passOf = (p: number) => new torch.data.DataLoader(train, { batchSize, shuffle: true, seed: 1, epoch: p, prefetch: 2 })[Symbol.iterator]();
  let it = passOf(0);
  return {
    describe: `the image folder ${dir} (${train.length} training images, classes ${train.classes.join(", ")})`,
    nextTrain() {
      let next = it.next();
      if (next.done === true) next = (it = passOf(++pass)).next();
      if (next.done === true) throw new Error(`no training images in ${dir}/train`);
      const [images, labels] = next.value;
      return { images, labels };
    },
    *testBatches(count: number) {
      // the test folder is sorted by class: a seeded shuffle picks the same mixed `count` images each time
      const loader = new torch.data.DataLoader(test, { batchSize: 250, shuffle: true, seed: 0 });
      let seen = 0;
      for (const [images, labels] of loader) {
        yield { images, labels };
        if ((seen += 250) >= count) break;
      }
    },
  };
}
