// A runner process: runs cases [start, end) of one fuzzer and reports each on fd 3. The supervisor
// (supervisor.ts) starts it, and starts a fresh one after the case that crashed or hung it.
//   node dist/fuzz/runner.js '{"fuzzer":"ops","seed":1,"start":0,"end":100}'
import { writeSync } from "node:fs";
import type { BatchRequest, RunnerLine } from "./protocol.js";
import type { FuzzerModule } from "./types.js";
import { classifyError } from "./classify.js";
import { setCurrentCase } from "./note.js";

const REPORT_FD = 3;

function report(line: RunnerLine): void {
  writeSync(REPORT_FD, JSON.stringify(line) + "\n");
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2]) as BatchRequest;
  const mod = (await import(`./fuzzers/${req.fuzzer}.js`)) as FuzzerModule;
  const total = mod.total?.();
  report({ t: "hello", total });
  const end = total === undefined ? req.end : Math.min(req.end, total);
  const cases = req.indices ?? Array.from({ length: Math.max(0, end - req.start) }, (_, k) => req.start + k);
  for (const i of cases) {
    report({ t: "start", i });
    setCurrentCase(i);
    let r;
    try {
      r = await mod.run(req.seed, i);
    } catch (e) {
      r = classifyError(e, mod.describe?.(req.seed, i));
    }
    report({ t: "end", i, outcome: r.outcome, what: r.what, detail: r.detail?.slice(0, 400) });
  }
  report({ t: "done" });
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`fuzz runner failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(70);
  },
);
