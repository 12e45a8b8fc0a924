// Checks crashes against PyTorch 1.13 (/usr/bin/python3), each side in a child process with glibc's
// heap checks on (MALLOC_CHECK_=3) and a heap churn after the call, so that an out-of-bounds write
// shows as an abort in both.
//   node dist/fuzz/check-known-crashers.js            re-measures fuzz/known-crashers.json
//   node dist/fuzz/check-known-crashers.js --write    ... and stores the behaviours in it
//   node dist/fuzz/check-known-crashers.js --from RUN.json   checks every crash of a fuzz run
//                                                    (run.js --json) and prints candidate entries
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { knownCrashers, type KnownCrasher } from "./known-crashers.js";
import { HEAP_CHURN, pytorchProgram } from "./pytorch-replay.js";
import type { Finding } from "./supervisor.js";
import { runWatched, summarise } from "./watch.js";

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.TSTORCH_TEST_PYTHON ?? "/usr/bin/python3";
const ENV = { MALLOC_CHECK_: "3", TSTORCH_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };

export async function measure(call: string): Promise<{ tstorch: string; pytorch: string; program: string | null }> {
  const ts = await runWatched(process.execPath, [join(here, "replay.js"), call], { env: ENV });
  const tstorch = ts.code === 0 && ts.stdout.includes("replay: finished") ? "runs (no crash)" : ts.stdout.includes("error:") && ts.code === 1 ? `clean error: ${/error: (.*)/.exec(ts.stdout)![1].slice(0, 160)}` : summarise(ts, /error: .*/);
  const program = pytorchProgram(call);
  if (program === null) return { tstorch, pytorch: "not translatable (JS-only arguments)", program };
  const py = await runWatched(PYTHON, ["-c", program + HEAP_CHURN], { env: ENV });
  const pytorch = py.code === 0 && py.stdout.includes("pytorch-replay: finished") ? "runs (no crash)" : summarise(py, /\w+Error: .*/);
  return { tstorch, pytorch, program };
}

const crashed = (s: string) => /^SIG|blow-up|hang/.test(s);

async function fromRun(file: string): Promise<void> {
  const run = JSON.parse(readFileSync(file, "utf8")) as { results: { findings: Finding[] }[] };
  const findings = run.results.flatMap((r) => r.findings).filter((f) => ["crash", "hang", "blowup"].includes(f.outcome) && (f.fuzzer === "ops" || f.fuzzer === "schemas"));
  // describe each case again with this build (the description is the replay)
  for (const f of findings) {
    const d = spawnSync(process.execPath, [join(here, "run.js"), "--describe", `${f.fuzzer}:${f.seed}:${f.index}`], { encoding: "utf8" });
    f.what = d.stdout.trim().split("\n").slice(-1)[0];
  }
  const candidates: KnownCrasher[] = [];
  for (const f of findings) {
    const opOf = /torch\.ops\.aten\.(\w+)\.(\w+)/.exec(f.what ?? ""); // B(...) wraps backward cases
    if (!opOf) {
      console.log(`NOT DESCRIBED  ${f.fuzzer}:${f.seed}:${f.index}  (--describe gave: ${f.what ?? "nothing"})`);
      continue;
    }
    const [, op, overload] = opOf;
    const m = await measure(f.what!);
    const verdict = crashed(m.tstorch) && crashed(m.pytorch) ? "SHARED" : !crashed(m.tstorch) ? "NOT REPRODUCED ALONE" : "TSTORCH ONLY";
    console.log(`${verdict}  ${f.fuzzer}:${f.seed}:${f.index}  ${f.what}\n    tstorch: ${m.tstorch}\n    pytorch: ${m.pytorch}`);
    if (verdict === "SHARED") {
      candidates.push({ op: `aten::${op}`, overload: overload === "default" ? "" : overload, trigger: f.what!.split("// ")[1] ?? "", call: f.what!, pytorch: m.program ?? "", tstorchBehaviour: m.tstorch, pytorchBehaviour: m.pytorch });
    }
  }
  console.log(JSON.stringify(candidates, null, 2));
}

async function recheck(write: boolean): Promise<void> {
  const list = knownCrashers();
  for (const k of list) {
    const m = await measure(k.call);
    console.log(`${k.op}${k.overload ? "." + k.overload : ""}\n    tstorch: ${m.tstorch}\n    pytorch: ${m.pytorch}`);
    // a behaviour described over several runs (garbage result sizes, "different each run") is kept:
    // one more run is one more sample of it, not a replacement
    if (!/different each run/.test(k.pytorchBehaviour)) {
      k.tstorchBehaviour = m.tstorch;
      k.pytorchBehaviour = m.pytorch;
    }
    if (m.program) k.pytorch = m.program.trim();
  }
  if (write) writeFileSync(join(here, "../../fuzz/known-crashers.json"), JSON.stringify(list, null, 2) + "\n");
}

if (process.argv[1]?.endsWith("check-known-crashers.js")) main();
function main(): void {
const i = process.argv.indexOf("--from");
(i >= 0 ? fromRun(process.argv[i + 1]) : recheck(process.argv.includes("--write"))).catch((e) => {
  console.error(e);
  process.exit(2);
});
}
