// Worker threads share the addon's process-wide state: the table of compiled operators (every
// first call of an overload adds one), the per-storage byte counts of tensor handles, and the
// allocator's statistics. Several workers first-calling hundreds of operators at once while
// others run operators on 64 KiB tensors used to segfault, fail an INTERNAL ASSERT or report
// garbage ("tstorch:  takes 0 arguments, got 2") in half the trials: the operator list was a
// std::vector whose growth moved the entries other threads were reading.
//
// The table lives as long as the process, so each round runs in a fresh process (a child) whose
// workers all start from an empty table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test
const indexUrl = pathToFileURL(path.resolve(here, "../src/index.js")).href;
const nativeUrl = pathToFileURL(path.resolve(here, "../src/core/native.js")).href;

/** The child: 4 workers compile every aten schema in interleaved slices, 3 run ops meanwhile. */
const CHILD = `
import { Worker } from "node:worker_threads";
const COMPILERS = 4, RUNNERS = 3;
const body = \`
import { workerData, parentPort } from "node:worker_threads";
const torch = await import(${JSON.stringify(indexUrl)});
const { native } = await import(${JSON.stringify(nativeUrl)});
const { role, k, n } = workerData;
const sab = new Int32Array(workerData.sab);
// start together (sleeping: a spin would starve the workers still loading on a 2-core machine)
if (Atomics.add(sab, 0, 1) + 1 === workerData.total) Atomics.notify(sab, 0);
for (let v; (v = Atomics.load(sab, 0)) < workerData.total;) Atomics.wait(sab, 0, v);
try {
  if (role === "compile") {
    const schemas = native.schemas().filter(([name], i) => name.startsWith("aten::") && i % n === k);
    const ids = new Map();
    for (const [name, overload] of schemas) ids.set(name + "." + overload, native.opId(name, overload));
    // the same ids again: stable, and every one answers to its own arity check
    for (const [name, overload, args] of schemas) {
      const key = name + "." + overload;
      if (args.length >= 31) continue; // the addon reads at most 32 arguments
      if (native.opId(name, overload) !== ids.get(key)) throw new Error("id changed for " + key);
      try {
        native.call(ids.get(key), ...new Array(args.length + 1).fill(null));
        throw new Error(key + " accepted too many arguments");
      } catch (e) {
        const want = "takes " + args.length + " arguments, got " + (args.length + 1);
        if (!String(e.message).includes(want)) throw new Error(key + ": " + e.message);
      }
    }
    // first calls through torch.ops.aten too (opId from JS overload resolution)
    const x = torch.ones([2, 3]);
    const s = torch.ops.aten.cumsum(x, 1).add(torch.ops.aten.flip(x, [0])).sum().item();
    if (s !== 18) throw new Error("cumsum + flip gave " + s);
    parentPort.postMessage({ ok: true, compiled: schemas.length });
  } else {
    let acc = 0;
    for (let i = 0; i < 300; i++) {
      torch.scope(() => {
        const a = torch.ones([128, 128]); // 64 KiB: counted per storage
        const b = a.mul(2).add(1).relu();
        acc += b.sum().item() / (128 * 128);
        const v = b.view([-1]); // a second handle on the same storage
        acc -= v.narrow(0, 0, 1).item() - 3;
      });
      const leaked = torch.full([128, 128], 1.5); // left to the collector (finalizer bookkeeping)
      acc += leaked.mean().item() - 1.5;
    }
    if (acc !== 900) throw new Error("runner arithmetic gave " + acc);
    parentPort.postMessage({ ok: true });
  }
} catch (e) {
  parentPort.postMessage({ ok: false, error: String(e && e.stack || e) });
}
\`;
const sab = new SharedArrayBuffer(4);
const total = COMPILERS + RUNNERS;
const jobs = [];
for (let i = 0; i < total; i++) {
  const role = i < COMPILERS ? "compile" : "run";
  const w = new Worker(body, { eval: true, workerData: { role, k: i, n: COMPILERS, sab, total } });
  jobs.push(new Promise((resolve) => {
    let msg = null;
    w.on("message", (m) => (msg = m));
    w.on("error", (e) => (msg = { ok: false, error: String(e) }));
    w.on("exit", (code) => resolve(msg ?? { ok: false, error: "worker exited " + code + " without a result" }));
  }));
}
const results = await Promise.all(jobs);
console.log(JSON.stringify(results));
process.exit(results.every((r) => r.ok) ? 0 : 1);
`;

function runRound(dir: string): { status: number | null; signal: string | null; out: string } {
  const file = path.join(dir, "child.mjs");
  fs.writeFileSync(file, CHILD);
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 120_000, env: { ...process.env, TSTORCH_NUM_THREADS: "1" } });
  return { status: r.status, signal: r.signal, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

test("workers first-calling every aten operator while others run ops: no crash, right values (3 fresh processes)", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-workers-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (let round = 0; round < 3; round++) {
    const r = runRound(dir);
    assert.equal(r.signal, null, `round ${round}: killed by ${r.signal}\n${r.out.slice(-3000)}`);
    assert.equal(r.status, 0, `round ${round}: exit ${r.status}\n${r.out.slice(-3000)}`);
    const results = JSON.parse(r.out.trim().split("\n").pop()!) as { ok: boolean; compiled?: number }[];
    const compiled = results.reduce((n, x) => n + (x.compiled ?? 0), 0);
    assert.ok(compiled > 2000, `only ${compiled} aten schemas compiled`);
  }
});
