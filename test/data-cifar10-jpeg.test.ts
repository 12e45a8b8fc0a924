// The CIFAR-10 set-up without Python: src/data/cifar10-jpeg.ts must write the very bytes that the
// shared tarball's cifar10-to-bin.py writes (same walk, same pixels, same shuffle), and its Python
// random.Random port must follow CPython's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PythonRandom } from "../src/data/python-random.js";
import { cifar10BinFromJpegTarball } from "../src/data/cifar10-jpeg.js";
import { runPython } from "./helpers/python.js";
import { sharedTarballOrSkip } from "./helpers/images.js";

test("PythonRandom follows CPython's random.Random: getrandbits and shuffle for several seeds", () => {
  const seeds = [0, 1, 42, 4294967295];
  const want = runPython(
    `
import random
out = []
for s in INPUT:
    r = random.Random(s)
    bits = [r.getrandbits(k) for k in (1, 7, 31, 32, 32, 16)]
    x = list(range(1000)); r.shuffle(x)
    y = list(range(50000)); random.Random(s).shuffle(y)
    out.append({"bits": bits, "x": x, "y": y[:20] + y[-20:]})
OUTPUT = out
`,
    seeds,
  ) as { bits: number[]; x: number[]; y: number[] }[];
  seeds.forEach((s, i) => {
    const r = new PythonRandom(s);
    assert.deepEqual([1, 7, 31, 32, 32, 16].map((k) => r.getrandbits(k)), want[i].bits, `seed ${s}`);
    assert.deepEqual(r.shuffle(Array.from({ length: 1000 }, (_, k) => k)), want[i].x, `seed ${s}`);
    const y = new PythonRandom(s).shuffle(Array.from({ length: 50000 }, (_, k) => k));
    assert.deepEqual([...y.slice(0, 20), ...y.slice(-20)], want[i].y, `seed ${s}`);
  });
  assert.throws(() => new PythonRandom(-1), /seed must be an integer in 0..2\^32-1, got -1/);
});

test("cifar10BinFromJpegTarball writes cifar10-to-bin.py's bytes, without Python, faster than it", { timeout: 300_000 }, (t) => {
  const tarball = sharedTarballOrSkip(t);
  if (!tarball) return;
  const script = path.join(path.dirname(tarball), "cifar10-to-bin.py");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-cifar-bin-"));
  let t0 = performance.now();
  const { dir: mine, timings } = cifar10BinFromJpegTarball(tarball, path.join(dir, "ts"));
  const tsSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  runPython(`import subprocess, sys; subprocess.run([sys.executable, INPUT[0], INPUT[1]], check=True, capture_output=True)`, [script, path.join(dir, "py")]);
  const pySeconds = (performance.now() - t0) / 1000;
  const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");
  for (const f of ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin", "batches.meta.txt"]) {
    assert.equal(sha(path.join(mine, f)), sha(path.join(dir, "py", "cifar-10-batches-bin", f)), f);
  }
  t.diagnostic(`tstorch ${tsSeconds.toFixed(1)} s (decode ${timings.decode.toFixed(1)} s), cifar10-to-bin.py ${pySeconds.toFixed(1)} s`);
  assert.ok(tsSeconds < pySeconds, `tstorch took ${tsSeconds.toFixed(1)} s, Python ${pySeconds.toFixed(1)} s`);
  fs.rmSync(dir, { recursive: true, force: true });
});
