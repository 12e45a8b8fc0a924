// The optimiser step of a 10 M-parameter model (four 1000 x 2500 float32 matrices, fixed gradients):
// Adam, AdamW and SGD with momentum, tstorch against PyTorch in the same run, each with its
// defaults (tstorch: multi-tensor Adam; PyTorch: its CPU default, the single-tensor loop), plus
// PyTorch's foreach Adam and tstorch's per-parameter Adam for reference. Repetitions alternate
// between the two libraries; the table gives the median milliseconds per step.
//   npm run build && node dist/bench/optim-step.js [--steps 20] [--reps 5] [--threads 2]
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const STEPS = Number(arg("steps", "20"));
const REPS = Number(arg("reps", "5"));
const THREADS = Number(arg("threads", "2"));
const SIZES: [number, number][] = [[1000, 2500], [1000, 2500], [1000, 2500], [1000, 2500]];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
torch.setNumThreads(THREADS);

const { optim } = torch;
const TS: Record<string, (P: torch.Tensor[]) => torch.optim.Optimizer> = {
  Adam: (P) => new optim.Adam(P, 1e-3),
  AdamW: (P) => new optim.AdamW(P, 1e-3),
  "SGD momentum": (P) => new optim.SGD(P, 1e-2, { momentum: 0.9 }),
  "Adam per-parameter": (P) => new optim.Adam(P, 1e-3, { foreach: false }),
};
const PY_CASES = ["Adam", "AdamW", "SGD momentum", "Adam foreach"];

function tsMeasure(name: string): number {
  torch.manualSeed(0);
  const P = SIZES.map((s) => torch.persist(torch.randn(s).requiresGrad_(true)));
  for (const p of P) torch.scope(() => (p.grad = torch.randn(p.shape)));
  const opt = TS[name](P);
  for (let i = 0; i < 3; i++) torch.scope(() => opt.step());
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) torch.scope(() => opt.step());
  const ms = (performance.now() - t0) / STEPS;
  opt.dispose();
  for (const p of P) p.dispose();
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const tsTimes = new Map<string, number[]>();
const pyTimes = new Map<string, number[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const name of Object.keys(TS)) {
    const list = tsTimes.get(name) ?? [];
    list.push(tsMeasure(name));
    tsTimes.set(name, list);
  }
  const r = spawnSync("/usr/bin/python3", [join(repoRoot, "bench/optim_step_torch.py"), JSON.stringify({ threads: THREADS, steps: STEPS, reps: 1, sizes: SIZES, cases: PY_CASES })], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/optim_step_torch.py failed: ${r.stderr}`);
  for (const line of r.stdout.trim().split("\n")) {
    const m = JSON.parse(line) as { case: string; ms_per_step: number };
    const list = pyTimes.get(m.case) ?? [];
    list.push(m.ms_per_step);
    pyTimes.set(m.case, list);
  }
}

const params = SIZES.reduce((n, [r, c]) => n + r * c, 0);
console.log(`optimiser step, ${(params / 1e6).toFixed(1)} M float32 parameters in ${SIZES.length} tensors, ${THREADS} threads, libtorch ${torch.versions().libtorch}; median of ${REPS} x ${STEPS} steps (ms/step)`);
console.log("| optimiser | tstorch | PyTorch | tstorch / PyTorch |");
console.log("|---|---:|---:|---:|");
for (const name of ["Adam", "AdamW", "SGD momentum"]) {
  const t = median(tsTimes.get(name)!);
  const p = median(pyTimes.get(name)!);
  console.log(`| ${name} | ${t.toFixed(2)} | ${p.toFixed(2)} | ${(t / p).toFixed(2)} |`);
}
console.log(`| Adam per-parameter (tstorch) / foreach (PyTorch) | ${median(tsTimes.get("Adam per-parameter")!).toFixed(2)} | ${median(pyTimes.get("Adam foreach")!).toFixed(2)} | |`);
