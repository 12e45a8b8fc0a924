// scripts/fit-curve.mjs (the plateau estimate behind docs/results.md's reading of the full-batch CNN run):
// it must recover a known saturating curve, and refuse a file it cannot read with exit 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./helpers/cifar.js";

const script = path.join(REPO_ROOT, "scripts", "fit-curve.mjs");

function fit(file: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, file, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("fit-curve recovers the plateau of acc = A - B s^-c", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fit-curve-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "metrics.csv");
  const A = 0.62, B = 2.0, c = 0.6;
  const rows = ["epoch,time,train_loss,test_loss,test_acc"];
  for (let s = 1; s <= 4000; s++) rows.push(`${s},${s * 0.05},1,1,${(A - B * s ** -c).toFixed(6)}`);
  fs.writeFileSync(file, rows.join("\n") + "\n");

  const r = fit(file, "--from", "500", "--window", "50");
  assert.equal(r.code, 0, r.stderr);
  const m = /A = ([\d.]+) %.*c = ([\d.]+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Math.abs(Number(m[1]) - 62) < 0.05, `plateau ${m[1]} %, expected 62 %`);
  assert.ok(Math.abs(Number(m[2]) - 0.6) < 0.02, `exponent ${m[2]}, expected 0.6`);
  const at100k = /predicted at step 100000: ([\d.]+) %/.exec(r.stdout);
  assert.ok(at100k, r.stdout);
  assert.ok(Math.abs(Number(at100k[1]) - 100 * (A - B * 100_000 ** -c)) < 0.05, r.stdout);
});

test("fit-curve: unreadable or unsuitable input exits 2 with one line", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fit-curve-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const missing = fit(path.join(dir, "absent.csv"));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^fit-curve: cannot read .*absent\.csv/);
  const noCol = path.join(dir, "nocol.csv");
  fs.writeFileSync(noCol, "epoch,time,acc\n1,0.1,0.5\n");
  const r = fit(noCol);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no test_acc column/);
  const ae = path.join(dir, "ae.csv");
  fs.writeFileSync(ae, "epoch,time,train_loss,test_loss,test_acc\n1,3.5,0.65,0.33,\n2,6.9,0.33,0.25,\n");
  const a = fit(ae);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /test_acc is empty or not a number/);
  const short = path.join(dir, "short.csv");
  fs.writeFileSync(short, "epoch,time,train_loss,test_loss,test_acc\n1,0.1,1,1,0.5\n");
  const s = fit(short);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /too few windows/);
});
