// The fuzz suite's short run (fuzz/, the long one is `npm run fuzz`): every fuzzer with small
// counts and a fixed seed. Fails on any crash, hang, memory blow-up or torn file outside the
// documented libtorch-kernel crashers (fuzz/known-crashers.json, which the fuzzers skip); the
// report names each case as FUZZER:SEED:INDEX for `node dist/fuzz/run.js --replay`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzzer } from "../fuzz/supervisor.js";
import { plans } from "../fuzz/plans.js";
import { formatTable, isBad } from "../fuzz/report.js";
import { knownCrashers } from "../fuzz/known-crashers.js";

const SEED = 1;

test("fuzz short run: no crash, hang, blow-up or torn file in any fuzzer", { timeout: 180_000 }, async () => {
  process.env.TSTORCH_FUZZ_LENGTH = "short";
  const results = [];
  for (const plan of plans("short")) results.push(await runFuzzer(plan, SEED));
  const table = formatTable(results, SEED, results.reduce((a, r) => a + r.durationMs, 0) / 1000);
  // the run did run: every case was counted, and the operator fuzzers met clean errors
  for (const [r, p] of results.map((r, i) => [r, plans("short")[i]] as const)) {
    if (typeof p.count === "number") assert.equal(r.cases, p.count, `${r.name} ran ${r.cases} of ${p.count} cases\n${table}`);
  }
  assert.ok(results.find((r) => r.name === "ops")!.counts.error > 100, table);
  const bad = results.filter(isBad);
  assert.deepEqual(bad.map((r) => r.name), [], `fuzz findings outside fuzz/known-crashers.json:\n${table}`);
});

test("fuzz: the known crashers are documented with PyTorch's behaviour next to each", () => {
  const list = knownCrashers();
  assert.ok(list.length >= 6);
  for (const k of list) {
    assert.match(k.op, /^aten::/);
    assert.match(k.pytorchBehaviour, /^SIG|blow-up|hang|allocate/, `${k.op}: PyTorch must fail the same way (${k.pytorchBehaviour})`);
    assert.match(k.call, /^(B\()?torch\.ops\.aten\./, k.op);
  }
});
