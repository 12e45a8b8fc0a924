// MNIST-style data sets (MNIST, Fashion-MNIST) as tensors, like tch's `vision::mnist::load_dir`:
// the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each plain or gzipped (.gz). Images are [N, 1, rows, cols] float32 in
// [0, 1] (tch gives [N, rows*cols]: `x.flatten(1)` is that), labels int64.
import * as fs from "node:fs";
import * as path from "node:path";
import { fromTypedArray } from "../core/creation.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { readIdx, type IdxArray } from "./idx.js";

export interface Mnist {
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
}

/** `dir/name` when it exists, else `dir/name.gz`; an error listing both when neither does. */
export function findIdxFile(dir: string, name: string): string {
  const plain = path.join(dir, name);
  for (const f of [plain, `${plain}.gz`]) {
    if (fs.lstatSync(f, { throwIfNoEntry: false }) !== undefined) return f;
  }
  throw new Error(`MNIST file ${name} not found in ${dir} (looked for ${plain} and ${plain}.gz)`);
}

/** The raw bytes of one split, checked: images [N, rows, cols] and N labels. */
export function readMnistSplit(dir: string, split: "train" | "t10k"): { images: IdxArray; labels: IdxArray } {
  const images = readIdx(findIdxFile(dir, `${split}-images-idx3-ubyte`), { ndims: 3, what: "images" });
  const labelsFile = findIdxFile(dir, `${split}-labels-idx1-ubyte`);
  const labels = readIdx(labelsFile, { ndims: 1, what: "labels" });
  if (labels.dims[0] !== images.dims[0]) {
    throw new Error(
      `MNIST ${split} split in ${dir}: ${images.dims[0]} images but ${labels.dims[0]} labels (${labelsFile})`,
    );
  }
  return { images, labels };
}

function imageTensor(a: IdxArray): Tensor {
  const [n, rows, cols] = a.dims;
  return scope(() => fromTypedArray(a.data, [n, 1, rows, cols]).to("float32").div_(255));
}

function labelTensor(a: IdxArray): Tensor {
  return scope(() => fromTypedArray(a.data, [a.dims[0]]).to("int64"));
}

/** Reads the four MNIST-format files from `dir` (e.g. /usr/share/datasets/fashion-mnist). */
export function loadDir(dir: string): Mnist {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (st === undefined) throw new Error(`MNIST folder ${dir} does not exist`);
  if (!st.isDirectory()) throw new Error(`MNIST folder ${dir} is not a folder`);
  const train = readMnistSplit(dir, "train");
  const test = readMnistSplit(dir, "t10k");
  return {
    trainImages: imageTensor(train.images),
    trainLabels: labelTensor(train.labels),
    testImages: imageTensor(test.images),
    testLabels: labelTensor(test.labels),
  };
}
