// The run's folder (--out): checked before anything is written, created only once every input
// has been validated, and filled with atomic writes only (temp file + rename), so a crash, a
// kill or a second Ctrl-C leaves each file either absent, old or complete.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { UsageError } from "./errors.js";
import { chartSpec, renderChart, type MetricsRow } from "./chart.js";
import type { ModelName } from "./args.js";

export const FILES = {
  metrics: "metrics.csv",
  chartSvg: "chart.svg",
  chartPng: "chart.png",
  final: "final.safetensors",
  best: "best.safetensors",
  config: "config.json",
  grid: "reconstructions.png",
} as const;

/** runs/<model>-YYYYMMDD-HHMMSS (with -2, -3... if that exists already). */
export function defaultOutDir(model: ModelName, now = new Date(), root = "runs"): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const base = path.join(root, `${model}-${stamp}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/**
 * Fails (UsageError) when `dir` cannot become a writable folder: it is a file, lies below a
 * file, or the nearest existing folder is not writable. Creates nothing.
 */
export function checkOutDir(dir: string): void {
  const abs = path.resolve(dir);
  let probe = abs;
  for (;;) {
    const st = statOrNotDir(probe);
    if (st === "notdir") {
      probe = path.dirname(probe);
      continue;
    }
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw new UsageError(
          probe === abs ? `--out ${dir}: exists and is not a folder` : `--out ${dir}: cannot create it, ${probe} is not a folder`,
        );
      }
      try {
        fs.accessSync(probe, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        throw new UsageError(`--out ${dir}: ${probe} is not writable`);
      }
      return;
    }
    const parent = path.dirname(probe);
    if (parent === probe) return;
    probe = parent;
  }
}

/** stat, with "notdir" when a parent of `p` is a file (ENOTDIR) and undefined when absent. */
function statOrNotDir(p: string): fs.Stats | "notdir" | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return "notdir";
    throw new UsageError(`--out ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Creates the folder and proves it writable with a throwaway file; removes stale temp files of killed runs. */
export function prepareOutDir(dir: string): void {
  try {
    mkdirs(path.resolve(dir));
    const probe = path.join(dir, `.tstorch-write-test.${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    throw new UsageError(`--out ${dir}: not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  removeStaleTempFiles(dir);
}

/**
 * mkdir -p one level at a time: Node's recursive mkdirSync spins forever on some virtual file
 * systems (e.g. below /proc, where mkdir keeps answering ENOENT).
 */
function mkdirs(abs: string): void {
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (st?.isDirectory()) return;
  const parent = path.dirname(abs);
  if (parent !== abs) mkdirs(parent);
  fs.mkdirSync(abs);
}

// writeFileAtomic's temp names: .<file>.<pid>.<8 hex>.tmp
const TEMP_RE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function removeStaleTempFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const m = TEMP_RE.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function metricsCsv(rows: readonly MetricsRow[]): string {
  const f = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : "");
  const lines = ["epoch,time,train_loss,test_loss,test_acc"];
  for (const r of rows) lines.push(`${r.epoch},${r.time.toFixed(3)},${f(r.trainLoss, 6)},${f(r.testLoss, 6)},${f(r.testAcc, 5)}`);
  return `${lines.join("\n")}\n`;
}

export function writeMetrics(dir: string, rows: readonly MetricsRow[]): void {
  writeFileAtomic(path.join(dir, FILES.metrics), metricsCsv(rows));
}

export function writeConfig(dir: string, config: unknown): void {
  writeFileAtomic(path.join(dir, FILES.config), `${JSON.stringify(config, null, 2)}\n`);
}

/** chart.svg and chart.png from the same Vega rendering (skipped, with a warning, without the chart packages). */
export async function writeChart(dir: string, rows: readonly MetricsRow[], model: ModelName, subtitle: string): Promise<void> {
  const classifier = model !== "autoencoder";
  const spec = chartSpec(rows, `tstorch cifar10 ${model}: ${subtitle}`, classifier, classifier ? "test loss" : "held-out loss");
  const chart = await renderChart(spec);
  if (chart === null) return;
  writeFileAtomic(path.join(dir, FILES.chartSvg), chart.svg);
  writeFileAtomic(path.join(dir, FILES.chartPng), chart.png);
}
