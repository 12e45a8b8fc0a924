// Shared by the cli-*.test.ts files: run `bin/tstorch.js` as a subprocess and check its files.
// (node --test also loads this file; it defines no tests.)
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { decodePng } from "../../src/io/png.js";
import { readSafetensorsFile } from "../../src/io/safetensors.js";
import { REPO_ROOT } from "./cifar.js";

export const BIN = path.join(REPO_ROOT, "bin", "tstorch.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the child and its stdout so far whenever stdout grows. */
  onStdout?: (child: ChildProcess, stdout: string) => void;
  timeoutMs?: number;
}

/** Runs the CLI to completion (killed after timeoutMs, default 120 s). */
export function runCli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...o.env };
    delete env.CIFAR10_DIR;
    if (o.env?.CIFAR10_DIR !== undefined) env.CIFAR10_DIR = o.env.CIFAR10_DIR;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      o.onStdout?.(child, stdout);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function tmpDir(t: { after: (fn: () => void) => void }, prefix = "tstorch-cli-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ACC_ROW = /^(\d+),(\d+\.\d{3}),([01]\.\d{5})$/;
const LOSS_ROW = /^(\d+),(\d+\.\d{3}),(\d+\.\d{6})$/;

/**
 * Parses the stdout CSV strictly: exactly the header, then one well-formed row per epoch,
 * consecutive from `firstEpoch`, times non-decreasing, and nothing else. Throws otherwise.
 */
export function parseCsv(stdout: string, kind: "acc" | "loss", firstEpoch = 1): { epoch: number; time: number; value: number }[] {
  if (!stdout.endsWith("\n")) throw new Error(`stdout does not end with a newline: ${JSON.stringify(stdout.slice(-80))}`);
  const lines = stdout.slice(0, -1).split("\n");
  const header = kind === "acc" ? "epoch,time,acc" : "epoch,time,loss";
  if (lines[0] !== header) throw new Error(`header is ${JSON.stringify(lines[0])}, expected ${header}`);
  const re = kind === "acc" ? ACC_ROW : LOSS_ROW;
  let lastTime = 0;
  return lines.slice(1).map((line, i) => {
    const m = re.exec(line);
    if (m === null) throw new Error(`row ${i + 1} is malformed: ${JSON.stringify(line)}`);
    const row = { epoch: Number(m[1]), time: Number(m[2]), value: Number(m[3]) };
    if (row.epoch !== firstEpoch + i) throw new Error(`row ${i + 1} has epoch ${row.epoch}, expected ${firstEpoch + i}`);
    if (row.time < lastTime) throw new Error(`time goes backwards at row ${i + 1}`);
    lastTime = row.time;
    return row;
  });
}

/** metrics.csv as rows of numbers (NaN for empty cells). */
export function readMetrics(file: string): { epoch: number; time: number; trainLoss: number; testLoss: number; testAcc: number }[] {
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  if (lines[0] !== "epoch,time,train_loss,test_loss,test_acc") throw new Error(`metrics.csv header: ${lines[0]}`);
  return lines.slice(1).map((l) => {
    const c = l.split(",");
    if (c.length !== 5) throw new Error(`metrics.csv row: ${l}`);
    const n = (s: string): number => (s === "" ? NaN : Number(s));
    return { epoch: n(c[0]), time: n(c[1]), trainLoss: n(c[2]), testLoss: n(c[3]), testAcc: n(c[4]) };
  });
}

export function pngSize(file: string): { width: number; height: number } {
  const { width, height, data } = decodePng(fs.readFileSync(file));
  if (data.length !== width * height * 4) throw new Error(`${file}: decoded ${data.length} bytes for ${width}x${height}`);
  return { width, height };
}

/** True when the file is well-formed XML whose root element is <svg>. */
export function svgParses(file: string): boolean {
  const text = fs.readFileSync(file, "utf8");
  return XMLValidator.validate(text) === true && /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(text);
}

export function checkpointMeta(file: string): Record<string, string> {
  return readSafetensorsFile(file).metadata ?? {};
}

/** Files in `dir` (empty when it does not exist). */
export function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
