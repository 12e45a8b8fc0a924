// One tstorch rank and one PyTorch rank (/usr/bin/python3, torch.distributed with Gloo) in one process
// group: collectives together, and a data-parallel CNN with PyTorch's DistributedDataParallel on the
// Python side and tstorch's on the other, in lock-step.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { seedModelSeq } from "./helpers/seed-models.js";
import { PYTHON } from "./helpers/python.js";
import { PY_WORKER, WORKER, assertAllOk, launch } from "./distributed-helpers.js";

const tstorchRank = (scenario: string, ...args: string[]) => ({ cmd: process.execPath, args: [WORKER, scenario, ...args] });
const torchRank = (scenario: string, ...args: string[]) => ({ cmd: PYTHON, args: [PY_WORKER, scenario, ...args] });

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((xs, i) => xs.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}

describe("tstorch and PyTorch ranks in one process group", () => {
  for (const order of [["tstorch", "torch"], ["torch", "tstorch"]] as const) {
    it(`all-reduce, broadcast, all-gather and a subgroup give the same results (rank 0: ${order[0]})`, { timeout: 60_000 }, async () => {
      const rs = await launch(order.map((who) => (who === "tstorch" ? tstorchRank("interop-collectives") : torchRank("collectives"))), { timeoutMs: 50_000 });
      assertAllOk(rs);
      for (const r of rs) {
        assert.deepEqual(r.json.allReduce, [3, 30], `${order[r.rank]} rank ${r.rank}`);
        assert.deepEqual(r.json.allReduceProduct, [6]);
        assert.deepEqual(r.json.broadcast, [5, 6]);
        assert.deepEqual(r.json.allGather, [[0, 0, 0], [1, 10, 100]]);
        assert.deepEqual(r.json.subgroupMax, [2]);
      }
    });
  }

  it("a 2-rank data-parallel CNN, tstorch DDP with PyTorch DDP, stays in lock-step for 10 steps", { timeout: 90_000 }, async () => {
    const rs = await launch([tstorchRank("interop-ddp", "10"), torchRank("ddp-cnn", "10")], { timeoutMs: 80_000 });
    assertAllOk(rs);
    const [ts, py] = rs.map((r) => r.json);
    const between = maxDiff(ts.params, py.params);
    assert.ok(between < 1e-6, `max |tstorch rank - PyTorch rank| = ${between}`);
    // and both follow one process trained on the whole batches (the data is the same on both sides)
    const ref = torch.scope(() => {
      torch.manualSeed(1234);
      const data = Array.from({ length: 10 }, () => ({ x: torch.randn([128, 3, 32, 32]), y: torch.randint(0, 10, [128]) }));
      torch.manualSeed(7);
      const net = seedModelSeq("cnn", "tch");
      const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
      for (const b of data) torch.scope(() => opt.backwardStep(net.forward(b.x).crossEntropyForLogits(b.y)));
      return net.parameters().map((p) => Array.from(p.flatten().toArray() as number[]));
    });
    assert.ok(maxDiff(ts.params, ref) < 1e-4, `max |DDP - one process| = ${maxDiff(ts.params, ref)}`);
    assert.equal(ts.buckets.flat().length, 6);
    console.log(`# interop lock-step: max |tstorch - PyTorch| = ${between}, vs one process ${maxDiff(ts.params, ref)}`);
  });
});
