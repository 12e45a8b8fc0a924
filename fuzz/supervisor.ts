// Runs a fuzzer's cases in runner processes (runner.ts) so that a segfault, an abort, a hang or a
// memory blow-up ends one process, not the fuzz run: the supervisor records the case it happened
// in (seed + index, replayable with `node dist/fuzz/run.js --replay FUZZER:SEED:INDEX`) and starts
// a new runner at the next case.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { BatchRequest, RunnerLine } from "./protocol.js";
import { OUTCOMES, type Outcome } from "./types.js";
import { rssMbOf, settleOnClose } from "./watch.js";

export interface FuzzerPlan {
  name: string;
  /** cases to run; "all" = the fuzzer's total (every schema) */
  count: number | "all";
  /** cases per runner process */
  batch: number;
  /** a case that takes longer is a hang */
  caseTimeoutMs: number;
  /** a runner whose resident memory passes this is a blow-up */
  rssLimitMb: number;
}

export interface Finding {
  fuzzer: string;
  seed: number;
  index: number;
  outcome: Outcome;
  what?: string;
  detail?: string;
  /** the runner's end, for crashes */
  signal?: string | null;
  exitCode?: number | null;
  /** the last lines the runner wrote to stderr (libtorch's abort message, V8's fatal error) */
  stderrTail?: string;
}

export interface FuzzerResult {
  name: string;
  seed: number;
  cases: number;
  counts: Record<Outcome, number>;
  /** every crash, hang, blow-up, torn file and silent misuse, and the first unclear errors */
  findings: Finding[];
  /** a few clean error messages, to show what users see */
  sampleErrors: string[];
  runners: number;
  durationMs: number;
}

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), "runner.js");

/**
 * The runners' working folder: a scratch one, removed at exit. Fuzzed operators that take a file
 * name write where they stand (`from_file("none", shared=true)` creates ./none), so never in the
 * caller's folder (a run from the repository left files named "mean" and "none" there).
 */
let scratchCwd: string | null = null;
function runnerCwd(): string {
  if (scratchCwd === null) {
    const dir = mkdtempSync(join(tmpdir(), "tstorch-fuzz-cwd-"));
    scratchCwd = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratchCwd;
}
const CLI = join(dirname(fileURLToPath(import.meta.url)), "run.js");

/** What case (fuzzer, seed, index) does, asked of a fresh process (the one that ran it is dead). */
function describeCase(fuzzer: string, seed: number, index: number): string | undefined {
  const r = spawnSync(process.execPath, [CLI, "--describe", `${fuzzer}:${seed}:${index}`], { encoding: "utf8", timeout: 20_000 });
  const out = r.stdout?.trim();
  return r.status === 0 && out ? out.split("\n").slice(-1)[0] : undefined;
}
const MAX_UNCLEAR_KEPT = 20;

interface BatchEnd {
  lines: RunnerLine[];
  total?: number;
  inFlight: number | null;
  /** what the case in flight said it was doing */
  note?: string;
  lastEnded: number | null;
  signal: NodeJS.Signals | null;
  code: number | null;
  killedFor: "hang" | "blowup" | null;
  stderrTail: string;
  rssMb: number;
}

/**
 * A runner process for one batch, in its own process group (a hang or blow-up kill also ends what
 * the case started: workers, savers), in the scratch folder; its reports come on fd 3.
 */
export function spawnRunner(req: BatchRequest, stderr: "ignore" | "pipe"): ChildProcess {
  return spawn(process.execPath, ["--expose-gc", RUNNER, JSON.stringify(req)], {
    stdio: ["ignore", "ignore", stderr, "pipe"],
    detached: true,
    cwd: runnerCwd(),
    // one intra-op thread unless told otherwise: a loaded 2-core machine makes every parallel
    // kernel wait milliseconds for its threads (the fuzz cases are tiny)
    env: { TSTORCH_NUM_THREADS: "1", ...process.env, TSTORCH_FUZZ_RUNNER: "1" },
  });
}

/** Calls fn with each line the runner reports (one JSON object per line on fd 3). */
export function onRunnerLines(child: ChildProcess, fn: (line: RunnerLine) => void): void {
  let buf = "";
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as RunnerLine;
      buf = buf.slice(nl + 1);
      fn(line);
    }
  });
}

