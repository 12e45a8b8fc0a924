// Peak resident memory (the process's maximum RSS, VmHWM) and CPU time of tstorch vs PyTorch on
// whole training programs, each run as a fresh process per side, interleaved:
//   mnist-cnn   PyTorch's examples/mnist CNN on Fashion-MNIST, 1,000-image evaluation batches
//   lstm-lbfgs  PyTorch's examples/time_sequence_prediction: two LSTMCells, float64, LBFGS
//   cli-cnn     `tstorch cifar10 cnn --epochs 1` vs the reference script (shared/reference/torch_reference.py)
// (the first two: bench/peak-rss-workloads.ts and bench/peak_rss_torch.py). /usr/bin/time measures
// each child (ru_maxrss is VmHWM at exit; user + sys CPU seconds), so nothing of the measured
// process is left out: node or Python, libtorch, the data, the allocator's cache.
//   node dist/bench/peak-rss.js [--runs 1] [--only mnist-cnn,lstm-lbfgs,cli-cnn] [--python /usr/bin/python3]
// The CLI workload needs CIFAR-10 in .cache/cifar10 and the reference script in ../shared/reference.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = resolve(here, "..", "..");
const python = arg("python", "/usr/bin/python3");
const runs = Number(arg("runs", "1"));
const only = arg("only", "mnist-cnn,lstm-lbfgs,cli-cnn").split(",");

interface Measure {
  peakMiB: number;
  cpuSeconds: number;
}

/** Runs cmd under /usr/bin/time; its last stderr line is "maxrss-KiB user sys". */
function measure(cmd: string[], cwd: string): Measure {
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", ...cmd], { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(last);
  if (r.status !== 0 || !m) throw new Error(`peak-rss: ${cmd.join(" ")} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { peakMiB: Number(m[1]) / 1024, cpuSeconds: Number(m[2]) + Number(m[3]) };
}

function commands(workload: string, out: string): { tstorch: string[]; torch: string[] } {
  if (workload === "cli-cnn") {
    const ref = resolve(root, "..", "shared", "reference", "torch_reference.py");
    const data = join(root, ".cache", "cifar10");
    if (!existsSync(ref) || !existsSync(data)) throw new Error(`peak-rss: cli-cnn needs ${ref} and ${data}`);
    return {
      tstorch: [process.execPath, join(root, "bin", "tstorch.js"), "cifar10", "cnn", "--epochs", "1", "--batch-size", "128", "--threads", "2", "--data", data, "--out", out],
      torch: [python, ref, "--data", data, "--threads", "2", "minibatch", "--model", "cnn", "--epochs", "1"],
    };
  }
  return {
    tstorch: [process.execPath, join(here, "peak-rss-workloads.js"), workload],
    torch: [python, join(root, "bench", "peak_rss_torch.py"), workload],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = mkdtempSync(join(tmpdir(), "tstorch-peak-rss-"));
try {
  console.log("| workload | tstorch MiB | PyTorch MiB | ratio | tstorch CPU s | PyTorch CPU s |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const w of only) {
    const cmd = commands(w, out);
    const t: Measure[] = [];
    const p: Measure[] = [];
    for (let i = 0; i < runs; i++) {
      t.push(measure(cmd.tstorch, root));
      p.push(measure(cmd.torch, root));
    }
    const [tm, pm] = [median(t.map((m) => m.peakMiB)), median(p.map((m) => m.peakMiB))];
    const cpu = (ms: Measure[]): string => ms.map((m) => m.cpuSeconds.toFixed(1)).join(" / ");
    console.log(`| ${w} | ${tm.toFixed(0)} | ${pm.toFixed(0)} | ${(tm / pm).toFixed(2)} | ${cpu(t)} | ${cpu(p)} |`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
