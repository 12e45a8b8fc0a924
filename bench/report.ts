// Statistics and rendering: the console table and docs/benchmarks.md.
import type { Machine } from "./machine.js";
import type { Bench, Info, Memory, RunResult } from "./protocol.js";

export type Side = "tstorch" | "tstorch-glibc" | "pytorch" | "tfjs" | "cpp";
export const SIDE_LABEL: Record<Side, string> = {
  tstorch: "tstorch",
  "tstorch-glibc": "tstorch (glibc alloc.)",
  pytorch: "PyTorch",
  tfjs: "tfjs (cpu)",
  cpp: "C++ libtorch (floor)",
};

export interface ItemSpec {
  /** The --only key. */
  name: string;
  title: string;
  /** The displayed number's unit. */
  unit: string;
  /** The displayed number from one measurement (seconds → µs/op, GFLOP/s, ...). */
  value: (r: RunResult) => number;
  /** For rates (GFLOP/s) the bigger number is the faster one; ratios are always of times. */
  rate?: boolean;
  bench: Bench;
  /** The untimed first run in each process (defaults to `bench`). */
  warmup?: Bench;
  sides: Side[];
  reps: number;
  /** "shared": one long-lived process per side for all its reps; "fresh": a new process per rep and side. */
  mode: "shared" | "fresh";
  /** Describes the workload in the document. */
  note: string;
}

export interface Sample {
  side: Side;
  rep: number;
  warmup: RunResult;
  result: RunResult;
  memory?: Memory;
}

export interface ItemResult {
  spec: ItemSpec;
  samples: Sample[];
  errors: string[];
  loadStart: string;
  loadEnd: string;
  wallSeconds: number;
}

export interface RunMeta {
  machine: Machine;
  device?: "cpu" | "cuda";
  infos: Partial<Record<Side, Info>>;
  quick: boolean;
  command: string;
  threads: number;
  started: Date;
  finished: Date;
  loadStart: string;
  loadEnd: string;
  dataDir: string;
}

// ---------------------------------------------------------------- statistics
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function bySide(r: ItemResult, side: Side): Sample[] {
  return r.samples.filter((s) => s.side === side).sort((a, b) => a.rep - b.rep);
}

/** Median of the displayed value for one side, or NaN. */
export function sideMedian(r: ItemResult, side: Side, f: (s: Sample) => number = (s) => r.spec.value(s.result)): number {
  return median(bySide(r, side).map(f));
}

/** Median and min–max of the per-pair time ratios side/base (pairs are the same rep). */
export function pairRatios(r: ItemResult, side: Side, base: Side = "pytorch", f: (s: Sample) => number = (s) => s.result.seconds):
  { median: number; min: number; max: number; n: number } {
  const a = bySide(r, side);
  const b = new Map(bySide(r, base).map((s) => [s.rep, s]));
  const ratios: number[] = [];
  for (const s of a) {
    const o = b.get(s.rep);
    if (o !== undefined) ratios.push(f(s) / f(o));
  }
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), n: ratios.length };
}

// ---------------------------------------------------------------- formatting
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function fmtRatio(q: { median: number; min: number; max: number; n: number }): string {
  if (q.n === 0 || !Number.isFinite(q.median)) return "–";
  return `${q.median.toFixed(2)} (${q.min.toFixed(2)}–${q.max.toFixed(2)})`;
}

const TABLE_SIDES: Side[] = ["tstorch", "tstorch-glibc", "pytorch", "cpp", "tfjs"];

function present(results: ItemResult[]): Side[] {
  return TABLE_SIDES.filter((s) => results.some((r) => r.samples.some((x) => x.side === s)));
}

/** Rows of the main table (strings), header first. */
export function mainTable(results: ItemResult[]): string[][] {
  const sides = present(results);
  const ratioSides = sides.filter((s) => s !== "pytorch" && s !== "cpp");
  // the floor: tstorch's time over plain C++'s on the same libtorch (what the binding itself costs)
  const floor = sides.includes("cpp");
  const head = ["benchmark", "unit", ...sides.map((s) => SIDE_LABEL[s]), ...ratioSides.map((s) => `${SIDE_LABEL[s]} / PyTorch`),
    ...(floor ? ["tstorch / C++"] : [])];
  const rows = [head];
  for (const r of results) {
    const row = [r.spec.title, r.spec.unit];
    for (const s of sides) row.push(fmt(sideMedian(r, s)));
    for (const s of ratioSides) row.push(fmtRatio(pairRatios(r, s)));
    if (floor) row.push(fmtRatio(pairRatios(r, "tstorch", "cpp")));
    if (r.errors.length > 0) row[0] += " (errors)";
    rows.push(row);
  }
  return rows;
}

