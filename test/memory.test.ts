// Memory is deterministic: scopes and `using` free native memory at once, and a loop that never
// frees anything explicitly stays flat thanks to the collector backstop (GC-time finalizers plus
// external-memory accounting in the addon).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { native } from "../src/core/native.js";

const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
// Native bytes in use. With the caching CPU allocator a freed block stays mapped for reuse, so what
// "freed" means is the allocator's count of live bytes; with libtorch's own allocator it is RSS.
const caching = torch.cpuMemoryStats().caching;
const liveMiB = (): number => (caching ? torch.cpuMemoryStats().allocatedBytes! / 2 ** 20 : rssMiB());
const BIG = [64, 1024, 1024]; // 256 MiB of float32, touched by zeros()

test("10,000 training steps with no explicit dispose keep resident memory flat", () => {
  torch.manualSeed(0);
  const w1 = torch.randn([256, 128]).mul(0.05).requiresGrad_();
  const w2 = torch.randn([128, 10]).mul(0.05).requiresGrad_();
  let afterWarmup = 0;
  let peak = 0;
  let firstLoss = 0;
  let lastLoss = 0;
  // A fixed, learnable batch: the loss must fall, so the loop is really training.
  const x = torch.randn([64, 256]);
  const y = torch.randint(0, 10, [64]);
  for (let step = 0; step < 10_000; step++) {
    const loss = x.matmul(w1).relu().matmul(w2).crossEntropyForLogits(y);
    loss.backward();
    torch.noGrad(() => {
      w1.sub_(w1.grad!.mul(0.05));
      w2.sub_(w2.grad!.mul(0.05));
    });
    w1.zeroGrad();
    w2.zeroGrad();
    if (step === 0) firstLoss = loss.item();
    if (step === 9_999) lastLoss = loss.item();
    if (step === 1_000) afterWarmup = rssMiB();
    if (step > 1_000) peak = Math.max(peak, rssMiB());
  }
  const growth = peak - afterWarmup;
  console.log(`# rss after warm-up ${afterWarmup.toFixed(1)} MiB, peak after ${peak.toFixed(1)} MiB, growth ${growth.toFixed(1)} MiB; loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}`);
  assert.ok(lastLoss < firstLoss * 0.5, `the loop trains (loss ${firstLoss} -> ${lastLoss})`);
  assert.ok(growth < 50, `resident memory grew ${growth.toFixed(1)} MiB after warm-up (limit 50)`);
});

test("scope() frees native memory when it ends, except what it returns", () => {
  const before = liveMiB();
  let inside = 0;
  let made: torch.Tensor | null = null;
  const kept = torch.scope(() => {
    made = torch.zeros(BIG);
    const small = torch.ones([3]);
    inside = liveMiB();
    return small;
  });
  const after = liveMiB();
  console.log(`# scope: before ${before.toFixed(0)} MiB, inside ${inside.toFixed(0)} MiB, after ${after.toFixed(0)} MiB`);
  assert.ok(inside - before > 200, `the 256 MiB tensor was resident inside the scope (+${(inside - before).toFixed(0)} MiB)`);
  assert.ok(inside - after > 200, `leaving the scope returned the memory at once (-${(inside - after).toFixed(0)} MiB)`);
  assert.equal(made!.isDisposed, true);
  assert.equal(kept.isDisposed, false);
  assert.deepEqual(kept.toArray(), [1, 1, 1]);
  kept.dispose();
});

test("keep() lets a tensor outlive its scope; nested scopes hand survivors outwards", () => {
  let inner: torch.Tensor | null = null;
  let kept: torch.Tensor | null = null;
  torch.scope(() => {
    torch.scope(() => {
      inner = torch.ones([2]);
      kept = torch.keep(torch.zeros([2]));
    });
    assert.equal(inner!.isDisposed, true);
    assert.equal(kept!.isDisposed, false);
  });
  // kept belonged to the outer scope, which has ended too
  assert.equal(kept!.isDisposed, true);
});

test("scope() disposes its tensors when the function throws", () => {
  let t: torch.Tensor | null = null;
  assert.throws(() =>
    torch.scope(() => {
      t = torch.ones([2]);
      throw new Error("boom");
    }), /boom/);
  assert.equal(t!.isDisposed, true);
});

