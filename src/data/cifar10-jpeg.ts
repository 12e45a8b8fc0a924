// CIFAR-10's binary layout built from the shared JPEG tarball (../shared/data/cifar-10-jpeg.tar.xz,
// train/<class>/NNNN.jpg and test/<class>/NNNN.jpg) with tstorch's own decoder: the main job's set-up
// without Python. The output is byte-identical to cifar10-to-bin.py's: the same sorted walk, the
// same pixels (TurboJPEG decodes with libjpeg's defaults, as Pillow does), the same record order
// (Python's random.Random(0).shuffle for train and random.Random(1) for test, see python-random.ts).
//
//   node dist/src/data/cifar10-jpeg.js TARBALL OUT_DIR   ->  OUT_DIR/cifar-10-batches-bin/*.bin
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeImages } from "../vision/io/image.js";
import {
  CIFAR10_BIN_SUBDIR, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, CIFAR10_RECORDS_PER_FILE,
  CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES,
} from "./cifar10-files.js";
import { PythonRandom } from "./python-random.js";
import { readTarEntries, type TarEntry } from "./tar.js";

export interface Cifar10JpegTimings {
  /** Seconds spent un-xz-ing and splitting the tarball. */
  unpack: number;
  /** Seconds spent decoding the 60,000 JPEGs. */
  decode: number;
  /** Seconds writing the files. */
  write: number;
}

/** The tarball's bytes: `xz -dc` for .xz (Node has no xz), the file itself otherwise. */
export function readTarball(file: string): Uint8Array {
  if (!file.endsWith(".xz")) return fs.readFileSync(file);
  const r = spawnSync("xz", ["-dc", file], { maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`tstorch: cannot run xz to unpack ${file}: ${r.error.message} (Debian: apt-get install xz-utils)`);
  if (r.status !== 0) throw new Error(`tstorch: xz -dc ${file} failed (exit ${r.status}): ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/**
 * The records of one split ("train" or "test"): label byte + 3,072 RGB plane bytes each, in the
 * archive's sorted name order, decoded in parallel on libuv's pool.
 */
export function splitRecords(entries: readonly TarEntry[], split: string): Uint8Array[] {
  const files = entries.filter((e) => e.name.startsWith(`${split}/`) && e.name.toLowerCase().endsWith(".jpg"));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const records: Uint8Array[] = [];
  const BATCH = 4096;
  for (let s = 0; s < files.length; s += BATCH) {
    const part = files.slice(s, s + BATCH);
    const images = decodeImages(part.map((e) => e.data), { mode: "RGB" });
    part.forEach((e, i) => {
      const img = images[i];
      const label = CIFAR10_CLASSES.indexOf(e.name.split("/")[1] as (typeof CIFAR10_CLASSES)[number]);
      if (label < 0) throw new Error(`tstorch: CIFAR-10 tarball: ${e.name} is not in a class folder (${CIFAR10_CLASSES.join(", ")})`);
      if (img.shape[1] !== 32 || img.shape[2] !== 32) throw new Error(`tstorch: CIFAR-10 tarball: ${e.name} is ${img.shape[2]}x${img.shape[1]}, expected 32x32`);
      const rec = new Uint8Array(CIFAR10_RECORD_BYTES);
      rec[0] = label;
      rec.set(img.toTypedArray() as Uint8Array, 1);
      img.dispose();
      records.push(rec);
    });
  }
  return records;
}

/** Writes OUT_DIR/cifar-10-batches-bin/ exactly as cifar10-to-bin.py does; returns the folder and timings. */
export function cifar10BinFromJpegTarball(tarball: string, outDir: string): { dir: string; timings: Cifar10JpegTimings } {
  let t = performance.now();
  const entries = readTarEntries(readTarball(tarball));
  const unpack = (performance.now() - t) / 1000;
  t = performance.now();
  const train = splitRecords(entries, "train");
  const test = splitRecords(entries, "test");
  const decode = (performance.now() - t) / 1000;
  const perFile = CIFAR10_RECORDS_PER_FILE;
  if (train.length !== CIFAR10_TRAIN_FILES.length * perFile || test.length !== perFile) {
    throw new Error(`tstorch: CIFAR-10 tarball ${tarball}: ${train.length} train and ${test.length} test images, expected 50000 and 10000`);
  }
  t = performance.now();
  new PythonRandom(0).shuffle(train);
  new PythonRandom(1).shuffle(test);
  const dir = path.join(outDir, CIFAR10_BIN_SUBDIR);
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, recs: Uint8Array[]): void => {
    const buf = new Uint8Array(recs.length * CIFAR10_RECORD_BYTES);
    recs.forEach((r, i) => buf.set(r, i * CIFAR10_RECORD_BYTES));
    fs.writeFileSync(path.join(dir, file), buf);
  };
  CIFAR10_TRAIN_FILES.forEach((f, i) => write(f, train.slice(i * perFile, (i + 1) * perFile)));
  write(CIFAR10_TEST_FILE, test);
  fs.writeFileSync(path.join(dir, "batches.meta.txt"), CIFAR10_CLASSES.join("\n") + "\n");
  return { dir, timings: { unpack, decode, write: (performance.now() - t) / 1000 } };
}


// Run as a program by scripts/prepare-cifar10.sh.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [tarball, outDir] = process.argv.slice(2);
  if (!tarball || !outDir) {
    console.error("usage: node dist/src/data/cifar10-jpeg.js cifar-10-jpeg.tar.xz OUT_DIR");
    process.exit(2);
  }
  try {
    const { dir, timings } = cifar10BinFromJpegTarball(tarball, outDir);
    const f = (s: number) => s.toFixed(2);
    console.error(`tstorch: CIFAR-10 decoded in ${f(timings.decode)} s (unpack ${f(timings.unpack)} s, write ${f(timings.write)} s) -> ${dir}`);
    console.log(dir);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
