// CIFAR-10 as tensors, exactly as tch's `vision::cifar::load_dir`: images [N,3,32,32] float32 in
// [0,1] (no normalisation), labels int64; train = data_batch_1..5 in order, test = test_batch.
import { fromTypedArray } from "../core/creation.js";
import { Tensor } from "../core/tensor.js";
import { readCifar10Files, CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_WIDTH } from "./cifar10-files.js";

export interface Cifar10 {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

function images(bytes: Uint8Array, n: number): Tensor {
  const u8 = fromTypedArray(bytes, [n, CIFAR10_CHANNELS, CIFAR10_HEIGHT, CIFAR10_WIDTH]);
  const f = u8.to("float32");
  u8.dispose();
  const out = f.div_(255);
  return out;
}

function labels(bytes: Uint8Array): Tensor {
  const u8 = fromTypedArray(bytes, [bytes.length]);
  const l = u8.to("int64");
  u8.dispose();
  return l;
}

/** Reads the binary CIFAR-10 from `dir` (the folder with the .bin files, or its parent). */
export function loadDir(dir: string): Cifar10 {
  const b = readCifar10Files(dir);
  return {
    trainImages: images(b.trainImages, b.trainCount),
    trainLabels: labels(b.trainLabels),
    testImages: images(b.testImages, b.testCount),
    testLabels: labels(b.testLabels),
  };
}

export {
  CIFAR10_CLASSES, findCifar10Dir, hasCifar10Files, cifar10NotFoundMessage, readCifar10Files,
} from "./cifar10-files.js";
export { downloadCifar10 } from "./cifar10-download.js";
