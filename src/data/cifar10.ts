// CIFAR-10 as tensors, exactly as tch's `vision::cifar::load_dir`: images [N,3,32,32] float32 in
// [0,1] (no normalisation), labels int64; train = data_batch_1..5 in order, test = test_batch.
import { fromTypedArray } from "../core/creation.js";
import { Tensor } from "../core/tensor.js";
import {
  readCifar10Records, CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, CIFAR10_WIDTH,
} from "./cifar10-files.js";

export interface Cifar10 {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

/**
 * Records [n, 3,073] (label byte, then the image) as one uint8 tensor; libtorch splits them: the
 * images converted to float32 and scaled in place, the labels widened to int64.
 */
function split(records: Uint8Array, n: number): { images: Tensor; labels: Tensor } {
  const all = fromTypedArray(records, [n, CIFAR10_RECORD_BYTES]);
  try {
    const images = all.narrow(1, 1, CIFAR10_IMAGE_BYTES).to("float32").div_(255);
    const labels = all.select(1, 0).to("int64");
    const shaped = images.view([n, CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_WIDTH]);
    images.dispose();
    return { images: shaped, labels };
  } finally {
    all.dispose();
  }
}

/** Reads the binary CIFAR-10 from `dir` (the folder with the .bin files, or its parent). */
export function loadDir(dir: string): Cifar10 {
  const r = readCifar10Records(dir);
  const train = split(r.train, r.trainCount);
  const test = split(r.test, r.testCount);
  return { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels };
}

export {
  CIFAR10_CLASSES, findCifar10Dir, hasCifar10Files, cifar10NotFoundMessage, readCifar10Files, readCifar10Records,
} from "./cifar10-files.js";
export { downloadCifar10 } from "./cifar10-download.js";
