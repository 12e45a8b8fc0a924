// airbench94 (issue #15) on a small real subset: examples/airbench94.ts against the PyTorch
// implementation bench/airbench94_torch.py from the same seed (the same initial weights, the same
// random augmentations, the same losses to float32 tolerance, the same TTA accuracy); the recipe's
// pieces against numpy/PyTorch; and `tstorch cifar10 airbench` with its CSV, artifacts and an exact
// resume after a stop in the middle of the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { CIFAR10_CACHE_DIR, REPO_ROOT, cifarDirOrSkip } from "./helpers/cifar.js";
import { listDir, readMetrics, runCli, tmpDir } from "./helpers/cli.js";

const SMALL = ["--batch-size", "64", "--limit-train", "640", "--limit-test", "200", "--threads", "2"];

interface Ev {
  event: string;
  [k: string]: unknown;
}

function runJson(cmd: string, args: string[]): Promise<Ev[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 240_000);
    p.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err.slice(-2000)}`));
      else resolve(out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Ev));
    });
  });
}

test("airbench94: tstorch and PyTorch from the same seed give the same weights, losses and TTA accuracy", async (t) => {
  const dir = cifarDirOrSkip(t);
  if (dir === null) return;
  const args = ["--data", dir, ...SMALL, "--epochs", "1.5", "--eval", "tta"];
  const [ts, py] = await Promise.all([
    runJson(process.execPath, [path.join(REPO_ROOT, "dist/examples/airbench94.js"), "--json", ...args]),
    runJson("/usr/bin/python3", [path.join(REPO_ROOT, "bench/airbench94_torch.py"), ...args]),
  ]);
  const init = (e: Ev[]): Record<string, number> => e.find((x) => x.event === "init")?.weights as Record<string, number>;
  const [wt, wp] = [init(ts), init(py)];
  assert.deepEqual(Object.keys(wt), Object.keys(wp), "state-dict keys");
  for (const k of Object.keys(wp)) assert.ok(Math.abs(wt[k] - wp[k]) <= 1e-9 * Math.max(1, Math.abs(wp[k])), `initial ${k}: ${wt[k]} vs ${wp[k]}`);
  const losses = (e: Ev[]): number[] => e.filter((x) => x.event === "step").map((x) => x.loss as number);
  const [lt, lp] = [losses(ts), losses(py)];
  assert.equal(lt.length, 15); // 1.5 epochs of 10 batches
  assert.equal(lp.length, 15);
  // float32 on the CPU: the first step is bit-identical, later ones may drift in the last bits
  // (threaded reductions); stated tolerance 1e-4 relative
  assert.equal(lt[0], lp[0]);
  lt.forEach((l, i) => assert.ok(Math.abs(l - lp[i]) <= 1e-4 * Math.abs(lp[i]), `step ${i + 1}: ${l} vs ${lp[i]}`));
  assert.ok(lt[14] < lt[0], `the loss falls: ${lt[0]} → ${lt[14]}`);
  const acc = (e: Ev[]): number => e.find((x) => x.event === "done")?.acc as number;
  assert.ok(Math.abs(acc(ts) - acc(py)) <= 0.01, `TTA accuracy ${acc(ts)} vs ${acc(py)}`);
  assert.ok(acc(ts) > 0.15, `better than chance on 200 test images: ${acc(ts)}`);
});

test("airbench94 pieces: the schedule, the Lookahead decays, the parameter groups and the network as the recipe says", () => {
  const { interp, lookaheadDecays, airbench94, airbench94Optimizer, AIRBENCH94 } = torch.vision.models;
  const xs = [0, 1, 50, 109, 110, 111, 300, 475, 476];
  const py = JSON.parse(
    execFileSync("/usr/bin/python3", ["-c", `
