// Bad input never crashes `tstorch cifar10`: each case exits 2 with one line naming the problem,
// and nothing is written (the --out folder is not even created).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR10_BIN_SUBDIR, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, resolveCifar10BinDir } from "../src/data/cifar10-files.js";
import { cifarDirOrSkip } from "./helpers/cifar.js";
import { listDir, runCli, tmpDir, type CliResult } from "./helpers/cli.js";

const SMALL = ["--limit-train", "64", "--limit-test", "64", "--epochs", "1", "--quiet"];

function assertUsageError(r: CliResult, re: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code} ${r.signal ?? ""}, stderr: ${r.stderr}`);
  assert.equal(r.stdout, "", `${what}: stdout must stay empty`);
  assert.match(r.stderr, /^tstorch: error: [^\n]+\n$/, `${what}: one line`);
  assert.match(r.stderr, re, what);
}

test("bad inputs: output folder, checkpoints, data", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const dir = tmpDir(t);
  const out = path.join(dir, "out");
  const base = ["cifar10", "cnn", "--data", data, ...SMALL];

  // a real checkpoint to corrupt, and one of another model
  const good = path.join(dir, "good");
  const ok = await runCli([...base, "--out", good]);
  assert.equal(ok.code, 0, ok.stderr);
  const ae = path.join(dir, "ae");
  const okAe = await runCli(["cifar10", "autoencoder", "--data", data, ...SMALL, "--out", ae]);
  assert.equal(okAe.code, 0, okAe.stderr);
  const bytes = fs.readFileSync(path.join(good, "final.safetensors"));
  fs.writeFileSync(path.join(dir, "truncated.safetensors"), bytes.subarray(0, bytes.length - 1000));
  const garbage = Buffer.from(bytes);
  garbage.fill(0x7b, 8, 40); // the JSON header, mangled
  fs.writeFileSync(path.join(dir, "garbage.safetensors"), garbage);
  fs.writeFileSync(path.join(dir, "empty.safetensors"), "");
  fs.writeFileSync(path.join(dir, "afile"), "x");

  const cases: [string[], RegExp, string][] = [
    [["--out", path.join(dir, "afile", "sub")], /--out .*afile is not a folder/, "--out below a file"],
    [["--out", path.join(dir, "afile")], /--out .*exists and is not a folder/, "--out is a file"],
    [["--out", "/proc/tstorch-test"], /--out \/proc\/tstorch-test: not writable/, "--out in /proc"],
    [["--resume", path.join(dir, "truncated.safetensors"), "--out", out], /corrupt checkpoint .*truncated/, "truncated checkpoint"],
    [["--resume", path.join(dir, "garbage.safetensors"), "--out", out], /corrupt checkpoint/, "garbled checkpoint"],
    [["--resume", path.join(dir, "empty.safetensors"), "--out", out], /corrupt checkpoint .*too small/, "empty checkpoint"],
    [["--resume", path.join(dir, "missing.safetensors"), "--out", out], /--resume .*missing\.safetensors: no such file/, "missing checkpoint"],
    [["--resume", path.join(ae, "final.safetensors"), "--out", out], /checkpoint of the autoencoder model, not cnn/, "another model's checkpoint"],
    [["--resume", path.join(good, "best.safetensors"), "--out", out], /holds weights only/, "weights-only checkpoint"],
    [["--resume", path.join(good, "final.safetensors"), "--optimizer", "sgd", "--out", out], /trained with adam/, "another optimizer"],
    [["--device", "cuda:7", "--out", out], /--device cuda:7/, "absent CUDA device"],
    [["--device", "cpu", "--cuda-graph", "--out", out], /--cuda-graph needs a CUDA device; the run is on cpu/, "CUDA graph on the CPU"],
    [["--cuda-graph", "--batch-size", "32", "--out", out], /--cuda-graph needs --batch-size full/, "CUDA graph with mini-batches"],
    [["--amp", "fp8", "--out", out], /--amp: expected off, bf16 or fp16, got 'fp8'/, "unknown --amp"],
    [["--amp", "fp16", "--cuda-graph", "--out", out], /--cuda-graph cannot replay fp16 loss scaling/, "graph with fp16"],
    [["--channels-last=yes", "--out", out], /--channels-last takes no value/, "a value for a flag"],
  ];
  for (const [extra, re, what] of cases) assertUsageError(await runCli([...base, ...extra]), re, what);
  assert.ok(!fs.existsSync(out), "nothing written");
  assert.ok(!fs.existsSync("/proc/tstorch-test"));
});

test("bad inputs: missing or truncated CIFAR-10", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const dir = tmpDir(t);
  const out = path.join(dir, "out");

  // a copy of the data folder (symlinks) with one file cut short
  const bad = path.join(dir, "bad", CIFAR10_BIN_SUBDIR);
  fs.mkdirSync(bad, { recursive: true });
  const src = resolveCifar10BinDir(data);
  for (const f of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    if (f === "data_batch_3.bin") fs.writeFileSync(path.join(bad, f), fs.readFileSync(path.join(src, f)).subarray(0, 123_456));
    else fs.symlinkSync(path.join(src, f), path.join(bad, f));
  }
  assertUsageError(
    await runCli(["cifar10", "cnn", "--data", path.join(dir, "bad"), ...SMALL, "--out", out]),
    /data_batch_3\.bin is truncated: 123456 bytes found, expected 30730000/,
    "truncated data file",
  );

  // no --data, no ./data, no $CIFAR10_DIR: says where to put the files and where to get them
  const empty = path.join(dir, "cwd");
  fs.mkdirSync(empty);
  assertUsageError(await runCli(["cifar10", "cnn", ...SMALL, "--out", out], { cwd: empty }),
    /CIFAR-10 not found in \.\/data or \$CIFAR10_DIR \(not set\): download .*cifar-10-binary\.tar\.gz.*data_batch_1\.bin/,
    "no data anywhere");
  // $CIFAR10_DIR is used when ./data is absent
  const viaEnv = await runCli(["cifar10", "cnn", ...SMALL, "--out", path.join(dir, "env")], { cwd: empty, env: { CIFAR10_DIR: data } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assertUsageError(await runCli(["cifar10", "cnn", "--data", path.join(dir, "nowhere"), ...SMALL, "--out", out]),
    /--data .*nowhere: no such folder/, "--data missing");
  assert.ok(!fs.existsSync(out), "nothing written");
  assert.deepEqual(listDir(empty), []);
});
