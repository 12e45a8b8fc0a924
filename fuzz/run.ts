// The fuzz suite's command line.
//   node dist/fuzz/run.js                 the short run (CI's counts)
//   node dist/fuzz/run.js --long          the long run (npm run fuzz)
//   node dist/fuzz/run.js --seed 7 --only ops,files --json out.json
//   node dist/fuzz/run.js --replay ops:1:4321     runs one case in this process (a crash kills it)
//   node dist/fuzz/run.js --describe ops:1:4321   prints what that case does, without running it
// Exit status: 0 when no crash, hang, blow-up, torn file or silent misuse was found, 1 otherwise.
import { writeFileSync } from "node:fs";
import { runFuzzer, type FuzzerResult } from "./supervisor.js";
import { plans, type RunLength } from "./plans.js";
import { FUZZERS } from "./protocol.js";
import { formatTable, isBad } from "./report.js";
import type { FuzzerModule } from "./types.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function single(spec: string, runIt: boolean): Promise<void> {
  const [fuzzer, seed, index] = spec.split(":");
  if (!(FUZZERS as readonly string[]).includes(fuzzer) || seed === undefined || index === undefined) {
    throw new Error(`expected FUZZER:SEED:INDEX with FUZZER one of ${FUZZERS.join(", ")}, got '${spec}'`);
  }
  const mod = (await import(`./fuzzers/${fuzzer}.js`)) as FuzzerModule;
  if (mod.describe) console.log(mod.describe(Number(seed), Number(index)));
  if (runIt) console.log(JSON.stringify(await mod.run(Number(seed), Number(index)), null, 2));
}

async function main(): Promise<number> {
  const replay = arg("--replay");
  if (replay) return single(replay, true).then(() => 0);
  const desc = arg("--describe");
  if (desc) return single(desc, false).then(() => 0);
  const length: RunLength = process.argv.includes("--long") ? "long" : "short";
  const seed = Number(arg("--seed") ?? 1);
  process.env.TSTORCH_FUZZ_LENGTH = length; // the runners size their loops by it (memory.ts)
  const only = arg("--only")?.split(",");
  const results: FuzzerResult[] = [];
  const t0 = Date.now();
  console.log(`tstorch fuzz: ${length} run, seed ${seed}`);
  for (const plan of plans(length)) {
    if (only && !only.includes(plan.name)) continue;
    const r = await runFuzzer(plan, seed, (s) => console.log(s));
    results.push(r);
    console.log(`${plan.name}: ${r.cases} cases in ${(r.durationMs / 1000).toFixed(1)} s (${r.runners} runner processes)`);
  }
  const wallS = (Date.now() - t0) / 1000;
  console.log("\n" + formatTable(results, seed, wallS));
  const json = arg("--json");
  if (json) writeFileSync(json, JSON.stringify({ length, seed, wallS, date: new Date().toISOString(), results }, null, 2));
  return results.some(isBad) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
