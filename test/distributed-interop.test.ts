// One tstorch rank and one PyTorch rank (/usr/bin/python3, torch.distributed with Gloo) in one process
// group: collectives together, and a data-parallel CNN with PyTorch's DistributedDataParallel on the
// Python side and tstorch's on the other, in lock-step.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { seedModelSeq } from "./helpers/seed-models.js";
import { PYTHON } from "./helpers/python.js";
import { PY_WORKER, WORKER, assertAllOk, launch } from "./helpers/distributed.js";

const tstorchRank = (scenario: string, ...args: string[]) => ({ cmd: process.execPath, args: [WORKER, scenario, ...args] });
// USE_LIBUV=0: Debian's PyTorch 2.x has no libuv TCPStore server, which it would otherwise ask for
// (1.13 ignores the variable).
const torchRank = (scenario: string, ...args: string[]) => ({ cmd: PYTHON, args: [PY_WORKER, scenario, ...args], env: { USE_LIBUV: "0" } });
const [major, minor] = torch.versions().libtorch.split(".").map(Number);
const glooReduceScatter = major! > 2 || (major === 2 && minor! >= 8);

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((xs, i) => xs.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}

describe("tstorch and PyTorch ranks in one process group", () => {
  // Each rank r contributes r + 1 and r + 2, rank 1 broadcasts, ranks 0 and 1 form a subgroup.
  const check = (rs: Awaited<ReturnType<typeof launch>>, who: readonly string[]) => {
    const n = who.length;
    const sum = (n * (n + 1)) / 2;
    for (const r of rs) {
      const at = `${who[r.rank]} rank ${r.rank} of ${n}`;
      assert.deepEqual(r.json.allReduce, [sum, 10 * sum], at);
      assert.deepEqual(r.json.allReduceProduct, [Array.from({ length: n }, (_, i) => i + 2).reduce((a, b) => a * b)], at);
      assert.deepEqual(r.json.broadcast, [5, 6], at);
      assert.deepEqual(r.json.allGather, Array.from({ length: n }, (_, i) => [i, 10 * i, 100 * i]), at);
      assert.deepEqual(r.json.subgroupMax, r.rank < 2 ? [2] : undefined, at);
      assert.deepEqual(r.json.reduceScatter, glooReduceScatter ? [(r.rank + 1) * sum, (r.rank + 1) * sum * 10] : undefined, at);
    }
  };
  const orders = [["tstorch", "torch"], ["torch", "tstorch"], ["tstorch", "torch", "tstorch"], ["torch", "tstorch", "tstorch"]] as const;
  for (const order of orders) {
    it(`all-reduce, broadcast, all-gather${glooReduceScatter ? ", reduce-scatter" : ""} and a subgroup give the same results (${order.join(", ")})`, { timeout: 60_000 }, async () => {
      const rs = await launch(order.map((who) => (who === "tstorch" ? tstorchRank("interop-collectives") : torchRank("collectives"))), { timeoutMs: 50_000 });
      assertAllOk(rs);
      check(rs, order);
    });
  }
  // PyTorch 2.1 on runs the store-based barrier after init_process_group/new_group only when asked
  // (with its own key and last-worker protocol); 1.13 always runs it and ignores the variable.
  it("the same with TORCH_DIST_INIT_BARRIER=1 (tstorch, torch, tstorch)", { timeout: 60_000 }, async () => {
    const order = ["tstorch", "torch", "tstorch"] as const;
    const rs = await launch(order.map((who) => (who === "tstorch" ? tstorchRank("interop-collectives") : torchRank("collectives"))), {
      timeoutMs: 50_000,
      env: { TORCH_DIST_INIT_BARRIER: "1" },
    });
    assertAllOk(rs);
    check(rs, order);
  });

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
