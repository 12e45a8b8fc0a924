// The data loader's overhead: partial epochs of the seed's CNN on CIFAR-10 (batch 128, shuffled,
// Adam 1e-3, loss.item() every batch, as bench/run.ts's "CNN epoch") fed four ways, interleaved
// repetition by repetition (rotating which goes first):
//   tstorch data.DataLoader(TensorDataset)  |  tstorch data.batches (the path before it)
//   PyTorch DataLoader(TensorDataset, num_workers=0)  |  PyTorch randperm + indexing
// plus the same batches drawn without training (the loaders' own cost per batch).
//   npm run build && node dist/bench/dataloader.js [--steps 100] [--reps 3] [--threads 2] [--write]
// --write replaces this benchmark's section of docs/benchmarks.md (between its markers).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";
import { buildModel } from "../src/cli/models.js";
import { writeMarkedBlock } from "./doc-block.js";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const STEPS = Number(arg("steps", "100"));
const REPS = Number(arg("reps", "3"));
const THREADS = Number(arg("threads", "2"));
const SEED = 0;
const BATCH = 128;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DATA = arg("data", join(repoRoot, ".cache/cifar10"));
torch.setNumThreads(THREADS);

type Side = "tstorch DataLoader" | "tstorch data.batches" | "PyTorch DataLoader" | "PyTorch randperm + index";
const SIDES: Side[] = ["tstorch DataLoader", "tstorch data.batches", "PyTorch DataLoader", "PyTorch randperm + index"];
type What = "train" | "load";
interface Result { seconds: number; loss: number | null }

// ---------------------------------------------------------------- PyTorch, in its own process
const py = spawn("/usr/bin/python3", [join(repoRoot, "bench/dataloader_torch.py")], {
  env: { ...process.env, BENCH_DATA: DATA, BENCH_THREADS: String(THREADS), BENCH_SEED: String(SEED) },
  stdio: ["pipe", "pipe", "inherit"],
});
const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
async function pyLine(): Promise<Record<string, unknown>> {
  const r = await lines.next();
  if (r.done) throw new Error("bench/dataloader_torch.py exited early");
  return JSON.parse(r.value) as Record<string, unknown>;
}
async function torchRun(variant: "loader" | "index", what: What, steps: number): Promise<Result> {
  py.stdin.write(`${JSON.stringify({ variant, what, steps })}\n`);
  return (await pyLine()) as unknown as Result;
}

// ---------------------------------------------------------------- tstorch, in this process
const cifar = torch.data.loadCifar10(DATA);
const x = cifar.trainImages;
const y = cifar.trainLabels;
const trainers = new Map<string, { model: torch.nn.Module; opt: torch.optim.Adam }>();
function trainer(key: string): { model: torch.nn.Module; opt: torch.optim.Adam } {
  let t = trainers.get(key);
  if (t === undefined) {
    torch.manualSeed(SEED);
    const model = buildModel("cnn", "tch");
    t = { model, opt: new torch.optim.Adam(model.parameters(), { lr: 1e-3 }) };
    trainers.set(key, t);
  }
  return t;
}
const loader = new torch.data.DataLoader(new torch.data.TensorDataset(x, y), { batchSize: BATCH, shuffle: true, seed: 1000 + SEED });
let batchesEpoch = 0;

function tstorchRun(variant: "loader" | "batches", what: What, steps: number): Result {
  const { model, opt } = trainer(variant);
  let tot = 0;
  let cnt = 0;
  const step = (xb: torch.Tensor, yb: torch.Tensor): void => {
    if (what === "train") {
      torch.scope(() => {
        const loss = model.forward(xb).crossEntropyForLogits(yb);
        opt.backwardStep(loss);
        tot += (loss.item() as number) * xb.shape[0];
      });
    }
    cnt += xb.shape[0];
  };
  const t0 = performance.now();
  let k = 0;
  if (variant === "loader") {
    for (const [xb, yb] of loader) {
      if (k++ >= steps) {
        torch.dispose([xb, yb]);
        break;
      }
      step(xb, yb);
      torch.dispose([xb, yb]);
    }
  } else {
    for (const b of torch.data.batches(x, y, { batchSize: BATCH, shuffle: true, seed: 1000 + SEED, epoch: batchesEpoch++ })) {
      if (k++ >= steps) {
        torch.dispose(b);
        break;
      }
      step(b.images, b.labels);
      torch.dispose(b);
    }
  }
  return { seconds: (performance.now() - t0) / 1000, loss: what === "train" ? tot / cnt : null };
}

