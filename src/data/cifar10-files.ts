// Reads CIFAR-10's official "binary version" exactly like tch's `vision::cifar::load_dir`:
// train = data_batch_1..5 concatenated in that order, test = test_batch. Pure bytes, no
// tensors, so the loader can be tested (and timed) without the native core.
import * as fs from "node:fs";
import * as path from "node:path";

export const CIFAR10_CLASSES = [
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
] as const;
export const CIFAR10_HEIGHT = 32;
export const CIFAR10_WIDTH = 32;
export const CIFAR10_CHANNELS = 3;
/** Bytes of one image: 1,024 red, then 1,024 green, then 1,024 blue (CHW, row-major). */
export const CIFAR10_IMAGE_BYTES = CIFAR10_CHANNELS * CIFAR10_HEIGHT * CIFAR10_WIDTH;
/** One record on disk: a label byte followed by the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_FILE_BYTES = CIFAR10_RECORDS_PER_FILE * CIFAR10_RECORD_BYTES; // 30,730,000
export const CIFAR10_BIN_SUBDIR = "cifar-10-batches-bin";
export const CIFAR10_TRAIN_FILES = [
  "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
] as const;
export const CIFAR10_TEST_FILE = "test_batch.bin";
export const CIFAR10_HOME_PAGE = "https://www.cs.toronto.edu/~kriz/cifar.html";

export interface Cifar10Bytes {
  /** trainCount × 3,072 bytes, each image CHW as stored in the file. */
  trainImages: Uint8Array;
  /** trainCount labels in 0..9. */
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  trainCount: number;
  testCount: number;
}

/**
 * The folder that actually holds the .bin files: `dir` itself, or `dir/cifar-10-batches-bin`
 * when that exists (the tarball extracts into that subfolder, so users naturally point at
 * either level; the PyTorch reference accepts both the same way).
 */
export function resolveCifar10BinDir(dir: string): string {
  const sub = path.join(dir, CIFAR10_BIN_SUBDIR);
  return isDirectory(sub) ? sub : dir;
}

/** True when all six .bin files exist (at `dir` or `dir/cifar-10-batches-bin`) with the right size. */
export function hasCifar10Files(dir: string): boolean {
  const binDir = resolveCifar10BinDir(dir);
  return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].every((f) => fileSize(path.join(binDir, f)) === CIFAR10_FILE_BYTES);
}

/** The first candidate that holds the complete data set, or undefined. */
export function findCifar10Dir(candidates: readonly string[]): string | undefined {
  return candidates.find((c) => hasCifar10Files(c));
}

/** Where-to-put-the-files text for errors when no candidate holds the data set. */
export function cifar10NotFoundMessage(candidates: readonly string[]): string {
  const where = candidates.length > 0 ? candidates.map((c) => `  ${c}`).join("\n") : "  (no folder given)";
  const first = candidates[0] ?? "DIR";
  return (
    `CIFAR-10 not found. Looked in:\n${where}\n` +
    `Download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz) from ${CIFAR10_HOME_PAGE} ` +
    `and extract it so that ${path.join(first, CIFAR10_BIN_SUBDIR, "data_batch_1.bin")} exists ` +
    `(data_batch_1.bin … data_batch_5.bin and test_batch.bin, 30,730,000 bytes each).`
  );
}

/** Reads the whole data set; throws an Error naming the file for any missing or malformed file. */
export function readCifar10Files(dir: string): Cifar10Bytes {
  const binDir = existingBinDir(dir);
  const trainCount = CIFAR10_TRAIN_FILES.length * CIFAR10_RECORDS_PER_FILE;
  const trainImages = new Uint8Array(trainCount * CIFAR10_IMAGE_BYTES);
  const trainLabels = new Uint8Array(trainCount);
  CIFAR10_TRAIN_FILES.forEach((f, i) => {
    readBatchInto(path.join(binDir, f), trainImages, trainLabels, i * CIFAR10_RECORDS_PER_FILE);
  });
  const testCount = CIFAR10_RECORDS_PER_FILE;
  const testImages = new Uint8Array(testCount * CIFAR10_IMAGE_BYTES);
  const testLabels = new Uint8Array(testCount);
  readBatchInto(path.join(binDir, CIFAR10_TEST_FILE), testImages, testLabels, 0);
  return { trainImages, trainLabels, testImages, testLabels, trainCount, testCount };
}

