// PyTorch's OpInfo corpus (its own operator test inputs) replayed through torch.ops.aten: every
// sample that PyTorch's torch.ops.aten accepts in Python must be accepted by tstorch and give
// PyTorch's result (shape, dtype, values within RTOL/ATOL, NaN where PyTorch has NaN; shape and
// dtype only for random ops). The corpus is dumped once per PyTorch version and dump script
// (test/helpers/opinfo_dump.py, cached in .cache/opinfo/). Samples run in child processes
// (test/helpers/opinfo-runner.ts) so that a crash names its sample and the rest still run.
//
// The whole corpus runs (about 5 s on 2 cores once dumped; the dump takes 40-60 s, once per
// PyTorch version and dump script). `npm run test:opinfo` runs this file alone. Known failures,
// with their reason and where the fix belongs, are listed in test/helpers/opinfo-known.ts.
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { corpusDir, describeCall, failureClass, loadCorpus, Outcome, sampleId } from "./helpers/opinfo.js";
import { knownFailure } from "./helpers/opinfo-known.js";

const RUNNER = path.join(path.dirname(fileURLToPath(import.meta.url)), "helpers", "opinfo-runner.js");
/** a child that says nothing for this long is hung on its current sample */
const HANG_MS = 30_000;

type Result = Outcome | { status: "crash"; why: string };

/** Runs plan entries through runner children, restarting after a crash or hang at the next entry. */
async function runPlan(dir: string, plan: [number, number][], results: Map<number, Result>): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-opinfo-"));
  const planFile = path.join(work, "plan.json");
  const logFile = path.join(work, "log.txt");
  fs.writeFileSync(planFile, JSON.stringify(plan));
  try {
    let start = 0;
    while (start < plan.length) {
      fs.writeFileSync(logFile, "");
      const { code, stderr } = await new Promise<{ code: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [RUNNER, dir, planFile, String(start), logFile], {
          stdio: ["ignore", "ignore", "pipe"],
          env: { ...process.env, OMP_NUM_THREADS: "1" },
        });
        let err = "";
        // a child whose log has not grown for HANG_MS is hung on its current sample
        let size = -1;
        let still = 0;
        const watch = setInterval(() => {
          const now = fs.statSync(logFile).size;
          still = now === size ? still + 1000 : 0;
          size = now;
          if (still >= HANG_MS) child.kill("SIGKILL");
        }, 1000);
        child.stderr.setEncoding("utf8");
        child.stderr.on("data", (d: string) => (err = (err + d).slice(-4000)));
        child.on("close", (c, sig) => {
          clearInterval(watch);
          resolve({ code: sig ?? String(c), stderr: err });
        });
      });
      let current = start - 1;
      for (const line of fs.readFileSync(logFile, "utf8").split("\n")) {
        if (line.startsWith("S ")) current = Number(line.slice(2));
        else if (line.startsWith("R ")) {
          const sp = line.indexOf(" ", 2);
          results.set(Number(line.slice(2, sp)), JSON.parse(line.slice(sp + 1)) as Result);
        }
      }
      if (code === "0") break;
      if (current < start || results.has(current)) throw new Error(`opinfo runner failed (${code}) outside a sample:\n${stderr}`);
      const tail = stderr.trim().split("\n").slice(-3).join(" | ");
      results.set(current, { status: "crash", why: `child ended (${code}) during this sample: ${tail}` });
      start = current + 1;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

test("PyTorch's OpInfo samples through torch.ops.aten", { skip: pyTorchSkipReason(), timeout: 600_000 }, async () => {
  const dir = corpusDir();
  const corpus = loadCorpus(dir);
  const replayed: [number, number][] = [];
  corpus.groups.forEach((g, gi) => g.samples.forEach((_s, si) => replayed.push([gi, si])));

  // two children (the CI machine's two cores), each one half of the plan
  const results = new Map<number, Result>();
  const halves = [replayed.filter((_e, i) => i % 2 === 0), replayed.filter((_e, i) => i % 2 === 1)];
  const partial = halves.map(() => new Map<number, Result>());
  await Promise.all(halves.map((h, i) => runPlan(dir, h, partial[i])));
  halves.forEach((h, i) => h.forEach((_e, p) => results.set(i + 2 * p, partial[i].get(p) ?? { status: "crash", why: "no result" })));

  const counts: Record<string, number> = { equal: 0, different: 0, refused: 0, unpassable: 0, crash: 0 };
  const classes = new Map<string, { n: number; example: string }>();
  const unexpected: string[] = [];
  const known = new Map<string, number>();
  replayed.forEach(([gi, si], p) => {
    const g = corpus.groups[gi];
    const s = g.samples[si];
    const r = results.get(p)!;
    counts[r.status]++;
    if (r.status === "equal") return;
    const cls = r.status === "crash" ? `crash: ${g.aten}` : failureClass(r);
    const c = classes.get(cls) ?? { n: 0, example: `${sampleId(g, s)}: ${describeCall(g, s)} -> ${r.why.split("\n")[0].slice(0, 300)}` };
    c.n++;
    classes.set(cls, c);
    const k = knownFailure(g, s, r);
    if (k) known.set(k, (known.get(k) ?? 0) + 1);
    else unexpected.push(`${sampleId(g, s)} ${r.status}: ${describeCall(g, s)}\n    ${r.why.split("\n").slice(0, 3).join("\n    ")}`);
  });

  const st = corpus.stats;
  const summary = {
    torch: st.torch, opinfos: st.opinfos, atenOpinfos: st.aten, samples: st.samples, acceptedByPython: st.accepted,
    replayed: replayed.length, acceptedByTstorch: counts.equal + counts.different, ...counts,
    known: Object.fromEntries(known),
    classes: [...classes].sort((a, b) => b[1].n - a[1].n).map(([k, v]) => ({ class: k, n: v.n, example: v.example })),
  };
  fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify(summary, null, 1));
  console.log(`# OpInfo corpus (PyTorch ${st.torch}): ${st.samples} samples of ${st.aten} aten OpInfos, ${st.accepted} accepted by torch.ops.aten in Python`);
  console.log(`# replayed ${replayed.length}: ` +
    `accepted by tstorch ${summary.acceptedByTstorch}, equal ${counts.equal}, different ${counts.different}, ` +
    `refused ${counts.refused}, unpassable ${counts.unpassable}, crashed ${counts.crash}`);
  for (const c of summary.classes.slice(0, 40)) console.log(`#   ${c.n}× ${c.class}\n#      e.g. ${c.example}`);
  for (const [k, n] of known) console.log(`# known (${n}): ${k}`);

  // a corpus that shrank (a broken dump) must not pass quietly
  assert.ok(replayed.length >= 15_000, `only ${replayed.length} samples replayed`);
  assert.equal(results.size, replayed.length);
  assert.deepEqual(unexpected.slice(0, 30), [], `${unexpected.length} samples differ from PyTorch:\n${unexpected.slice(0, 30).join("\n")}`);
});
