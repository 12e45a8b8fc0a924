// Worker threads: 2-6 workers (worker-thread.ts) call operators at once, first calls included;
// the process must not crash, valid calls must not fail, and errors must not be garbage.
// A tensor posted to a worker must give a clean error too, and its toTransferable() form must post.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as torch from "../../src/index.js";
import { classifyError } from "../classify.js";
import { note } from "../note.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";

const WORKER = join(dirname(fileURLToPath(import.meta.url)), "..", "worker-thread.js");

function plan(seed: number, index: number): { workers: number; calls: number } {
  const rng = Rng.forCase(seed, "workers", index);
  return { workers: rng.int(2, 6), calls: rng.int(30, 120) };
}

export async function run(seed: number, index: number): Promise<CaseReport> {
  const { workers, calls } = plan(seed, index);
  const what = `${workers} workers, ${calls} operator calls each, at once`;
  note(what);
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => new Promise<{ errors: number; problems: string[] }>((resolve, reject) => {
      const wk = new Worker(WORKER, { workerData: { seed: seed * 1000 + index, worker: w, calls } });
      wk.once("message", resolve);
      wk.once("error", reject);
      wk.once("exit", (code) => (code !== 0 ? reject(new Error(`worker exited with ${code}`)) : undefined));
    })),
  );
  const problems = results.flatMap((r) => r.problems);
  // posting a tensor: no structured clone of an addon handle; the error must say so
  let posted = "";
  const t = torch.ones([2]);
  try {
    const w = new Worker("", { eval: true });
    try {
      w.postMessage(t);
    } finally {
      await w.terminate();
    }
  } catch (e) {
    const c = classifyError(e);
    if (c.outcome === "unclear") posted = `postMessage(tensor): ${c.detail}`;
  }
  // ... and its transferable form must post (moving its bytes)
  try {
    const w = new Worker("", { eval: true });
    try {
      const m = t.toTransferable();
      w.postMessage(m, [m.data]);
    } finally {
      await w.terminate();
    }
  } catch (e) {
    posted = `postMessage(t.toTransferable()): ${classifyError(e).detail}`;
  } finally {
    t.dispose();
  }
  if (problems.length > 0) return { outcome: "unclear", what, detail: problems.slice(0, 3).join(" | ") };
  if (posted) return { outcome: "unclear", what, detail: posted };
  return { outcome: "ok", what, detail: `${results.reduce((a, r) => a + r.errors, 0)} clean errors from random schemas` };
}

export function describe(seed: number, index: number): string {
  const p = plan(seed, index);
  return `${p.workers} workers, ${p.calls} operator calls each, at once`;
}
