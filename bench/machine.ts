// What machine the benchmark ran on: CPU, cores, memory, OS, load.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as os from "node:os";

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export interface Machine {
  cpu: string;
  logicalCores: number;
  physicalCores: number | null;
  memTotalGiB: number;
  os: string;
  kernel: string;
  node: string;
  thp: string;
  gitCommit: string;
  /** nvidia-smi's name, driver and memory of each GPU, when there is one. */
  gpu: string | null;
}

function gpuDescription(): string | null {
  try {
    const out = execFileSync("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000,
    }).trim();
    return out === "" ? null : out.split("\n").join("; ");
  } catch {
    return null;
  }
}

export function describeMachine(repoRoot: string): Machine {
  const cpuinfo = read("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  // physical cores: distinct (physical id, core id) pairs
  const cores = new Set<string>();
  let phys = "0";
  for (const line of cpuinfo.split("\n")) {
    const [k, v] = line.split(":").map((s) => s.trim());
    if (k === "physical id") phys = v;
    if (k === "core id") cores.add(`${phys}/${v}`);
  }
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(read("/proc/meminfo"))?.[1] ?? NaN);
  const osName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read("/etc/os-release"))?.[1] ?? os.type();
  const thpSel = (p: string): string => /\[(\w+)\]/.exec(read(p))?.[1] ?? "?";
  let gitCommit = "unknown";
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, encoding: "utf8" }).trim() !== "";
    gitCommit = head + (dirty ? " (with uncommitted changes)" : "");
  } catch {
    // not a git checkout
  }
  return {
    cpu: model,
    logicalCores: os.availableParallelism(),
    physicalCores: cores.size > 0 ? cores.size : null,
    memTotalGiB: memKb / 2 ** 20,
    os: osName,
    kernel: os.release(),
    node: process.version,
    thp: `enabled=${thpSel("/sys/kernel/mm/transparent_hugepage/enabled")}, defrag=${thpSel("/sys/kernel/mm/transparent_hugepage/defrag")}`,
    gitCommit,
    gpu: gpuDescription(),
  };
}

export function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** MemAvailable from /proc/meminfo, GiB. */
export function memAvailableGiB(): number {
  const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(read("/proc/meminfo"))?.[1] ?? NaN);
  return kb / 2 ** 20;
}