/** Peak resident memory of the fresh-process items. */
export function memoryTable(results: ItemResult[]): string[][] {
  const fresh = results.filter((r) => r.spec.mode === "fresh" && r.samples.some((s) => s.memory));
  if (fresh.length === 0) return [];
  const sides = present(fresh);
  const ratioSides = sides.filter((s) => s !== "pytorch");
  const rows = [["workload (fresh process per side)", ...sides.map((s) => `${SIDE_LABEL[s]} MiB`), ...ratioSides.map((s) => `${SIDE_LABEL[s]} / PyTorch`), "tstorch allocator peak (live) MiB"]];
  for (const r of fresh) {
    const peak = (s: Sample): number => s.memory?.peakRssMiB ?? NaN;
    const row = [r.spec.title];
    for (const s of sides) row.push(fmt(sideMedian(r, s, peak)));
    for (const s of ratioSides) row.push(fmtRatio(pairRatios(r, s, "pytorch", peak)));
    row.push(fmt(sideMedian(r, "tstorch", (s) => Number(s.memory?.extra?.peakAllocatedMiB ?? NaN))));
    rows.push(row);
  }
  return rows;
}

/** Forward / backward / optimiser split and first loss of the training steps. */
export function stepTable(results: ItemResult[]): string[][] {
  const steps = results.filter((r) => r.spec.bench.kind === "step");
  if (steps.length === 0) return [];
  const rows = [["workload", "side", "first step s", "forward s", "backward s", "Adam s", "step s (median)", "first loss"]];
  for (const r of steps) {
    for (const side of TABLE_SIDES) {
      const ss = bySide(r, side);
      if (ss.length === 0) continue;
      const m = (f: (x: RunResult) => number | undefined): string => fmt(median(ss.map((s) => f(s.result) ?? NaN)));
      rows.push([
        r.spec.title, SIDE_LABEL[side],
        fmt(median(ss.map((s) => s.warmup.seconds))),
        m((x) => x.fwd), m((x) => x.bwd), m((x) => x.opt), m((x) => x.seconds),
        ss[0].warmup.loss !== undefined ? ss[0].warmup.loss.toFixed(5) : "–",
      ]);
    }
  }
  return rows;
}

/** The CNN training step's cost per image, across batch sizes and frameworks. */
export function perImageTable(results: ItemResult[]): string[][] {
  const rows = [["CNN training step", ...TABLE_SIDES.map((s) => `${SIDE_LABEL[s]} µs/image`)]];
  for (const r of results) {
    const b = r.spec.bench;
    if (b.kind !== "step" || b.model !== "cnn") continue;
    const row = [`batch ${b.n}${r.spec.mode === "fresh" ? " (full batch)" : ""}`];
    for (const s of TABLE_SIDES) row.push(fmt(sideMedian(r, s, (x) => (x.result.seconds / b.n) * 1e6)));
    rows.push(row);
  }
  return rows.length > 1 ? rows : [];
}

export function textTable(rows: string[][]): string {
  if (rows.length === 0) return "";
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, k) => {
      const line = r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
      return k === 0 ? `${line}\n${w.map((n) => "-".repeat(n)).join("  ")}` : line;
    })
    .join("\n");
}

