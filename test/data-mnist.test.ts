// vision.mnist.loadDir: the real Fashion-MNIST that Debian's dataset-fashion-mnist installs, read
// by numpy/PyTorch from the same files as the reference; small hand-made IDX files (plain and
// gzipped) for exact values; corrupted copies (truncated, wrong magic, wrong counts, not a file).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const FASHION = "/usr/share/datasets/fashion-mnist";
const SPLITS = ["train", "t10k"] as const;

function tmpDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-mnist-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function idx(type: number, dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** n images of 2x3 pixels (image k: bytes 10k..10k+5) and labels k % 10, both splits. */
function writeTiny(dir: string, n = 3, gz = false): void {
  const imgs = idx(8, [n, 2, 3], Array.from({ length: n * 6 }, (_, i) => 10 * Math.floor(i / 6) + (i % 6)));
  const labs = idx(8, [n], Array.from({ length: n }, (_, k) => k % 10));
  for (const s of SPLITS) {
    const w = (name: string, b: Buffer): void => fs.writeFileSync(path.join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b);
    w(`${s}-images-idx3-ubyte`, imgs);
    w(`${s}-labels-idx1-ubyte`, labs);
  }
}

test("Fashion-MNIST from dataset-fashion-mnist equals numpy's reading of the same files", (t) => {
  if (!fs.existsSync(path.join(FASHION, "train-images-idx3-ubyte.gz"))) {
    t.skip(`${FASHION} missing (apt-get install dataset-fashion-mnist; scripts/setup.sh does)`);
    return;
  }
  const m = torch.vision.mnist.loadDir(FASHION);
  assert.deepEqual(m.trainImages.shape, [60000, 1, 28, 28]);
  assert.deepEqual(m.testImages.shape, [10000, 1, 28, 28]);
  assert.equal(m.trainImages.dtype, "float32");
  assert.equal(m.trainLabels.dtype, "int64");
  const pick = [0, 1, 12345, 59999];
  const ref = runPython(
    `
    import gzip, numpy as np, torch
    def read(name, off):
        with gzip.open(f"${FASHION}/{name}.gz", "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=off)
    out = {}
    for s in ("train", "t10k"):
        x = read(f"{s}-images-idx3-ubyte", 16).reshape(-1, 28, 28)
        y = read(f"{s}-labels-idx1-ubyte", 8)
        out[s] = {"n": len(x), "pixelSums": x.reshape(len(x), -1).sum(1, dtype=np.int64)[::997].tolist(),
                  "counts": np.bincount(y, minlength=10).tolist(), "labels": y[::991].tolist()}
    # images as PyTorch users make them: [N,1,28,28] float32 / 255
    tx = torch.from_numpy(read("train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).copy()).float() / 255
    out["picked"] = tx[INPUT].flatten().tolist()
    OUTPUT = out
    `,
    pick,
  ) as Record<string, { n: number; pixelSums: number[]; counts: number[]; labels: number[] }> & { picked: number[] };
  for (const [s, x, y] of [["train", m.trainImages, m.trainLabels], ["t10k", m.testImages, m.testLabels]] as const) {
    assert.equal(x.shape[0], ref[s].n);
    const sums = torch.scope(() => x.mul(255).round().flatten(1).sum(1).to("int64").toArray() as number[]);
    assert.deepEqual(sums.filter((_, i) => i % 997 === 0), ref[s].pixelSums, `${s} pixel sums`);
    const counts = torch.scope(() => torch.ops.aten.bincount(y, null, 10).toArray() as number[]);
    assert.deepEqual(counts, ref[s].counts, `${s} label counts`);
    assert.deepEqual((y.toArray() as number[]).filter((_, i) => i % 991 === 0), ref[s].labels);
  }
  const picked = torch.scope(() => m.trainImages.indexSelect(0, torch.tensor(pick, { dtype: "int64" })).flatten().toArray() as number[]);
  assert.deepEqual(picked, ref.picked, "the same float32 values as PyTorch's x.float() / 255");
  torch.dispose(m);
});

test("plain and gzipped IDX files give the same exact values ([N,1,rows,cols] / 255, int64 labels)", (t) => {
  for (const gz of [false, true]) {
    const dir = tmpDir(t);
    writeTiny(dir, 3, gz);
    const m = torch.vision.mnist.loadDir(dir);
    assert.deepEqual(m.trainImages.shape, [3, 1, 2, 3]);
    const bytes = torch.scope(() => m.testImages.mul(255).round().to("int64").toArray());
    assert.deepEqual(bytes, [[[[0, 1, 2], [3, 4, 5]]], [[[10, 11, 12], [13, 14, 15]]], [[[20, 21, 22], [23, 24, 25]]]]);
    assert.ok(Math.abs((m.trainImages.max().item() as number) - 25 / 255) < 1e-7);
    assert.deepEqual(m.trainLabels.toArray(), [0, 1, 2]);
    torch.dispose(m);
  }
});

test("bad IDX files are errors naming the file and the problem", (t) => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ["truncated data", (d) => {
      const f = path.join(d, "train-images-idx3-ubyte");
      fs.truncateSync(f, fs.statSync(f).size - 1);
    }, /IDX file .*train-images-idx3-ubyte is truncated: header says \[3, 2, 3\] \(18 bytes of data\), the file has 17/],
    ["truncated header", (d) => fs.writeFileSync(path.join(d, "t10k-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0])),
      /t10k-labels-idx1-ubyte is truncated: 5 bytes, shorter than its 8-byte header/],
    ["empty", (d) => fs.writeFileSync(path.join(d, "train-labels-idx1-ubyte"), Buffer.alloc(0)),
      /train-labels-idx1-ubyte is truncated: 0 bytes, shorter than the 4-byte magic number/],
    ["wrong magic (labels where images belong)", (d) => fs.copyFileSync(path.join(d, "train-labels-idx1-ubyte"), path.join(d, "train-images-idx3-ubyte")),
      /train-images-idx3-ubyte has the wrong magic number 0x00000801: 1 dimensions, expected 3 for images \(0x00000803\)/],
    ["wrong magic (not IDX)", (d) => fs.writeFileSync(path.join(d, "train-images-idx3-ubyte"), Buffer.from("P5 28 28 255\n....")),
      /train-images-idx3-ubyte has the wrong magic number 0x50352032 \(expected 0x00000803 for images\): not an IDX file/],
    ["gzipped bytes under a plain name", (d) => fs.writeFileSync(path.join(d, "train-images-idx3-ubyte"), gzipSync(Buffer.alloc(40))),
      /wrong magic number 0x1f8b.*\(it is gzipped: name it \.gz\)/],
    ["float data", (d) => fs.writeFileSync(path.join(d, "train-labels-idx1-ubyte"), idx(0x0d, [1], [0, 0, 0, 0])),
      /data type 0xd \(float32\), expected 0x08 \(unsigned byte\) for labels/],
    ["trailing bytes", (d) => fs.appendFileSync(path.join(d, "t10k-images-idx3-ubyte"), Buffer.from([1, 2])),
      /t10k-images-idx3-ubyte has 2 bytes after the data of \[3, 2, 3\]/],
    ["counts differ", (d) => fs.writeFileSync(path.join(d, "t10k-labels-idx1-ubyte"), idx(8, [2], [0, 1])),
      /MNIST t10k split in .*: 3 images but 2 labels \(.*t10k-labels-idx1-ubyte\)/],
    ["a folder, not a file", (d) => {
      fs.rmSync(path.join(d, "train-images-idx3-ubyte"));
      fs.mkdirSync(path.join(d, "train-images-idx3-ubyte"));
    }, /IDX file .*train-images-idx3-ubyte is not a regular file/],
    ["missing", (d) => fs.rmSync(path.join(d, "t10k-images-idx3-ubyte")),
      /MNIST file t10k-images-idx3-ubyte not found in .* \(looked for .*t10k-images-idx3-ubyte and .*t10k-images-idx3-ubyte\.gz\)/],
  ];
  for (const [what, corrupt, message] of cases) {
    const dir = tmpDir(t);
    writeTiny(dir);
    corrupt(dir);
    assert.throws(() => torch.vision.mnist.loadDir(dir), message, what);
  }
  assert.throws(() => torch.vision.mnist.loadDir(path.join(os.tmpdir(), "no-such-mnist-dir")), /MNIST folder .*no-such-mnist-dir does not exist/);
});

test("corrupted copies of the real Fashion-MNIST files: truncated .gz, truncated and re-magicked plain files", (t) => {
  if (!fs.existsSync(path.join(FASHION, "t10k-images-idx3-ubyte.gz"))) {
    t.skip(`${FASHION} missing`);
    return;
  }
  const dir = tmpDir(t);
  writeTiny(dir, 10_000); // a valid train split, so that only the test split's file is at fault
  const real = fs.readFileSync(path.join(FASHION, "t10k-images-idx3-ubyte.gz"));
  const realLabels = path.join(FASHION, "t10k-labels-idx1-ubyte.gz");
  fs.rmSync(path.join(dir, "t10k-images-idx3-ubyte"));
  fs.rmSync(path.join(dir, "t10k-labels-idx1-ubyte"));
  fs.copyFileSync(realLabels, path.join(dir, "t10k-labels-idx1-ubyte.gz"));
  const gz = path.join(dir, "t10k-images-idx3-ubyte.gz");
  fs.writeFileSync(gz, real.subarray(0, real.length >> 1));
  assert.throws(() => torch.vision.mnist.loadDir(dir), /t10k-images-idx3-ubyte\.gz is not a valid gzip file \(truncated or corrupt\)/);
  // the decompressed file, cut short by one image: plain files are preferred over .gz
  const plain = path.join(dir, "t10k-images-idx3-ubyte");
  const raw = gunzipSync(real);
  fs.writeFileSync(plain, raw.subarray(0, raw.length - 784));
  assert.throws(() => torch.vision.mnist.loadDir(dir), /t10k-images-idx3-ubyte is truncated: header says \[10000, 28, 28\] \(7840000 bytes of data\), the file has 7839216/);
  raw[3] = 1;
  fs.writeFileSync(plain, raw);
  assert.throws(() => torch.vision.mnist.loadDir(dir), /t10k-images-idx3-ubyte has the wrong magic number 0x00000801/);
  raw[3] = 3;
  fs.writeFileSync(plain, raw);
  const m = torch.vision.mnist.loadDir(dir);
  assert.deepEqual(m.testImages.shape, [10000, 1, 28, 28], "the repaired copy loads");
  torch.dispose(m);
});
