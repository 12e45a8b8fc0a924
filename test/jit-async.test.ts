// ScriptModule.forwardAsync runs TorchScript on libuv's thread pool: while 8 calls of a CNN over
// 10,000 images (8 batches of 1,250) are in flight, a 10 ms setInterval keeps ticking; the same 8
// calls made synchronously (one per event-loop turn) stall it for a whole call each. The results
// equal the synchronous ones, and the inputs stay alive although JS disposed them at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import * as torch from "../src/index.js";
import { seedModelSeq } from "./helpers/seed-models.js";

const { jit } = torch;

/** Runs `work` while a 10 ms interval ticks; returns the largest gap between ticks (ms) and work's result. */
async function largestGap<T>(work: () => Promise<T>): Promise<{ gap: number; result: T; ms: number }> {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  gap = Math.max(gap, performance.now() - last);
  clearInterval(timer);
  return { gap, result, ms };
}

test("8 forwardAsync calls of a CNN on 10,000 images keep a 10 ms interval ticking; synchronous calls do not", async (t) => {
  torch.manualSeed(5);
  const model = jit.trace(seedModelSeq("cnn"), torch.rand([2, 3, 32, 32]));
  const batches = Array.from({ length: 8 }, () => torch.rand([1250, 3, 32, 32]));
  await model.forwardAsync(batches[0].narrow(0, 0, 8)); // first run: the executor's profiling pass

  const sync = await largestGap(async () => {
    const outs: number[][] = [];
    for (const b of batches) {
      outs.push(Array.from(torch.noGrad(() => model.forward(b)).toTypedArray() as Float32Array));
      await nextTurn(); // one call per event-loop turn: the timer can fire between calls
    }
    return outs;
  });

  const inputs = batches.map((b) => b.clone());
  const asyncRun = await largestGap(async () => {
    const pending = inputs.map((b) => model.forwardAsync(b));
    for (const b of inputs) b.dispose(); // the calls keep their inputs alive themselves
    const outs = await Promise.all(pending);
    return outs.map((o: torch.Tensor) => {
      assert.equal(o.requiresGrad, false, "no autograd on the pool thread");
      return Array.from(o.toTypedArray() as Float32Array);
    });
  });

  const report = `largest gap between 10 ms ticks: forwardAsync ${asyncRun.gap.toFixed(1)} ms (8 calls in ${asyncRun.ms.toFixed(0)} ms), ` +
    `synchronous ${sync.gap.toFixed(1)} ms (8 calls in ${sync.ms.toFixed(0)} ms)`;
  t.diagnostic(report);
  assert.deepEqual(asyncRun.result, sync.result, "the same logits as the synchronous calls");
  assert.ok(asyncRun.gap < sync.gap / 2, report);
});

test("forwardAsync: many calls in flight, each settles with its own result or error", async () => {
  const model = jit.trace((x: torch.Tensor) => x.mul(2).sum(1), [torch.ones([2, 3])]);
  const xs = Array.from({ length: 12 }, (_, i) => torch.full([2, 3], i));
  const outs = await Promise.all(xs.map((x) => model.forwardAsync(x)));
  assert.deepEqual(outs.map((o: torch.Tensor) => o.toArray()), xs.map((_, i) => [6 * i, 6 * i]));
  const results = await Promise.allSettled([model.forwardAsync(torch.ones([2, 3])), model.forwardAsync(torch.ones([4]))]);
  assert.equal(results[0].status, "fulfilled");
  assert.equal(results[1].status, "rejected");
  assert.match(String((results[1] as PromiseRejectedResult).reason), /forward\(\) failed: .*(Dimension out of range|dim)/);
});