function mdTable(rows: string[][]): string {
  if (rows.length === 0) return "";
  const esc = (c: string): string => c.replace(/\|/g, "\\|");
  const [head, ...body] = rows;
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...body.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

// ---------------------------------------------------------------- the document
export function markdown(results: ItemResult[], meta: RunMeta): string {
  const m = meta.machine;
  const info = meta.infos;
  const ts = info.tstorch ?? info["tstorch-glibc"];
  const py = info.pytorch;
  const tfjs = info.tfjs;
  const minutes = (meta.finished.getTime() - meta.started.getTime()) / 60000;
  const out: string[] = [];
  out.push(`# Benchmarks: tstorch vs PyTorch (${meta.device === "cuda" ? `CUDA: ${m.gpu ?? "GPU"}` : "CPU"})`);
  out.push("");
  out.push(`<!-- Generated by bench/run.ts (\`${meta.command}\`); rerun it rather than editing this part; the rest of the file is other benches' and is kept. -->`);
  out.push("");
  if (meta.quick) {
    out.push("> **QUICK MODE** (`--quick`): tiny sizes and few repetitions, run to validate the harness. These numbers are not");
    out.push("> results; run `npm run bench` on a quiet machine for the real table.");
    out.push("");
  }
  out.push(`Run on ${meta.started.toISOString().replace("T", " ").slice(0, 16)} UTC, ${minutes.toFixed(1)} minutes. ` +
    "Medians over the timed repetitions; ratios are tstorch's time over PyTorch's (below 1: tstorch is faster), " +
    "median and min–max of the per-pair ratios (pair = the same repetition of both sides, run back to back).");
  out.push("");
  out.push(mdTable(mainTable(results)));
  out.push("");
  if (meta.device !== "cuda") {
    out.push("The same comparison on an NVIDIA H100, with the opt-in GPU speed-ups: [benchmarks-h100.md](benchmarks-h100.md).");
    out.push("");
  }
  const mem = memoryTable(results);
  if (mem.length > 0) {
    out.push("## Peak resident memory (VmHWM of each fresh process: data set, model, one warm-up and one timed step)");
    out.push("");
    out.push(mdTable(mem));
    out.push("");
  }
  const steps = stepTable(results);
  if (steps.length > 0) {
    out.push("## Training steps in detail");
    out.push("");
    out.push("First step = the untimed warm-up step of each process (median over processes); first loss = the loss of the first step of");
    out.push("the first process, which must agree between tstorch and PyTorch (same seed, same tch-style initial weights, same data).");
    out.push("");
    out.push(mdTable(steps));
    out.push("");
  }
  const per = perImageTable(results);
  if (per.length > 0) {
    out.push("## CNN training step per image (ecosystem comparison)");
    out.push("");
    out.push("TensorFlow.js runs the same CNN (NHWC layers, tch-style bounds, Adam 1e-3) on its pure-JavaScript `cpu` backend, which is");
    out.push("single-threaded. `@tensorflow/tfjs-node` (libtensorflow bindings) is not measured: its install script downloads");
    out.push("libtensorflow from storage.googleapis.com (`npm install @tensorflow/tfjs-node` fails here with `getaddrinfo ENOTFOUND");
    out.push("storage.googleapis.com`: only the npm registry is reachable), so it cannot be installed offline from npm.");
    out.push("");
    out.push(mdTable(per));
    out.push("");
    const b128 = results.find((r) => r.spec.name === "cnn-b128");
    const med = (side: Side): number => median((b128?.samples ?? []).filter((x) => x.side === side).map((x) => x.result.seconds));
    const tfjsOverTstorch = med("tfjs") / med("tstorch");
    if (Number.isFinite(tfjsOverTstorch)) {
      out.push(`One batch-128 step: TensorFlow.js takes **${tfjsOverTstorch.toFixed(0)}×** tstorch's time (medians).`);
      out.push("");
    }
  }
  out.push("## Machine");
  out.push("");
  out.push(`- CPU: ${m.cpu}; ${m.logicalCores} logical cores${m.physicalCores !== null ? ` (${m.physicalCores} physical)` : ""}; ` +
    `memory ${m.memTotalGiB.toFixed(1)} GiB; transparent huge pages ${m.thp}`);
  out.push(`- OS: ${m.os}, Linux ${m.kernel}; Node ${m.node}`);
  if (ts) out.push(`- tstorch ${ts.version} (commit ${m.gitCommit}) on libtorch ${String(ts.detail.libtorch)}; ${ts.threads} libtorch threads`);
  if (py) {
    out.push(`- PyTorch ${py.version} (\`${String(py.detail.executable ?? "python3")}\` ${String(py.detail.python)}, numpy ${String(py.detail.numpy)}, ` +
      `${String(py.detail.parallel)}); ${py.threads} threads, ${String(py.detail.interop_threads)} inter-op; models from ${String(py.detail.reference)}`);
  }
  const cpp = info.cpp;
  if (cpp) out.push(`- C++ floor: bench/floor/worker_floor.cc on libtorch ${cpp.version} (${String(cpp.detail.compiler)}); ${cpp.threads} threads; the same loops with nothing between them and ATen`);
  if (tfjs) out.push(`- TensorFlow.js ${tfjs.version}, backend \`${String(tfjs.detail.backend)}\` (single-threaded JavaScript)`);
  out.push(`- Threads requested: ${meta.threads} for each libtorch process (tstorch \`torch.setNumThreads\`, PyTorch \`torch.set_num_threads\`)`);
  out.push(`- Load average (1, 5, 15 min): ${meta.loadStart} at start, ${meta.loadEnd} at end`);
  out.push(`- CIFAR-10 from \`${meta.dataDir}\``);
  out.push("");
  out.push("## Running it");
  out.push("");
  out.push("```sh");
  out.push("npm run bench                                    # complete run (about 15 minutes), rewrites this file");
  out.push("npm run bench -- --quick                         # harness check in about a minute (report in the temporary folder)");
  out.push("npm run bench -- --only cnn-step,mlp-step --reps 3   # a subset; names: add, chain, matmul, cnn-epoch, cnn-eval,");
  out.push("                                                 #   cnn-b128, ae-step, mlp-step, cnn-step");
  out.push("```");
  out.push("");
  out.push("Run it on a quiet machine (load average well below the number of cores). Under load, libtorch's OpenMP parallel regions");
  out.push("wait for descheduled threads, and small or per-sample-looping workloads (the autoencoder's transposed convolutions, a");
  out.push("`tanh` on a [64,64] tensor with 2 threads) then swing several-fold between repetitions, on both sides alike.");
  out.push("");
  out.push(`The "CNN step, batch 128" row times a few steps right after the other sides' repetitions (tfjs's take ~10 s), i.e.`);
  out.push("after the tstorch process sat idle. This VM runs a DAMON `pageout` scheme (kdamond; /sys/kernel/mm/damon) that pages out");
  out.push("memory left idle for a few seconds, so the caching allocator's idle blocks fault back in on those first steps. In a");
  out.push(`continuous loop that does not happen: the "CNN epoch" row (391 such steps) is the one to read, and a standalone loop of`);
  out.push("batch-128 steps measured 13 ms a step in tstorch against 17–24 ms in PyTorch on this machine.");
  out.push("");
  out.push("## What is measured");
  out.push("");
  out.push("Each side runs in its own worker process, driven over stdin/stdout JSON lines by `bench/run.ts`: tstorch in Node");
  out.push("(`bench/worker-tstorch.ts`, once with tstorch's default caching CPU allocator and once with");
  out.push("`TSTORCH_CPU_ALLOCATOR=default`, i.e. glibc malloc as stock libtorch uses), PyTorch in `/usr/bin/python3`");
  out.push("(`bench/worker_torch.py`, stock: no allocator tuning), TensorFlow.js in Node (`bench/worker-tfjs.ts`). Each process runs");
  out.push("one untimed warm-up of a workload before its timed repetitions, and the sides alternate repetition by repetition");
  out.push("(A B C A B C ...), so slow drifts in the machine's load hit every side alike. Full-batch steps use a fresh process per");
  out.push("repetition and side (warm-up step + timed step) so that each process's peak RSS is that workload's alone, and so that no");
  out.push("two multi-GB processes are alive at once (a caching allocator keeps its memory between steps).");
  out.push("");
  for (const r of results) out.push(`- **${r.spec.title}**: ${r.spec.note} (${r.spec.reps} timed repetitions per side; load ${r.loadStart} → ${r.loadEnd}, ${r.wallSeconds.toFixed(0)} s)`);
  out.push("");
  const errs = results.flatMap((r) => r.errors.map((e) => `- ${r.spec.name}: ${e.split("\n")[0]}`));
  if (errs.length > 0) {
    out.push("## Errors");
    out.push("");
    out.push(...errs);
    out.push("");
  }
  out.push("## Raw measurements (seconds per timed repetition)");
  out.push("");
  for (const r of results) {
    const parts = TABLE_SIDES.map((side) => {
      const ss = bySide(r, side);
      return ss.length ? `${SIDE_LABEL[side]} ${ss.map((s) => s.result.seconds.toFixed(4)).join(", ")}` : null;
    }).filter((x) => x !== null);
    out.push(`- ${r.spec.name}: ${parts.join("; ")}`);
  }
  out.push("");
  return out.join("\n");
}

/** bench/run.ts's own part of docs/benchmarks.md lies between these markers. */
export const OWN_START = "<!-- bench-run:start -->";
export const OWN_END = "<!-- bench-run:end -->";
const FOREIGN_START = /^<!-- ([\w.-]+):start -->$/m;

/**
 * The report file after a run: `generated` (this run's sections) replaces bench/run.ts's own part of
 * `previous`, and everything else — the blocks other benches write between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->` (bench/dataloader.ts's `dataloader-bench`) and the hand-written sections
 * around them — is carried over unchanged, so that a run no longer wipes what other benches wrote.
 * A file written before the markers existed: its own part is everything up to the first other
 * bench's block (its sections always came first), and the rest is carried.
 */
export function mergeReport(previous: string | null, generated: string): string {
  const own = `${OWN_START}\n${generated.trim()}\n${OWN_END}`;
  if (previous === null || previous.trim() === "") return `${own}\n`;
  const i = previous.indexOf(OWN_START);
  if (i >= 0) {
    const j = previous.indexOf(OWN_END, i);
    if (j < 0) throw new Error(`tstorch: the report has ${OWN_START} but no ${OWN_END} after it; fix the file by hand`);
    return previous.slice(0, i) + own + previous.slice(j + OWN_END.length);
  }
  const m = FOREIGN_START.exec(previous);
  if (m === null) return `${own}\n`; // all of it was bench/run.ts's
  const rest = previous.slice(m.index);
  if (!rest.includes(`<!-- ${m[1]}:end -->`)) throw new Error(`tstorch: the report's block ${m[1]} has no <!-- ${m[1]}:end --> marker; fix the file by hand`);
  return `${own}\n\n${rest}`;
}