import json, numpy as np, torch
t = 476
print(json.dumps({"lr": [float(v) for v in np.interp(${JSON.stringify(xs)}, [0, int(0.23 * t), t], [0.2, 1, 0.07])],
                  "alpha": (0.95 ** 5 * (torch.arange(t + 1) / t) ** 3).tolist()}))`], { encoding: "utf8" }),
  ) as { lr: number[]; alpha: number[] };
  assert.deepEqual(xs.map((x) => interp(x, [0, Math.floor(0.23 * 476), 476], [0.2, 1, 0.07])), py.lr);
  assert.deepEqual(lookaheadDecays(476), py.alpha);
  assert.ok(Math.abs(AIRBENCH94.lr - 1.4648e-3) < 1e-6 && Math.abs(AIRBENCH94.weightDecay - 1.9957e-3) < 1e-6);

  torch.manualSeed(0);
  const net = airbench94();
  const sd = net.stateDict();
  assert.deepEqual(sd.get("0.weight")?.shape, [24, 3, 2, 2]);
  assert.deepEqual(sd.get("7.weight")?.shape, [10, 256]);
  assert.equal(net.numParameters(), 1_972_792);
  torch.dispose(sd);
  const frozen = [...net.namedParameters()].filter(([, p]) => !p.requiresGrad).map(([k]) => k);
  assert.deepEqual(frozen, ["0.weight", ...[2, 3, 4].flatMap((g) => [`${g}.norm1.weight`, `${g}.norm2.weight`])]);
  // Dirac: the first in-channels filters of each group conv pass their input channel through
  const c = (net.at(3) as torch.nn.Module & { conv1: torch.nn.Conv2d }).conv1.weight;
  assert.deepEqual(torch.scope(() => c.narrow(0, 0, 2).narrow(1, 0, 2).toArray()), [
    [[[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]],
    [[[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, 0, 0]]],
  ]);
  const opt = airbench94Optimizer(net);
  assert.equal(opt.paramGroups[0].params.length, 6); // the six BatchNorm biases
  assert.equal(opt.paramGroups[0].lr, AIRBENCH94.lr * 64);
  assert.equal((opt.paramGroups[0].weightDecay as number) * opt.paramGroups[0].lr, AIRBENCH94.weightDecay);
  assert.ok(Math.abs((opt.paramGroups[1].weightDecay as number) * opt.paramGroups[1].lr - AIRBENCH94.weightDecay) < 1e-18);
  net.dispose();
});

test("airbench94 pieces: bad input names the problem", () => {
  const { initWhitening_ } = torch.vision.models;
  const conv = new torch.nn.Conv2d(3, 10, 2);
  assert.throws(() => initWhitening_(conv, torch.zeros([4, 3, 8, 8])), /tstorch: initWhitening_: the conv has 10 filters; whitening 3-channel 2×2 patches needs 24/);
  conv.dispose();
});

test("tstorch cifar10 airbench: CSV, artifacts, and a stop in the middle resumes exactly", async (t) => {
  if (cifarDirOrSkip(t) === null) return;
  const base = ["cifar10", "airbench", "--data", CIFAR10_CACHE_DIR, ...SMALL, "--epochs", "2", "--quiet"];
  const whole = tmpDir(t, "tstorch-airbench-");
  const a = await runCli([...base, "--out", whole], { timeoutMs: 300_000 });
  assert.equal(a.code, 0, a.stderr);
  const rows = a.stdout.trim().split("\n");
  assert.equal(rows[0], "epoch,time,acc");
  assert.equal(rows.length, 3);
  assert.match(rows[2], /^2,\d+\.\d{3},0\.\d{5}$/);
  assert.deepEqual(listDir(whole).filter((f) => !f.endsWith(".png") || f === "chart.png").sort(),
    ["best.safetensors", "chart.png", "chart.svg", "config.json", "final.safetensors", "metrics.csv"]);

  // the same run, stopped by SIGINT once epoch 1's row is out, then resumed
  const part = tmpDir(t, "tstorch-airbench-");
  let sent = false;
  const b = await runCli([...base, "--out", part], {
    timeoutMs: 300_000,
    onStdout: (child, out) => {
      if (!sent && out.split("\n").length >= 3) {
        sent = true;
        child.kill("SIGINT");
      }
    },
  });
  assert.equal(b.code, 130, b.stderr);
  const c = await runCli(["cifar10", "airbench", "--resume", path.join(part, "final.safetensors"), "--quiet"], { timeoutMs: 300_000 });
  assert.equal(c.code, 0, c.stderr);
  const [ma, mc] = [readMetrics(path.join(whole, "metrics.csv")), readMetrics(path.join(part, "metrics.csv"))];
  assert.equal(mc.length, 2);
  for (const i of [0, 1]) {
    assert.equal(mc[i].trainLoss, ma[i].trainLoss, `epoch ${i + 1} training loss`);
    assert.equal(mc[i].testAcc, ma[i].testAcc, `epoch ${i + 1} accuracy`);
  }
});

test("tstorch cifar10 airbench: options the recipe cannot take are refused", async () => {
  const r1 = await runCli(["cifar10", "airbench", "--optimizer", "adam"]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /--optimizer adam: airbench's recipe is SGD with Nesterov momentum/);
  const r2 = await runCli(["cifar10", "cnn", "--epochs", "2.5"]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--epochs: expected a positive integer, got '2.5'/);
  const r3 = await runCli(["cifar10", "airbench", "--batch-size", "full"]);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /airbench trains on mini-batches/);
});