test("`using` frees native memory at the end of the block", () => {
  const before = liveMiB();
  let inside = 0;
  {
    using t = torch.zeros(BIG);
    inside = liveMiB();
    assert.equal(t.shape[0], 64);
  }
  const after = liveMiB();
  console.log(`# using: before ${before.toFixed(0)} MiB, inside ${inside.toFixed(0)} MiB, after ${after.toFixed(0)} MiB`);
  assert.ok(inside - before > 200);
  assert.ok(inside - after > 200, `the block's end returned the memory (-${(inside - after).toFixed(0)} MiB)`);
});

test("dispose() frees at once; use after dispose is a clear error; dispose twice is harmless", () => {
  const t = torch.zeros(BIG);
  const inside = liveMiB();
  t.dispose();
  assert.ok(inside - liveMiB() > 200);
  t.dispose();
  assert.throws(() => t.shape, /used after dispose/);
  assert.throws(() => t.add(1), /used after dispose/);
});

test("the caching CPU allocator reuses freed blocks and gives them back on cpuEmptyCache()", { skip: !caching && "TSTORCH_CPU_ALLOCATOR=default" }, () => {
  torch.cpuEmptyCache();
  const s0 = torch.cpuMemoryStats();
  const a = torch.zeros(BIG);
  a.dispose();
  const s1 = torch.cpuMemoryStats();
  assert.equal(s1.cachedBytes! - s0.cachedBytes!, 256 * 2 ** 20, "the freed block is cached");
  const b = torch.ones(BIG); // same size: served from the cache
  const s2 = torch.cpuMemoryStats();
  assert.equal(s2.hits! - s1.hits!, 1);
  assert.equal(s2.cachedBytes, s0.cachedBytes);
  assert.equal(b.sum().item(), 64 * 1024 * 1024, "a reused block holds the new values");
  b.dispose();
  const rssCached = rssMiB();
  torch.cpuEmptyCache();
  assert.equal(torch.cpuMemoryStats().cachedBytes, 0);
  assert.ok(rssCached - rssMiB() > 200, `emptyCache returned the memory to the system (${(rssCached - rssMiB()).toFixed(0)} MiB)`);
});

test("recycled handles: a disposed tensor never sees the tensor that reuses its handle", () => {
  const a = torch.tensor([1, 2, 3]);
  const inScope = torch.scope(() => {
    const t = torch.tensor([7, 8]);
    return { t, leak: t.add(1) }; // both survive; the next scope's temporaries are freed
  });
  torch.scope(() => {
    torch.tensor([0]).add(1);
  });
  a.dispose();
  // the next results take recycled handles (a's among them)
  const made = Array.from({ length: 8 }, (_, i) => torch.tensor([i]).add(10));
  assert.throws(() => a.toArray(), /used after dispose/);
  assert.equal(a.isDisposed, true);
  a.dispose(); // a second dispose must not free what now lives in a's old handle
  assert.deepEqual(made.map((t) => t.item()), [10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual(inScope.leak.toArray(), [8, 9]);
  torch.dispose([made, inScope]);
  assert.throws(() => made[3].add(1), /used after dispose/);
});

test("V8 is told about tensors that outlive every scope, not about a scope's temporaries", () => {
  const MiB = 2 ** 20;
  const ext = (): number => native.reportedBytes();
  const base = ext();
  const n = (64 * MiB) / 4; // 64 MiB of float32
  torch.scope(() => {
    torch.zeros([n]).add(1);
    assert.ok(ext() - base < 8 * MiB, `inside a scope: +${((ext() - base) / MiB).toFixed(1)} MiB reported`);
  });
  const escaped = torch.scope(() => torch.scope(() => torch.zeros([n])));
  assert.ok(ext() - base >= 60 * MiB, `a tensor returned out of every scope is reported: +${((ext() - base) / MiB).toFixed(1)} MiB`);
  const persisted = torch.scope(() => torch.persist(torch.zeros([n])));
  assert.ok(ext() - base >= 124 * MiB, "a persisted tensor is reported");
  const plain = torch.zeros([n]); // outside any scope: reported at once
  assert.ok(ext() - base >= 188 * MiB, "a tensor made outside scopes is reported");
  torch.dispose([escaped, persisted, plain]);
  assert.ok(ext() - base < 8 * MiB, `all disposed: +${((ext() - base) / MiB).toFixed(1)} MiB`);
});
