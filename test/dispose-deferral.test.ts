// dispose() of a small result holding no autograd graph parks its handle, and the next pooled call
// reuses it, freeing the old tensor in the same crossing (core/handle-pool.ts, native handles.cc).
// What must hold: only small, graph-free results are deferred; the parked handle is the next
// result's; a disposed tensor fails on use as ever; a long loop of such ops does not grow memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { DEFERRABLE } from "../src/core/handle-pool.js";

type Internal = torch.Tensor & { _h: unknown };

/** Results come in recycled handles once a disposed one is free: the first op of a process has none. */
function fillPool(x: torch.Tensor): void {
  for (let i = 0; i < 4; i++) torch.zeros([4096]).add(x.sum()).dispose();
}

test("only small results out of autograd's reach are deferrable", () => {
  const x = torch.tensor([1, 2, 3, 4]);
  fillPool(x);
  const small = x.add(x) as Internal;
  assert.equal(small[DEFERRABLE], true);
  const big = torch.zeros([2048]).add(1) as Internal; // 8 KiB: above the 4 KiB bound
  assert.equal(big[DEFERRABLE], false);
  const leaf = torch.tensor([1, 2], { requiresGrad: true });
  const graph = leaf.mul(2) as Internal; // holds a grad_fn
  assert.equal(graph[DEFERRABLE], false);
  const made = torch.tensor([1, 2]) as Internal; // not from a pooled op call
  assert.equal(made[DEFERRABLE], false);
  for (const t of [x, small, big, leaf, graph, made]) t.dispose();
});

test("a parked handle carries the next op's result; the disposed tensor still fails on use", () => {
  const x = torch.tensor([1, 2, 3, 4]);
  fillPool(x);
  const a = x.add(x) as Internal;
  const h = a._h;
  a.dispose();
  const b = x.mul(3) as Internal;
  assert.equal(b._h, h, "the parked handle was reused");
  assert.throws(() => a.add(x), /used after dispose/);
  assert.deepEqual(b.toArray(), [3, 6, 9, 12]);
  // two disposes in a row: the first parked handle is freed, the second parked
  const c = x.add(1) as Internal;
  const d = x.add(2) as Internal;
  const hd = d._h;
  c.dispose();
  d.dispose();
  const e = x.sub(1) as Internal;
  assert.equal(e._h, hd, "the last parked handle is the one reused");
  assert.deepEqual(e.toArray(), [0, 1, 2, 3]);
  for (const t of [x, b, e]) t.dispose();
});

test("200,000 deferred disposes keep the process's memory flat", () => {
  const x = torch.tensor([1, 2, 3, 4]);
  const y = torch.tensor([5, 6, 7, 8]);
  for (let i = 0; i < 20_000; i++) x.add(y).dispose(); // warm-up: pools and allocator caches filled
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 200_000; i++) x.add(y).dispose();
  const grown = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.ok(grown < 16, `RSS grew by ${grown.toFixed(1)} MiB`);
  x.dispose();
  y.dispose();
});