function runBatch(req: BatchRequest, plan: FuzzerPlan): Promise<BatchEnd> {
  return new Promise((resolve) => {
    const child = spawnRunner(req, "pipe");
    const end: BatchEnd = { lines: [], inFlight: null, lastEnded: null, signal: null, code: null, killedFor: null, stderrTail: "", rssMb: 0 };
    let caseTimer: NodeJS.Timeout | undefined;
    const kill = (why: "hang" | "blowup") => {
      if (end.killedFor !== null) return;
      end.killedFor = why;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    };
    const rssPoll = setInterval(() => {
      const mb = rssMbOf(child.pid!);
      end.rssMb = Math.max(end.rssMb, mb);
      if (mb > plan.rssLimitMb) kill("blowup");
    }, 100);
    onRunnerLines(child, (line) => {
      end.lines.push(line);
      if (line.t === "hello") end.total = line.total;
      if (line.t === "note") end.note = line.what;
      if (line.t === "start") {
        end.inFlight = line.i;
        end.note = undefined;
        clearTimeout(caseTimer);
        caseTimer = setTimeout(() => kill("hang"), plan.caseTimeoutMs);
      }
      if (line.t === "end") {
        end.inFlight = null;
        end.lastEnded = line.i;
        clearTimeout(caseTimer);
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      end.stderrTail = (end.stderrTail + d.toString("utf8")).slice(-3000);
    });
    settleOnClose(child, end, () => (clearTimeout(caseTimer), clearInterval(rssPoll)), () => resolve(end));
  });
}

function emptyCounts(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
}

const KEEP_ALWAYS: Outcome[] = ["crash", "hang", "blowup", "torn", "silent"];

/** Runs every case of `plan` with `seed`; `log` receives one line per finding as it happens. */
export async function runFuzzer(plan: FuzzerPlan, seed: number, log: (s: string) => void = () => {}): Promise<FuzzerResult> {
  const t0 = Date.now();
  const res: FuzzerResult = { name: plan.name, seed, cases: 0, counts: emptyCounts(), findings: [], sampleErrors: [], runners: 0, durationMs: 0 };
  let total: number | undefined = plan.count === "all" ? undefined : plan.count;
  let next = 0;
  let fruitless = 0;
  const record = (f: Finding) => {
    if (KEEP_ALWAYS.includes(f.outcome) || (f.outcome === "unclear" && res.findings.filter((x) => x.outcome === "unclear").length < MAX_UNCLEAR_KEPT)) {
      res.findings.push(f);
      if (f.outcome !== "unclear") log(`  ${f.outcome.toUpperCase()} ${plan.name}:${seed}:${f.index} ${f.what ?? ""} ${f.signal ?? (f.exitCode !== undefined ? "exit " + f.exitCode : "")} ${f.detail ?? ""}`.trim());
    }
  };
  while (total === undefined || next < total) {
    const end = total === undefined ? next + plan.batch : Math.min(total, next + plan.batch);
    const b = await runBatch({ fuzzer: plan.name, seed, start: next, end }, plan);
    res.runners++;
    if (total === undefined && b.total !== undefined) total = b.total;
    const before = next;
    for (const l of b.lines) {
      if (l.t !== "end") continue;
      res.cases++;
      const o = (OUTCOMES as readonly string[]).includes(l.outcome) ? (l.outcome as Outcome) : "unclear";
      res.counts[o]++;
      if (o === "error" && res.sampleErrors.length < 12 && l.detail && !res.sampleErrors.includes(l.detail)) res.sampleErrors.push(l.detail);
      if (o !== "ok" && o !== "error" && o !== "skipped") record({ fuzzer: plan.name, seed, index: l.i, outcome: o, what: l.what, detail: l.detail });
      next = l.i + 1;
    }
    const finished = b.lines.some((l) => l.t === "done") && b.code === 0;
    if (!finished) {
      const dead: Finding = {
        fuzzer: plan.name, seed, index: b.inFlight ?? (b.lastEnded ?? next - 1),
        outcome: b.killedFor ?? "crash", signal: b.signal, exitCode: b.code, stderrTail: b.stderrTail.trim().split("\n").slice(-6).join("\n"),
      };
      if (b.inFlight === null) dead.detail = `the runner died between cases (after case ${b.lastEnded ?? "none"})`;
      if (b.killedFor === "blowup") dead.detail = `resident memory passed ${plan.rssLimitMb} MB`;
      if (b.killedFor === "hang") dead.detail = `no end after ${plan.caseTimeoutMs} ms`;
      if (b.inFlight !== null) {
        dead.what = b.note ?? describeCase(plan.name, seed, b.inFlight);
        res.cases++;
        next = b.inFlight + 1;
      }
      res.counts[dead.outcome]++;
      record(dead);
    }
    if (total === undefined && b.total === undefined && b.lines.length === 0) throw new Error(`fuzz: runner for ${plan.name} did not start:\n${b.stderrTail}`);
    if (next === before) {
      // the runner dies before its first case (a broken build): stop rather than loop
      if (++fruitless >= 3) throw new Error(`fuzz: ${plan.name} makes no progress at case ${next}:\n${b.stderrTail}`);
    } else fruitless = 0;
  }
  res.durationMs = Date.now() - t0;
  return res;
}
