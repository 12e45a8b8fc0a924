// airbench94, tstorch (examples/airbench94.ts) against PyTorch (bench/airbench94_torch.py), in one
// run: both processes are started with the same seed and options and driven in lock-step, one
// training step at a time, alternating which goes first, so that the machine's noise falls on both
// alike. It reports the step losses side by side (the parity check: same seed, same draws, float32
// on the CPU), the per-step times and their ratio, and the time of one epoch (the whitening
// initialisation plus the epoch's steps) for each.
//   node dist/bench/airbench.js [--steps 50] [--batch-size 1024] [--threads 2] [--write] [--json FILE]
// --write puts the result between <!-- airbench-bench:start/end --> in docs/benchmarks.md.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { writeMarkedBlock } from "./doc-block.js";
import { describeMachine, loadAverage } from "./machine.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};

interface Event {
  event: string;
  [k: string]: unknown;
}

/** One side: a child process that prints one JSON line per event and waits for a line per step. */
class Side {
  private readonly lines: string[] = [];
  private waiting: ((e: Event) => void) | null = null;
  readonly stderr: string[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  constructor(readonly name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(cmd, args, { cwd: repoRoot, env });
    createInterface({ input: this.proc.stdout }).on("line", (l) => {
      if (!l.startsWith("{")) return;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(JSON.parse(l) as Event);
      } else this.lines.push(l);
    });
    createInterface({ input: this.proc.stderr }).on("line", (l) => {
      this.stderr.push(l);
      if (this.stderr.length > 50) this.stderr.shift();
    });
  }
  next(timeoutMs = 900_000): Promise<Event> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(JSON.parse(l) as Event);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no output within ${timeoutMs / 1000} s\n${this.stderr.join("\n")}`)), timeoutMs);
      const onExit = (code: number | null): void => reject(new Error(`${this.name} exited (${code})\n${this.stderr.join("\n")}`));
      this.proc.once("exit", onExit);
      this.waiting = (e) => {
        clearTimeout(t);
        this.proc.off("exit", onExit);
        resolve(e);
      };
    });
  }
  async until(kind: string): Promise<Event> {
    for (;;) {
      const e = await this.next();
      if (e.event === kind) return e;
    }
  }
  go(): void {
    this.proc.stdin.write("\n");
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

async function main(): Promise<void> {
  const steps = Number(opt("steps", "50"));
  const batch = opt("batch-size", "1024");
  const threads = opt("threads", "2");
  const data = opt("data", ".cache/cifar10");
  const common = ["--data", data, "--batch-size", batch, "--steps", String(steps), "--threads", threads, "--eval", "none", "--lockstep"];
  if (argv.includes("--limit-train")) common.push("--limit-train", opt("limit-train", ""));
  const env = { ...process.env, OMP_NUM_THREADS: threads };
  // started one after the other, so that each loads its data and whitens alone (then waits for its first step)
  const sides: Side[] = [];
  try {
    const inits: Event[] = [];
    for (const [name, cmd, script, extra] of [
      ["tstorch", process.execPath, "dist/examples/airbench94.js", ["--json"]],
      ["PyTorch", "/usr/bin/python3", "bench/airbench94_torch.py", []],
    ] as const) {
      const side = new Side(name, cmd, [join(repoRoot, script), ...extra, ...common], env);
      sides.push(side);
      inits.push(await side.until("init"));
    }
    const w0 = inits[0].weights as Record<string, number>;
    const w1 = inits[1].weights as Record<string, number>;
    const initDiff = Math.max(...Object.keys(w1).map((k) => Math.abs(w0[k] - w1[k]) / Math.max(1, Math.abs(w1[k]))));
    const loss: number[][] = [[], []];
    const ms: number[][] = [[], []];
    for (let i = 0; i < steps; i++) {
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        sides[k].go();
        const e = await sides[k].until("step");
        loss[k].push(e.loss as number);
        ms[k].push(e.ms as number);
      }
      process.stderr.write(`step ${i + 1}/${steps}: tstorch ${loss[0][i].toFixed(4)} (${ms[0][i].toFixed(0)} ms), PyTorch ${loss[1][i].toFixed(4)} (${ms[1][i].toFixed(0)} ms)\n`);
    }
    await Promise.all(sides.map((s) => s.until("done")));

    const n = Number(batch);
    const perEpoch = Math.floor((opt("limit-train", "") ? Number(opt("limit-train", "")) : 50_000) / n);
    const relDiff = loss[0].map((l, i) => Math.abs(l - loss[1][i]) / Math.abs(loss[1][i]));
    const ratios = ms[0].map((t, i) => t / ms[1][i]);
    const epochS = [0, 1].map((k) => ((inits[k].ms as number) + ms[k].slice(0, perEpoch).reduce((a, b) => a + b, 0)) / 1000);
    const m = describeMachine(repoRoot);
    const out: string[] = [];
    out.push("## airbench94 on the CPU: tstorch vs PyTorch, step by step");
    out.push("");
    out.push(
      `\`node dist/bench/airbench.js --steps ${steps} --batch-size ${batch} --threads ${threads}\`, ${new Date().toISOString().slice(0, 10)}, ` +
        `${m.cpu}, ${m.logicalCores} logical cores, ${m.memTotalGiB.toFixed(0)} GiB, ${m.os}, Node ${m.node}, commit ${m.gitCommit}, ` +
        `load average at the end ${loadAverage()}. Both processes got the same seed and options and ran in lock-step, one ` +
        "training step at a time, alternating which went first; float32, channels-last, on the CPU.",
    );
    out.push("");
    out.push("| | tstorch | PyTorch 1.13 | tstorch / PyTorch |");
    out.push("|---|---:|---:|---:|");
    out.push(`| whitening initialisation | ${(inits[0].ms as number).toFixed(0)} ms | ${(inits[1].ms as number).toFixed(0)} ms | ${((inits[0].ms as number) / (inits[1].ms as number)).toFixed(2)} |`);
    out.push(
      `| step time, median (min–max) | ${quantile(ms[0], 0.5).toFixed(0)} ms (${Math.min(...ms[0]).toFixed(0)}–${Math.max(...ms[0]).toFixed(0)}) | ` +
        `${quantile(ms[1], 0.5).toFixed(0)} ms (${Math.min(...ms[1]).toFixed(0)}–${Math.max(...ms[1]).toFixed(0)}) | ` +
        `${quantile(ratios, 0.5).toFixed(2)} (per-step ratios ${quantile(ratios, 0.1).toFixed(2)}–${quantile(ratios, 0.9).toFixed(2)}, 10th–90th percentile) |`,
    );
    if (steps >= perEpoch) {
      out.push(`| one epoch (${perEpoch} steps + whitening) | ${epochS[0].toFixed(1)} s | ${epochS[1].toFixed(1)} s | ${(epochS[0] / epochS[1]).toFixed(2)} |`);
    }
    out.push("");
    out.push(
      `Parity: the initial weights agree to ${initDiff.toExponential(1)} (relative, Σ|w| per tensor); the summed ` +
        `label-smoothed losses of the ${steps} steps agree to at most ${(100 * Math.max(...relDiff)).toExponential(1)} % ` +
        `(median ${(100 * quantile(relDiff, 0.5)).toExponential(1)} %), step 1: ${loss[0][0].toFixed(4)} vs ${loss[1][0].toFixed(4)}, ` +
        `step ${steps}: ${loss[0][steps - 1].toFixed(4)} vs ${loss[1][steps - 1].toFixed(4)}.`,
    );
    const section = out.join("\n");
    console.log(section);
    const json = opt("json", "");
    if (json) writeFileSync(json, JSON.stringify({ steps, batch, threads, inits, loss, ms, relDiff, epochS }, null, 1));
    if (argv.includes("--write")) {
      const file = join(repoRoot, "docs/benchmarks.md");
      writeMarkedBlock(file, "airbench-bench", section);
      console.error(`wrote ${file}`);
    }
  } finally {
    for (const s of sides) s.proc.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