/**
 * Splits one batch file into labels and images, starting at record `first` of the outputs.
 * The size is checked before reading so a wrong (e.g. multi-GB) file is never loaded.
 */
export function readBatchInto(file: string, images: Uint8Array, labels: Uint8Array, first: number): void {
  checkSize(file);
  const buf = fs.readFileSync(file);
  checkLabels(file, buf);
  for (let r = 0; r < CIFAR10_RECORDS_PER_FILE; r++) {
    const off = r * CIFAR10_RECORD_BYTES;
    labels[first + r] = buf[off];
    images.set(buf.subarray(off + 1, off + CIFAR10_RECORD_BYTES), (first + r) * CIFAR10_IMAGE_BYTES);
  }
}

/**
 * The files' records as they are on disk, 3,073 bytes each (label, then image), train files
 * concatenated: one read per file straight into its place, no per-record copy. (loadDir reads one
 * file at a time instead: forEachCifar10File.) Same checks and messages as readCifar10Files.
 */
export function readCifar10Records(dir: string): { train: Uint8Array; test: Uint8Array; trainCount: number; testCount: number } {
  const binDir = existingBinDir(dir);
  const read = (files: readonly string[]): Uint8Array => {
    const out = new Uint8Array(files.length * CIFAR10_FILE_BYTES);
    files.forEach((f, i) => readRecordsInto(path.join(binDir, f), out.subarray(i * CIFAR10_FILE_BYTES, (i + 1) * CIFAR10_FILE_BYTES)));
    return out;
  };
  const train = read(CIFAR10_TRAIN_FILES);
  const test = read([CIFAR10_TEST_FILE]);
  return { train, test, trainCount: train.length / CIFAR10_RECORD_BYTES, testCount: test.length / CIFAR10_RECORD_BYTES };
}

/**
 * Reads the six files one after another into one reused buffer of one file's records and hands it to
 * `each` (train files in order, then the test file), so the data set's raw bytes are never all in
 * memory at once. Same checks and messages as readCifar10Records.
 */
export function forEachCifar10File(dir: string, each: (records: Uint8Array, part: "train" | "test", index: number) => void): void {
  const binDir = existingBinDir(dir);
  const buf = new Uint8Array(CIFAR10_FILE_BYTES);
  CIFAR10_TRAIN_FILES.forEach((f, i) => {
    readRecordsInto(path.join(binDir, f), buf);
    each(buf, "train", i);
  });
  readRecordsInto(path.join(binDir, CIFAR10_TEST_FILE), buf);
  each(buf, "test", 0);
}

function readRecordsInto(file: string, out: Uint8Array): void {
  checkSize(file);
  const fd = fs.openSync(file, "r");
  try {
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(fd, out, done, out.length - done, done);
      if (n === 0) throw new Error(`CIFAR-10 file ${file} is truncated: it ended at byte ${done} while being read.`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  checkLabels(file, out);
}

function checkLabels(file: string, records: Uint8Array): void {
  for (let r = 0; r < CIFAR10_RECORDS_PER_FILE; r++) {
    const off = r * CIFAR10_RECORD_BYTES;
    const label = records[off];
    if (label > 9) {
      throw new Error(`CIFAR-10 file ${file}: label ${label} at byte offset ${off} (record ${r}) is not in 0..9.`);
    }
  }
}

function existingBinDir(dir: string): string {
  const binDir = resolveCifar10BinDir(dir);
  if (!isDirectory(binDir)) {
    throw new Error(`CIFAR-10 folder ${binDir} does not exist.\n${cifar10NotFoundMessage([dir])}`);
  }
  return binDir;
}

function checkSize(file: string): void {
  const size = fileSize(file);
  if (size === undefined) {
    throw new Error(`CIFAR-10 file ${file} is missing.\n${cifar10NotFoundMessage([path.dirname(file)])}`);
  }
  if (size !== CIFAR10_FILE_BYTES) {
    const what = size < CIFAR10_FILE_BYTES ? "truncated" : "too large";
    throw new Error(
      `CIFAR-10 file ${file} is ${what}: ${size} bytes found, expected ${CIFAR10_FILE_BYTES} ` +
        `(${CIFAR10_RECORDS_PER_FILE} records of ${CIFAR10_RECORD_BYTES} bytes). ` +
        `Is it the "CIFAR-10 binary version" (not the Python or MATLAB version)?`,
    );
  }
}

function fileSize(file: string): number | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? st.size : undefined;
}

function isDirectory(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
