// Finding and loading CIFAR-10 for the CLI: --data, else ./data, else $CIFAR10_DIR; the
// --limit-* subsets; the autoencoder's swapped roles (it trains on the test split and is
// evaluated on held-out training images, as the blog post trained it on the 10,000 test images).
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../index.js";
import {
  CIFAR10_BIN_SUBDIR, CIFAR10_HOME_PAGE, CIFAR10_IMAGE_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES,
  readCifar10Files, resolveCifar10BinDir, type Cifar10Bytes,
} from "../data/cifar10-files.js";
import { Rng } from "../data/rng.js";
import { fileKind } from "../io/atomic.js";
import { UsageError, oneLine } from "./errors.js";
import { AE_DEFAULT_EVAL, type Cifar10Options } from "./args.js";

const ALL_FILES = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
export const AE_SAMPLES = 5;

function hasAnyCifarFile(dir: string): boolean {
  const bin = resolveCifar10BinDir(dir);
  // lstat: a dangling link counts as there (readData then says what it is), not as "no files"
  return ALL_FILES.some((f) => fs.lstatSync(path.join(bin, f), { throwIfNoEntry: false }) !== undefined);
}

/** The folder to read: the first candidate holding CIFAR-10 files. UsageError when none does. */
export function resolveDataDir(explicit: string | null, env: string | undefined = process.env.CIFAR10_DIR): string {
  const how =
    `download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz) from ${CIFAR10_HOME_PAGE} and extract it so that ` +
    `${path.join(explicit ?? "data", CIFAR10_BIN_SUBDIR, "data_batch_1.bin")} exists`;
  if (explicit !== null) {
    const st = fs.statSync(explicit, { throwIfNoEntry: false });
    if (st === undefined) throw new UsageError(`--data ${explicit}: no such folder; ${how}`);
    if (!st.isDirectory()) throw new UsageError(`--data ${explicit}: not a folder; ${how}`);
    if (!hasAnyCifarFile(explicit)) throw new UsageError(`--data ${explicit}: no CIFAR-10 files in it; ${how}`);
    return explicit;
  }
  const candidates = ["data", ...(env ? [env] : [])];
  const found = candidates.find(hasAnyCifarFile);
  if (found !== undefined) return found;
  throw new UsageError(
    `CIFAR-10 not found in ./data or $CIFAR10_DIR (${env ? env : "not set"}): ${how}, or pass --data DIR`,
  );
}

/**
 * A data file that is there but is no regular file (a folder, a link to /dev/zero, a pipe): said
 * as what it is, where the reader would call it missing (or read a device forever).
 */
function checkFileKinds(dir: string): void {
  const bin = resolveCifar10BinDir(dir);
  for (const f of ALL_FILES) {
    const file = path.join(bin, f);
    const link = fs.lstatSync(file, { throwIfNoEntry: false });
    if (link === undefined) continue; // missing: the reader's message says what to download
    const st = fs.statSync(file, { throwIfNoEntry: false });
    const via = link.isSymbolicLink() ? `a symbolic link to ${fs.readlinkSync(file)}, which is ` : "";
    if (st === undefined) throw new UsageError(`CIFAR-10 file ${file} is a symbolic link to ${fs.readlinkSync(file)}, which does not exist`);
    if (!st.isFile()) throw new UsageError(`CIFAR-10 file ${file} is ${via}${fileKind(st)}, not a data file`);
  }
}

/** Reads and checks every file (kinds, sizes, labels). UsageError naming the bad file. */
export function readData(dir: string): Cifar10Bytes {
  checkFileKinds(dir);
  try {
    return readCifar10Files(dir);
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
}

export interface RunData {
  /** Training inputs [N,3,32,32] float32 in [0,1] on the device. */
  trainX: torch.Tensor;
  /** Class labels (classifiers) or null (the autoencoder's target is its input). */
  trainY: torch.Tensor | null;
  evalX: torch.Tensor;
  evalY: torch.Tensor | null;
  /** The autoencoder's sample images [5,3,32,32] (seeded random training images), else null. */
  samples: torch.Tensor | null;
  sampleIndices: number[];
  /** Where each set comes from, for the summary and config.json. */
  trainDesc: string;
  evalDesc: string;
}

export function dataTensors(bytes: Cifar10Bytes, o: Cifar10Options, device: torch.Device): RunData {
  const images = (src: Uint8Array, n: number): torch.Tensor =>
    torch.scope(() => torch.fromTypedArray(src.subarray(0, n * CIFAR10_IMAGE_BYTES), [n, 3, 32, 32]).to(device).to("float32").div(255));
  const labels = (src: Uint8Array, n: number): torch.Tensor =>
    torch.scope(() => torch.fromTypedArray(src.subarray(0, n), [n]).to(device).to("int64"));
  const lim = (limit: number | null, n: number): number => Math.min(limit ?? n, n);

  if (o.model === "autoencoder") {
    const nTrain = lim(o.limitTrain, bytes.testCount);
    const nEval = lim(o.limitTest ?? AE_DEFAULT_EVAL, bytes.trainCount);
    // 5 seeded random training images (from all of them, as the blog post drew from the 50,000).
    const rng = new Rng(o.seed, 0x5eed);
    const idx = Array.from({ length: AE_SAMPLES }, () => rng.below(bytes.trainCount));
    const sampleBytes = new Uint8Array(AE_SAMPLES * CIFAR10_IMAGE_BYTES);
    idx.forEach((k, i) => sampleBytes.set(bytes.trainImages.subarray(k * CIFAR10_IMAGE_BYTES, (k + 1) * CIFAR10_IMAGE_BYTES), i * CIFAR10_IMAGE_BYTES));
    return {
      trainX: images(bytes.testImages, nTrain),
      trainY: null,
      evalX: images(bytes.trainImages, nEval),
      evalY: null,
      samples: images(sampleBytes, AE_SAMPLES),
      sampleIndices: idx,
      trainDesc: `${nTrain.toLocaleString("en-US")} test images`,
      evalDesc: `${nEval.toLocaleString("en-US")} held-out training images`,
    };
  }
  const nTrain = lim(o.limitTrain, bytes.trainCount);
  const nTest = lim(o.limitTest, bytes.testCount);
  return {
    trainX: images(bytes.trainImages, nTrain),
    trainY: labels(bytes.trainLabels, nTrain),
    evalX: images(bytes.testImages, nTest),
    evalY: labels(bytes.testLabels, nTest),
    samples: null,
    sampleIndices: [],
    trainDesc: `${nTrain.toLocaleString("en-US")} training images`,
    evalDesc: `${nTest.toLocaleString("en-US")} test images`,
  };
}
