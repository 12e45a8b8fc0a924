// The optimiser step of a 10 M-parameter model (an MLP-like mix: three large matrices and 400
// small tensors, fixed gradients): Adam, AdamW and SGD with momentum, tstorch against PyTorch in
// the same run. Each optimiser runs in both forms on both sides: the single-tensor loop
// (foreach: false; PyTorch's CPU default) and the multi-tensor _foreach_* form (foreach: true;
// tstorch's default). Repetitions alternate between the two libraries (the machine may be shared:
// compare ratios from the same run); the table gives the median ms per step and the spread (min-max),
// in wall-clock time and in CPU time of the process (all its threads: user + system). On a shared,
// loaded machine wall time mostly measures the scheduler; CPU time is what each library spent.
//   npm run build && node dist/bench/optim-step.js [--steps 10] [--reps 5] [--threads 1]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const STEPS = Number(arg("steps", "10"));
const REPS = Number(arg("reps", "5"));
const THREADS = Number(arg("threads", "1"));
const SIZES: number[][] = [[2000, 2000], [2000, 2000], [1000, 1500]];
for (let i = 0; i < 200; i++) SIZES.push([32, 32], [256]);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
torch.setNumThreads(THREADS);

const { optim } = torch;
type Maker = (P: torch.Tensor[], foreach: boolean) => torch.optim.Optimizer;
const MAKERS: Record<string, Maker> = {
  Adam: (P, foreach) => new optim.Adam(P, 1e-3, { foreach }),
  AdamW: (P, foreach) => new optim.AdamW(P, 1e-3, { foreach }),
  "SGD momentum": (P, foreach) => new optim.SGD(P, 1e-2, { momentum: 0.9, foreach }),
};
const CASES = Object.keys(MAKERS).flatMap((n) => [`${n} single`, `${n} foreach`]);

interface Sample {
  wall: number;
  cpu: number;
}

function tsMeasure(kase: string): Sample {
  const name = kase.replace(/ (single|foreach)$/, "");
  torch.manualSeed(0);
  const P = SIZES.map((s) => torch.persist(torch.randn(s).requiresGrad_(true)));
  for (const p of P) torch.scope(() => (p.grad = torch.randn(p.shape)));
  const opt = MAKERS[name](P, kase.endsWith("foreach"));
  for (let i = 0; i < 3; i++) torch.scope(() => opt.step());
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) torch.scope(() => opt.step());
  const wall = (performance.now() - t0) / STEPS;
  const c = process.cpuUsage(c0);
  opt.dispose();
  for (const p of P) p.dispose();
  return { wall, cpu: (c.user + c.system) / 1000 / STEPS };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const push = (m: Map<string, number[]>, k: string, v: number): void => void m.set(k, [...(m.get(k) ?? []), v]);

const tsTimes = new Map<string, number[]>();
const pyTimes = new Map<string, number[]>();
const tsCpu = new Map<string, number[]>();
const pyCpu = new Map<string, number[]>();
const loads: number[] = [];
for (let rep = 0; rep < REPS; rep++) {
  loads.push(loadavg()[0]);
  for (const kase of CASES) {
    const m = tsMeasure(kase);
    push(tsTimes, kase, m.wall);
    push(tsCpu, kase, m.cpu);
  }
  const cfg = { threads: THREADS, steps: STEPS, reps: 1, sizes: SIZES, cases: CASES };
  const r = spawnSync("/usr/bin/python3", [join(repoRoot, "bench/optim_step_torch.py"), JSON.stringify(cfg)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/optim_step_torch.py failed: ${r.stderr}`);
  for (const line of r.stdout.trim().split("\n")) {
    const m = JSON.parse(line) as { case: string; ms_per_step: number; cpu_ms_per_step: number };
    push(pyTimes, m.case, m.ms_per_step);
    push(pyCpu, m.case, m.cpu_ms_per_step);
  }
}

const params = SIZES.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
const cell = (xs: number[]): string => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
console.log(`optimiser step, ${(params / 1e6).toFixed(2)} M float32 parameters in ${SIZES.length} tensors, ${THREADS} thread(s), libtorch ${torch.versions().libtorch}; ${REPS} reps x ${STEPS} steps, ms/step median (min-max); load average ${loads.map((l) => l.toFixed(1)).join(", ")}`);
console.log("| optimiser | tstorch wall | PyTorch wall | ratio | tstorch CPU | PyTorch CPU | ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
const ratio = (a: number[], b: number[]): string => (median(a) / median(b)).toFixed(2);
for (const kase of CASES) {
  const [t, p, tc, pc] = [tsTimes, pyTimes, tsCpu, pyCpu].map((m) => m.get(kase)!);
  console.log(`| ${kase} | ${cell(t)} | ${cell(p)} | ${ratio(t, p)} | ${cell(tc)} | ${cell(pc)} | ${ratio(tc, pc)} |`);
}
