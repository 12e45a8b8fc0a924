// `tstorch cifar10` end to end on a small real subset of CIFAR-10: the stdout CSV, every
// artifact (decoded / parsed / loaded), --resume continuing exactly, the autoencoder's images.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { buildModel } from "../src/cli/models.js";
import { cifarDirOrSkip } from "./helpers/cifar.js";
import { checkpointMeta, listDir, parseCsv, pngSize, readMetrics, runCli, svgParses, tmpDir } from "./helpers/cli.js";

const SMALL = ["--limit-train", "512", "--limit-test", "256", "--threads", "2"];

test("cnn, mini-batch: CSV on stdout only, artifacts valid, --resume continues exactly", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const dir = tmpDir(t);
  const args = ["cifar10", "cnn", "--data", data, ...SMALL, "--batch-size", "128"];

  // Uninterrupted reference: 3 epochs.
  const full = await runCli([...args, "--epochs", "3", "--out", path.join(dir, "full"), "--quiet"]);
  assert.equal(full.code, 0, full.stderr);
  assert.equal(full.stderr, "");
  const fullRows = parseCsv(full.stdout, "acc");
  assert.equal(fullRows.length, 3);

  // 2 epochs, then resume to 3.
  const out = path.join(dir, "run");
  const r = await runCli([...args, "--epochs", "2", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseCsv(r.stdout, "acc");
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((x) => x.value), fullRows.slice(0, 2).map((x) => x.value));
  // stderr: the summary line (model, parameters, device, threads, data), progress, the result.
  assert.match(r.stderr, /^tstorch cifar10 cnn: 6,738 parameters, device cpu, 2 threads, data /);
  assert.match(r.stderr, /best test accuracy 0\.\d{5} at epoch \d/);
  assert.ok(r.stderr.includes(`artifacts in ${out}`), r.stderr);

  assert.deepEqual(listDir(out), ["best.safetensors", "chart.png", "chart.svg", "config.json", "final.safetensors", "metrics.csv"]);
  const metrics = readMetrics(path.join(out, "metrics.csv"));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2]);
  assert.deepEqual(metrics.map((m) => m.testAcc), rows.map((x) => x.value));
  for (const m of metrics) assert.ok(m.trainLoss > 0 && m.testLoss > 0 && m.time > 0);
  assert.ok(svgParses(path.join(out, "chart.svg")));
  const png = pngSize(path.join(out, "chart.png"));
  assert.ok(png.width > 400 && png.height > 300, JSON.stringify(png));

  const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(config.options.model, "cnn");
  assert.equal(config.options.batchSize, 128);
  assert.equal(config.options.epochs, 2);
  assert.equal(config.device, "cpu");
  assert.equal(config.tstorch, torch.versions().tstorch);
  assert.equal(config.libtorch, torch.versions().libtorch);
  assert.equal(config.model.parameters, 6738);

  // Both checkpoints load into a fresh model; final carries the optimiser state and the position.
  const meta = checkpointMeta(path.join(out, "final.safetensors"));
  assert.equal(meta.model, "cnn");
  assert.equal(meta.epoch, "2");
  assert.equal(meta.kind, "final");
  const model = buildModel("cnn", "tch");
  t.after(() => model.dispose());
  const loaded = torch.io.loadTensors(path.join(out, "final.safetensors"));
  assert.ok([...loaded.tensors.keys()].some((k) => k.startsWith("optim.")));
  const weights = new Map([...loaded.tensors].filter(([k]) => !k.startsWith("optim.")));
  model.loadStateDict(weights);
  torch.dispose(loaded.tensors);
  const bestMeta = torch.io.loadModule(model, path.join(out, "best.safetensors"));
  assert.equal(bestMeta.kind, "best");
  assert.equal(Number(bestMeta.epoch), metrics.reduce((b, m) => (m.testAcc > b.testAcc ? m : b)).epoch);

  // --resume: the same options come from the checkpoint; only epoch 3 runs, identical to the uninterrupted run.
  const resumed = await runCli(["cifar10", "cnn", "--resume", path.join(out, "final.safetensors"), "--epochs", "3", "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const resumedRows = parseCsv(resumed.stdout, "acc", 3);
  assert.equal(resumedRows.length, 1);
  assert.equal(resumedRows[0].value, fullRows[2].value);
  assert.ok(resumedRows[0].time >= rows[1].time, "time continues from the checkpoint");
  const after = readMetrics(path.join(out, "metrics.csv"));
  assert.deepEqual(after.map((m) => m.epoch), [1, 2, 3]);
  assert.deepEqual(after.map((m) => m.trainLoss), readMetrics(path.join(dir, "full", "metrics.csv")).map((m) => m.trainLoss));
  assert.equal(checkpointMeta(path.join(out, "final.safetensors")).epoch, "3");
});

