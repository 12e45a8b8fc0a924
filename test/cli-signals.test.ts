// Ctrl-C / SIGTERM in the middle of a run: a clean stop with a loadable checkpoint that --resume
// continues; a second Ctrl-C ends the process at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readSafetensorsFile } from "../src/io/safetensors.js";
import { cifarDirOrSkip } from "./helpers/cifar.js";
import type { ChildProcess } from "node:child_process";
import { checkpointMeta, parseCsv, readMetrics, runCli, tmpDir, type CliResult } from "./helpers/cli.js";

function rowsIn(stdout: string): number {
  return stdout.split("\n").length - 2; // header, rows, trailing ""
}

/** Runs the CLI and calls `act` once, as soon as its stdout CSV holds `rows` rows. */
function runCliActingAfterRows(args: string[], rows: number, act: (child: ChildProcess) => void): Promise<CliResult> {
  let acted = false;
  return runCli(args, {
    onStdout: (child, stdout) => {
      if (!acted && rowsIn(stdout) >= rows) {
        acted = true;
        act(child);
      }
    },
  });
}

test("SIGINT mid-run: exit 130, complete CSV, loadable checkpoint, --resume continues", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const out = path.join(tmpDir(t), "run");
  const r = await runCliActingAfterRows(
    ["cifar10", "cnn", "--data", data, "--limit-train", "512", "--limit-test", "128", "--batch-size", "16", "--epochs", "1000", "--out", out],
    2,
    // mid-epoch: let a few steps of epoch 3 run first
    (child) => setTimeout(() => child.kill("SIGINT"), 150),
  );
  assert.equal(r.code, 130, `exit ${r.code} ${r.signal}: ${r.stderr}`);
  const rows = parseCsv(r.stdout, "acc");
  assert.ok(rows.length >= 2 && rows.length < 1000);
  assert.match(r.stderr, /SIGINT: stopping after the current step/);
  assert.match(r.stderr, /stopped \(SIGINT\) at epoch \d+/);
  assert.match(r.stderr, /resume with: tstorch cifar10 cnn --resume /);

  const final = path.join(out, "final.safetensors");
  const ck = readSafetensorsFile(final);
  assert.ok(Object.keys(ck.tensors).length > 0);
  const meta = checkpointMeta(final);
  assert.equal(Number(meta.epoch), rows.length);
  assert.deepEqual(readMetrics(path.join(out, "metrics.csv")).map((m) => m.epoch), rows.map((x) => x.epoch));
  assert.ok(fs.existsSync(path.join(out, "chart.png")) && fs.existsSync(path.join(out, "best.safetensors")));
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith(".tmp")), []);

  // The checkpoint continues from where it stopped (possibly inside an epoch).
  const next = rows.length + 1;
  const resumed = await runCli(["cifar10", "cnn", "--resume", final, "--epochs", String(next), "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const more = parseCsv(resumed.stdout, "acc", next);
  assert.equal(more.length, 1);
  assert.equal(checkpointMeta(final).epoch, String(next));
});

test("SIGTERM: exit 143 after saving", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const out = path.join(tmpDir(t), "run");
  const r = await runCliActingAfterRows(
    ["cifar10", "autoencoder", "--data", data, "--limit-train", "256", "--limit-test", "64", "--epochs", "100000", "--out", out, "--quiet"],
    1,
    (child) => child.kill("SIGTERM"),
  );
  assert.equal(r.code, 143, `exit ${r.code} ${r.signal}: ${r.stderr}`);
  const rows = parseCsv(r.stdout, "loss");
  assert.equal(checkpointMeta(path.join(out, "final.safetensors")).epoch, String(rows.length));
  assert.ok(fs.existsSync(path.join(out, "reconstructions.png")));
});

test("one SIGINT delivered twice at once (timeout(1), wrappers) still stops cleanly with a checkpoint", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const out = path.join(tmpDir(t), "run");
  const r = await runCliActingAfterRows(
    ["cifar10", "cnn", "--data", data, "--limit-train", "512", "--limit-test", "128", "--batch-size", "16", "--epochs", "1000", "--out", out, "--quiet"],
    1,
    (child) => {
      // as timeout(1) does: the process, then its group, right after (sent 20 ms apart, so that the
      // kernel does not merge them into one pending signal)
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGINT"), 20);
    },
  );
  assert.equal(r.code, 130, `exit ${r.code} ${r.signal}: ${r.stderr}`);
  const rows = parseCsv(r.stdout, "acc");
  assert.equal(checkpointMeta(path.join(out, "final.safetensors")).epoch, String(rows.length));
  assert.ok(fs.existsSync(path.join(out, "chart.png")));
});

test("a second SIGINT ends the run at once, leaving earlier files intact", async (t) => {
  const data = cifarDirOrSkip(t);
  if (data === null) return;
  const out = path.join(tmpDir(t), "run");
  let secondAt = 0;
  // Full-batch MLP steps on 4,000 images take seconds: the first SIGINT waits for the step,
  // the second must not.
  const r = await runCliActingAfterRows(
    ["cifar10", "mlp", "--data", data, "--limit-train", "4000", "--limit-test", "64", "--epochs", "1000", "--out", out, "--quiet"],
    1,
    (child) => {
      setTimeout(() => child.kill("SIGINT"), 100);
      setTimeout(() => {
        secondAt = Date.now();
        child.kill("SIGINT");
      }, 300);
    },
  );
  const latency = Date.now() - secondAt;
  assert.equal(r.signal, "SIGINT", `ended by the signal's default action, not a clean exit (code ${r.code}): ${r.stderr}`);
  assert.ok(latency < 2000, `ended ${latency} ms after the second SIGINT`);
  parseCsv(r.stdout, "acc");
  // config.json was written before training; any other file present is complete.
  assert.ok(JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")).options);
  if (fs.existsSync(path.join(out, "final.safetensors"))) readSafetensorsFile(path.join(out, "final.safetensors"));
});
