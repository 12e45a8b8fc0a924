// CIFAR-10 as tensors, exactly as tch's `vision::cifar::load_dir`: images [N,3,32,32] float32 in
// [0,1] (no normalisation), labels int64; train = data_batch_1..5 in order, test = test_batch.
import { empty, fromTypedArray } from "../core/creation.js";
import { dispose, scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import {
  forEachCifar10File, CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, CIFAR10_RECORDS_PER_FILE,
  CIFAR10_TRAIN_FILES, CIFAR10_WIDTH,
} from "./cifar10-files.js";

export interface Cifar10 {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

interface Part {
  images: Tensor; // [n, 3,072] float32 while filling
  labels: Tensor; // [n] int64
}

/**
 * Reads the binary CIFAR-10 from `dir` (the folder with the .bin files, or its parent). One file at
 * a time: its records [10,000, 3,073] (label byte, then the image) go into libtorch as one uint8
 * tensor, and libtorch copies the images (converted to float32) and the labels (widened to int64)
 * into their rows of the outputs; the images are scaled by 1/255 in place at the end. So the raw
 * bytes are one file's (30 MB, reused), not the whole set's 184 MB left to the garbage collector.
 */
export function loadDir(dir: string): Cifar10 {
  const make = (n: number): Part => ({ images: empty([n, CIFAR10_IMAGE_BYTES]), labels: empty([n], { dtype: "int64" }) });
  const train = make(CIFAR10_TRAIN_FILES.length * CIFAR10_RECORDS_PER_FILE);
  const test = make(CIFAR10_RECORDS_PER_FILE);
  try {
    forEachCifar10File(dir, (records, part, index) => {
      const o = part === "train" ? train : test;
      const first = index * CIFAR10_RECORDS_PER_FILE;
      scope(() => {
        const rec = fromTypedArray(records, [CIFAR10_RECORDS_PER_FILE, CIFAR10_RECORD_BYTES]);
        o.images.narrow(0, first, CIFAR10_RECORDS_PER_FILE).copy_(rec.narrow(1, 1, CIFAR10_IMAGE_BYTES));
        o.labels.narrow(0, first, CIFAR10_RECORDS_PER_FILE).copy_(rec.select(1, 0));
      });
    });
  } catch (e) {
    dispose([train.images, train.labels, test.images, test.labels]);
    throw e;
  }
  const shaped = (p: Part): Tensor => {
    const images = p.images.div_(255).view([p.labels.shape[0], CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_WIDTH]);
    p.images.dispose();
    return images;
  };
  return { trainImages: shaped(train), trainLabels: train.labels, testImages: shaped(test), testLabels: test.labels };
}

export {
  CIFAR10_CLASSES, findCifar10Dir, hasCifar10Files, cifar10NotFoundMessage, readCifar10Files, readCifar10Records,
} from "./cifar10-files.js";
export { downloadCifar10 } from "./cifar10-download.js";