test("autoencoder: epoch,time,loss CSV, org/defer PNGs and the grid", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const out = path.join(tmpDir(t), "ae");
  const r = await runCli(["cifar10", "autoencoder", "--data", data, ...SMALL, "--epochs", "3", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseCsv(r.stdout, "loss");
  assert.equal(rows.length, 3);
  assert.ok(rows[2].value < rows[0].value, `the loss falls: ${rows.map((x) => x.value)}`);
  const files = listDir(out);
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(pngSize(path.join(out, `org_${i}.png`)), { width: 32, height: 32 });
    assert.deepEqual(pngSize(path.join(out, `defer_${i}.png`)), { width: 32, height: 32 });
  }
  // 5 columns x 2 rows of 32x32 images at 4x, 2-pixel padding.
  assert.deepEqual(pngSize(path.join(out, "reconstructions.png")), { width: 5 * 130 + 2, height: 2 * 130 + 2 });
  for (const f of ["metrics.csv", "chart.svg", "chart.png", "final.safetensors", "best.safetensors", "config.json"]) {
    assert.ok(files.includes(f), `${f} missing: ${files}`);
  }
  assert.ok(svgParses(path.join(out, "chart.svg")));
  const metrics = readMetrics(path.join(out, "metrics.csv"));
  assert.deepEqual(metrics.map((m) => m.trainLoss.toFixed(6)), rows.map((x) => x.value.toFixed(6)));
  assert.ok(metrics.every((m) => Number.isNaN(m.testAcc) && m.testLoss > 0));
  assert.equal(checkpointMeta(path.join(out, "final.safetensors")).model, "autoencoder");
  const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(config.data.sampleIndices.length, 5);
});

test("speed-up flags on the CPU: --channels-last --cudnn-benchmark --tf32 learn as the default does; --amp bf16 trains", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const dir = tmpDir(t);
  const args = ["cifar10", "cnn", "--data", data, ...SMALL, "--batch-size", "64", "--epochs", "2", "--quiet"];
  const base = await runCli([...args, "--out", path.join(dir, "base")]);
  assert.equal(base.code, 0, base.stderr);
  const fast = await runCli([...args, "--channels-last", "--cudnn-benchmark", "--tf32", "--out", path.join(dir, "fast")]);
  assert.equal(fast.code, 0, fast.stderr);
  const b = parseCsv(base.stdout, "acc");
  const f = parseCsv(fast.stdout, "acc");
  assert.equal(f.length, 2);
  // NHWC convolutions sum in another order: the same learning, up to a couple of flipped predictions
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(f[i].value - b[i].value) <= 3 / 256, `epoch ${i + 1}: ${f[i].value} vs ${b[i].value}`);
  const amp = await runCli([...args, "--amp", "bf16", "--out", path.join(dir, "amp")]);
  assert.equal(amp.code, 0, amp.stderr);
  const a = parseCsv(amp.stdout, "acc");
  assert.equal(a.length, 2);
  // bf16 rounds the convolutions' inputs: after 16 small steps the predictions barely differ
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(a[i].value - b[i].value) <= 8 / 256, `epoch ${i + 1}: bf16 ${a[i].value} vs ${b[i].value}`);
  const config = JSON.parse(fs.readFileSync(path.join(dir, "amp", "config.json"), "utf8"));
  assert.equal(config.options.amp, "bf16");
  assert.equal(config.options.channelsLast, false);
});
