// torch.distributed's collectives on 2 and 3 ranks (separate processes on 127.0.0.1) against
// hand-computed results, the async form keeping the event loop free, groups over subsets of ranks,
// and the errors of bad arguments.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { assertAllOk, launch, nodeRanks } from "./helpers/distributed.js";

const dist = torch.distributed;

function expected(n: number, rank: number) {
  const xs = Array.from({ length: n }, (_, r) => [r + 1, 10 * (r + 1) - r * r]);
  const col = (k: number) => xs.map((x) => x[k]!);
  const f32 = (v: number) => Math.fround(v);
  return {
    allReduce_sum: [0, 1].map((k) => col(k).reduce((a, b) => a + b)),
    allReduce_avg: [0, 1].map((k) => f32(col(k).reduce((a, b) => a + b) / n)),
    allReduce_product: [0, 1].map((k) => col(k).reduce((a, b) => a * b)),
    allReduce_min: [0, 1].map((k) => Math.min(...col(k))),
    allReduce_max: [0, 1].map((k) => Math.max(...col(k))),
    broadcast: [7, 8, 9],
    allGather: Array.from({ length: n }, (_, r) => [r, 100 * r]),
    // rank r's input i is [r + i, 10 i]; rank `rank` keeps the sum of the inputs numbered `rank`
    reduceScatter: [Array.from({ length: n }, (_, r) => r + rank).reduce((a, b) => a + b), n * 10 * rank],
    gather: rank === 0 ? Array.from({ length: n }, (_, r) => [r * r + 1]) : null,
    scatter: [rank, rank === 0 ? 0 : -rank], // (JSON has no -0)
    sendRecv: [100 + ((rank + n - 1) % n)],
    asyncSum: [(n * (n + 1)) / 2],
    subgroup: rank < 2 ? [3] : null,
  };
}

for (const n of [2, 3]) {
  describe(`collectives on ${n} ranks`, () => {
    it("every collective gives the hand-computed result on every rank", { timeout: 90_000 }, async () => {
      const rs = await launch(nodeRanks(n, "collectives"), { timeoutMs: 80_000 });
      assertAllOk(rs);
      for (const r of rs) {
        const got = r.json;
        assert.equal(got.rank, r.rank);
        assert.equal(got.n, n);
        const want = expected(n, r.rank);
        for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k], v, `rank ${r.rank}: ${k}`);
        if (r.rank < 2) assert.equal(got.subgroupRank, r.rank);
        // rank 0 joins the async all-reduce 400 ms late: the others' event loops kept ticking meanwhile
        if (r.rank !== 0) assert.ok(got.asyncTicks >= 10, `rank ${r.rank}: only ${got.asyncTicks} timer ticks while waiting`);
      }
    });
  });
}

describe("in one process", () => {
  it("is available, NCCL is not on a CPU build", () => {
    assert.equal(dist.isAvailable(), true);
    assert.equal(typeof dist.isNcclAvailable(), "boolean");
    if (!torch.cuda.isAvailable()) assert.equal(dist.isNcclAvailable(), false);
  });

  it("refuses collectives before initProcessGroup, and bad configurations, with clear errors", () => {
    assert.throws(() => dist.allReduce(torch.ones([2])), /default process group has not been initialized/);
    assert.throws(() => dist.getRank(), /has not been initialized/);
    assert.throws(() => dist.initProcessGroup({ initMethod: "tcp://127.0.0.1:1", rank: 2, worldSize: 2 }), /rank 2 is outside the world of 2 ranks/);
    assert.throws(() => dist.initProcessGroup({ initMethod: "udp://x:1", rank: 0, worldSize: 1 }), /unknown init method scheme 'udp:\/\/'/);
    assert.throws(() => dist.initProcessGroup({ initMethod: "tcp://127.0.0.1:1", worldSize: 1 }), /needs rank and worldSize/);
    assert.throws(() => dist.initProcessGroup({ backend: "mpi" as never, initMethod: "file:///tmp/x", rank: 0, worldSize: 1 }), /unknown backend 'mpi'/);
    const saved = { ...process.env };
    try {
      delete process.env.MASTER_ADDR;
      process.env.RANK = "0";
      process.env.WORLD_SIZE = "1";
      assert.throws(() => dist.initProcessGroup(), /environment variable MASTER_ADDR expected, but not set/);
    } finally {
      process.env = saved;
    }
    assert.equal(dist.isInitialized(), false);
  });

  it("a one-rank group over file:// runs collectives; list lengths and ranks are checked", () => {
    const dir = mkdtempSync(join(tmpdir(), "tstorch-dist-"));
    try {
      dist.initProcessGroup({ backend: "gloo", initMethod: `file://${join(dir, "store")}`, rank: 0, worldSize: 1, timeout: 10_000 });
      assert.throws(() => dist.initProcessGroup({ initMethod: `file://${join(dir, "store")}`, rank: 0, worldSize: 1 }), /twice/);
      assert.equal(dist.getRank(), 0);
      assert.equal(dist.getWorldSize(), 1);
      assert.equal(dist.getBackend(), "gloo");
      const x = torch.tensor([1.5, -2], { dtype: "float32" });
      dist.allReduce(x, { op: "max" });
      assert.deepEqual(x.toArray(), [1.5, -2]);
      assert.throws(() => dist.allReduce(torch.tensor([1, 2], { dtype: "int64" }), { op: "avg" }), /'avg' needs a floating tensor, got int64/);
      assert.throws(() => dist.allReduce(x, { op: "mean" as never }), /unknown reduce op 'mean'/);
      assert.throws(() => dist.allGather([torch.zeros([2]), torch.zeros([2])], x), /needs one tensor per rank \(1\), got 2/);
      assert.throws(() => dist.broadcast(x, 3), /global rank 3 is not in this group/);
      assert.throws(() => dist.newGroup([0, 1]), /world size should be less or equal/);
      assert.throws(() => dist.newGroup([1]), /rank 1 is outside the world \(0..0\)/);
      const g = dist.newGroup([0])!;
      assert.equal(dist.getWorldSize(g), 1);
      dist.destroyProcessGroup();
      assert.equal(dist.isInitialized(), false);
    } finally {
      dist.destroyProcessGroup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