async function runSide(side: Side, what: What, steps: number): Promise<Result> {
  switch (side) {
    case "tstorch DataLoader": return tstorchRun("loader", what, steps);
    case "tstorch data.batches": return tstorchRun("batches", what, steps);
    case "PyTorch DataLoader": return torchRun("loader", what, steps);
    case "PyTorch randperm + index": return torchRun("index", what, steps);
  }
}

// ---------------------------------------------------------------- statistics
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtRatio = (r: number[]): string => `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
const loadavg = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function main(): Promise<void> {
  const info = await pyLine();
  const started = new Date();
  const load0 = loadavg();
  const t0 = performance.now();
  // warm-up: every side trains 10 steps and draws 10 batches, untimed
  for (const s of SIDES) {
    await runSide(s, "train", 10);
    await runSide(s, "load", 10);
  }
  const times: Record<What, Record<Side, number[]>> = {
    train: Object.fromEntries(SIDES.map((s) => [s, []])) as unknown as Record<Side, number[]>,
    load: Object.fromEntries(SIDES.map((s) => [s, []])) as unknown as Record<Side, number[]>,
  };
  const losses: Record<Side, number[]> = Object.fromEntries(SIDES.map((s) => [s, []])) as unknown as Record<Side, number[]>;
  for (let r = 0; r < REPS; r++) {
    for (let i = 0; i < SIDES.length; i++) {
      const side = SIDES[(i + r) % SIDES.length];
      const tr = await runSide(side, "train", STEPS);
      times.train[side].push(tr.seconds);
      losses[side].push(tr.loss as number);
      times.load[side].push((await runSide(side, "load", STEPS)).seconds);
    }
    process.stderr.write(`rep ${r + 1}/${REPS}: ${SIDES.map((s) => `${s} ${times.train[s][r].toFixed(2)} s`).join(", ")}\n`);
  }
  const minutes = (performance.now() - t0) / 60000;
  py.stdin.end();

  const ratio = (a: Side, b: Side, what: What = "train"): number[] => times[what][a].map((t, i) => t / times[what][b][i]);
  const ms = (s: Side, what: What): string => ((1000 * median(times[what][s])) / STEPS).toFixed(2);
  const out: string[] = [];
  out.push("## Data loader overhead (bench/dataloader.ts)");
  out.push("");
  out.push(
    `Run on ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${minutes.toFixed(1)} minutes: \`node dist/bench/dataloader.js --steps ${STEPS} --reps ${REPS}\`. ` +
      `${REPS} interleaved repetitions (the side that goes first rotates) of a ${STEPS}-step partial epoch of the seed's CNN on CIFAR-10 ` +
      `(batch ${BATCH}, shuffled, Adam 1e-3, tch initialisation, loss.item() every batch; a partial epoch to keep the run short on the shared 2-core VM), ` +
      `each side after an untimed 10-step warm-up; ${THREADS} threads each; PyTorch ${String(info.torch)}. ` +
      `"Loading only" draws the same ${STEPS} batches without training. Ratios are per repetition (median, min–max). Load average ${load0} → ${loadavg()}.`,
  );
  out.push("");
  out.push("| feeding the CNN | ms per training step (median) | ms per batch, loading only | loss over the steps (rep 1) |");
  out.push("|---|---:|---:|---:|");
  for (const s of SIDES) out.push(`| ${s} | ${ms(s, "train")} | ${ms(s, "load")} | ${losses[s][0].toFixed(4)} |`);
  out.push("");
  out.push("| ratio of partial-epoch times | median (min–max) |");
  out.push("|---|---:|");
  out.push(`| tstorch DataLoader / tstorch data.batches | ${fmtRatio(ratio("tstorch DataLoader", "tstorch data.batches"))} |`);
  out.push(`| tstorch DataLoader / PyTorch DataLoader | ${fmtRatio(ratio("tstorch DataLoader", "PyTorch DataLoader"))} |`);
  out.push(`| tstorch DataLoader / PyTorch randperm + index | ${fmtRatio(ratio("tstorch DataLoader", "PyTorch randperm + index"))} |`);
  out.push(`| tstorch data.batches / PyTorch randperm + index | ${fmtRatio(ratio("tstorch data.batches", "PyTorch randperm + index"))} |`);
  out.push("");
  out.push(
    "Raw seconds per repetition: " +
      SIDES.map((s) => `${s} ${times.train[s].map((t) => t.toFixed(3)).join(", ")} (loading only ${times.load[s].map((t) => t.toFixed(3)).join(", ")})`).join("; ") +
      ".",
  );
  const section = out.join("\n");
  console.log(section);
  if (argv.includes("--write")) {
    const file = join(repoRoot, "docs/benchmarks.md");
    writeMarkedBlock(file, "dataloader-bench", section);
    console.error(`wrote ${file}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  py.kill();
  process.exit(1);
});
