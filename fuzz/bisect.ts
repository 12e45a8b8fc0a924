// Finds the earlier case that makes a crash happen: a case that crashed its runner in a run but not
// alone (heap corruption left by an earlier case of the same runner). Runner batches are
// deterministic, so the cases before it in its runner are known; this re-runs suffixes of them
// (binary search) and then the pair culprit + crash alone, each in a fresh runner.
//   node dist/fuzz/bisect.js ops:11:6150 --run RUN.json   (the batch start is derived from the run)
//   node dist/fuzz/bisect.js ops:11:6150 --start 5062
import { readFileSync } from "node:fs";
import { plans, type RunLength } from "./plans.js";
import type { BatchRequest } from "./protocol.js";
import { onRunnerLines, spawnRunner } from "./supervisor.js";
import type { FuzzerModule } from "./types.js";


interface Ran {
  /** the case in flight when the runner died, or null when it finished */
  diedIn: number | null;
  signal: string | null;
}

/** Runs exactly `indices` in one fresh runner (as the supervisor does: one intra-op thread). */
function runIndices(fuzzer: string, seed: number, indices: number[], timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    const req: BatchRequest = { fuzzer, seed, start: 0, end: 0, indices };
    const child = spawnRunner(req, "ignore");
    let inFlight: number | null = null;
    onRunnerLines(child, (l) => {
      if (l.t === "start") inFlight = l.i;
      if (l.t === "end") inFlight = null;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ diedIn: code === 0 ? null : inFlight, signal: signal ?? (code === 0 ? null : `exit ${code}`) });
    });
  });
}

/** The first case of the runner that ran `index` in a run: runners start at 0, after a batch's end and after each case that killed one. */
export function batchStart(run: { length?: RunLength; results: { name: string; findings: { index: number; outcome: string }[] }[] }, fuzzer: string, index: number): number {
  const plan = plans(run.length ?? "long").find((p) => p.name === fuzzer)!;
  const r = run.results.find((x) => x.name === fuzzer)!;
  const deaths = r.findings.filter((f) => ["crash", "hang", "blowup"].includes(f.outcome)).map((f) => f.index).sort((a, b) => a - b);
  let next = 0;
  for (;;) {
    const end = next + plan.batch;
    const died = deaths.find((d) => d >= next && d < end);
    const stop = died === undefined ? end : died + 1;
    if (index < stop) return next;
    next = stop;
  }
}

async function main(): Promise<void> {
  const spec = process.argv[2];
  const [fuzzer, seedS, indexS] = (spec ?? "").split(":");
  const seed = Number(seedS);
  const target = Number(indexS);
  if (!fuzzer || !Number.isInteger(seed) || !Number.isInteger(target)) throw new Error("usage: bisect.js FUZZER:SEED:INDEX (--run RUN.json | --start N)");
  const argOf = (n: string) => (process.argv.includes(n) ? process.argv[process.argv.indexOf(n) + 1] : undefined);
  const runFile = argOf("--run");
  const start = runFile ? batchStart(JSON.parse(readFileSync(runFile, "utf8")), fuzzer, target) : Number(argOf("--start"));
  if (!Number.isInteger(start) || start > target) throw new Error("bisect: give --run RUN.json or --start N (N <= INDEX)");
  const mod = (await import(`./fuzzers/${fuzzer}.js`)) as FuzzerModule;
  const range = (a: number) => Array.from({ length: target - a + 1 }, (_, k) => a + k);
  const crashes = async (indices: number[]) => {
    const r = await runIndices(fuzzer, seed, indices);
    const hit = r.diedIn === target;
    console.log(`  ${indices.length === 2 ? `[${indices.join(", ")}]` : `[${indices[0]}..${target}]`}: ${r.diedIn === null ? "no crash" : `died in ${r.diedIn} (${r.signal})`}`);
    return hit;
  };
  console.log(`bisect ${fuzzer}:${seed}:${target}, its runner started at case ${start}`);
  if (await crashes([target])) return void console.log(`it crashes alone: no culprit to find`);
  if (!(await crashes(range(start)))) return void console.log(`it does not crash in its batch either now (build changed, or not deterministic)`);
  let lo = start; // [lo..target] crashes
  let hi = target; // [hi..target] does not
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await crashes(range(mid))) lo = mid;
    else hi = mid;
  }
  const pair = await crashes([lo, target]);
  console.log(`culprit: ${fuzzer}:${seed}:${lo}${pair ? " (the pair alone crashes)" : ` (the pair alone does not crash: it needs [${lo}..${target}])`}`);
  if (mod.describe) console.log(`  ${mod.describe(seed, lo)}\nthen\n  ${mod.describe(seed, target)}`);
}

if (process.argv[1]?.endsWith("bisect.js")) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  });
}
