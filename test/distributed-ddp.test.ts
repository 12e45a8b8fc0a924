// nn.parallel.DistributedDataParallel on 2 ranks against one process, noSync() accumulation, and
// data.DistributedSampler against PyTorch's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { seedModelSeq } from "./helpers/seed-models.js";
import { runPython } from "./helpers/python.js";
import { assertAllOk, launch, nodeRanks } from "./helpers/distributed.js";

/** The worker's data and initialisation, trained in one process on the whole 128-image batches. */
function referenceCnn(steps: number): number[][] {
  return torch.scope(() => {
    torch.manualSeed(1234);
    const data = Array.from({ length: steps }, () => ({ x: torch.randn([128, 3, 32, 32]), y: torch.randint(0, 10, [128]) }));
    torch.manualSeed(7);
    const net = seedModelSeq("cnn", "tch");
    const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
    for (const b of data) torch.scope(() => opt.backwardStep(net.forward(b.x).crossEntropyForLogits(b.y)));
    return net.parameters().map((p) => Array.from(p.flatten().toArray() as number[]));
  });
}

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((xs, i) => xs.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}

describe("DistributedDataParallel", () => {
  it("2 ranks x batch 64 for 20 steps end with one process's parameters on 128-image batches", { timeout: 120_000 }, async () => {
    const rs = await launch(nodeRanks(2, "ddp-cnn", "20", "25"), { timeoutMs: 110_000 });
    assertAllOk(rs);
    const [r0, r1] = rs.map((r) => r.json);
    assert.deepEqual(r0.params, r1.params, "the ranks' parameters are identical");
    const ref = referenceCnn(20);
    const d = maxDiff(r0.params, ref);
    // float32: the 2-rank mean (g0 / 2 + g1 / 2) and the 128-image mean round differently; Adam turns
    // such last-bit differences into parameter differences of order 1e-5 over 20 steps (lr 1e-3)
    assert.ok(d < 1e-4, `max |DDP - single process| = ${d}`);
    assert.ok(maxDiff(r0.params, referenceCnn(0)) > 1e-2, "training moved the parameters");
    // first iteration: one bucket in parameter order; then rebuilt in gradient-ready order (PyTorch's protocol)
    assert.deepEqual(r0.buckets[0], [[0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(r0.buckets[1].flat().sort(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(r0.buckets[1], r1.buckets[1]);
    assert.deepEqual(r0.stateKeys, ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"].map((k) => k), "no 'module.' prefix");
  });

  it("small buckets start their all-reduce during backward and still match one process", { timeout: 90_000 }, async () => {
    const rs = await launch(nodeRanks(2, "ddp-cnn", "4", "0.004"), { timeoutMs: 80_000 });
    assertAllOk(rs);
    const [r0, r1] = rs.map((r) => r.json);
    assert.deepEqual(r0.params, r1.params);
    assert.ok(maxDiff(r0.params, referenceCnn(4)) < 1e-4);
    const rebuilt: number[][] = r0.buckets[2];
    assert.ok(rebuilt.length >= 3, `several buckets after the rebuild: ${JSON.stringify(rebuilt)}`);
    // the first bucket's all-reduce started when only its own gradients were ready
    assert.equal(r0.launchPoints.length, rebuilt.length);
    assert.equal(r0.launchPoints[0], rebuilt[0]!.length);
    assert.ok(r0.launchPoints[0] < 6);
  });

  it("noSync() accumulation then a synchronised backward equals one larger step", { timeout: 60_000 }, async () => {
    const rs = await launch(nodeRanks(2, "no-sync"), { timeoutMs: 50_000 });
    assertAllOk(rs);
    const want = torch.scope(() => {
      torch.manualSeed(5);
      const net = new torch.nn.Linear(6, 3);
      torch.manualSeed(50);
      const xs = Array.from({ length: 4 }, () => torch.randn([8, 6]));
      const ys = Array.from({ length: 4 }, () => torch.randn([8, 3]));
      const local0 = torch.scope(() => {
        net.forward(xs[0]!).sub(ys[0]!).pow(2).mean().backward();
        const g = Array.from(net.weight.grad!.flatten().toArray() as number[]);
        net.zeroGrad();
        return g;
      });
      // one step over all four micro-batches: each rank's sum of two micro-batch losses, averaged over 2 ranks
      xs.map((x, i) => net.forward(x).sub(ys[i]!).pow(2).mean()).reduce((a, b) => a.add(b)).div(2).backward();
      return { local0, grads: net.parameters().map((p) => Array.from(p.grad!.flatten().toArray() as number[])) };
    });
    for (const r of rs) assert.ok(maxDiff(r.json.grads, want.grads) < 1e-6, `rank ${r.rank}: ${maxDiff(r.json.grads, want.grads)}`);
    assert.ok(maxDiff([rs[0]!.json.localAfterNoSync], [want.local0]) < 1e-7, "under noSync the gradient stayed local");
  });
});

describe("data.DistributedSampler", () => {
  const settings = [
    { n: 10, numReplicas: 3, shuffle: true, seed: 0, epoch: 0, dropLast: false },
    { n: 10, numReplicas: 3, shuffle: true, seed: 0, epoch: 0, dropLast: true },
    { n: 11, numReplicas: 4, shuffle: false, seed: 0, epoch: 0, dropLast: false },
    { n: 11, numReplicas: 4, shuffle: false, seed: 0, epoch: 0, dropLast: true },
    { n: 50000, numReplicas: 2, shuffle: true, seed: 1, epoch: 3, dropLast: false },
    { n: 3, numReplicas: 8, shuffle: true, seed: 42, epoch: 1, dropLast: false },
    { n: 1000, numReplicas: 7, shuffle: true, seed: 5, epoch: 2, dropLast: true },
  ];
  it("gives each rank exactly PyTorch's indices (shuffle, padding, drop-last, seed + epoch)", () => {
    const py = runPython(
      `
      import torch
      from torch.utils.data import DistributedSampler
      OUTPUT = []
      for s in INPUT:
          ranks = []
          for r in range(s["numReplicas"]):
              smp = DistributedSampler(range(s["n"]), num_replicas=s["numReplicas"], rank=r, shuffle=s["shuffle"], seed=s["seed"], drop_last=s["dropLast"])
              smp.set_epoch(s["epoch"])
              ranks.append(list(smp))
          OUTPUT.append(ranks)
      `,
      settings,
    ) as number[][][];
    settings.forEach((s, k) => {
      for (let r = 0; r < s.numReplicas; r++) {
        const smp = new torch.data.DistributedSampler(s.n, { numReplicas: s.numReplicas, rank: r, shuffle: s.shuffle, seed: s.seed, dropLast: s.dropLast });
        smp.setEpoch(s.epoch);
        assert.deepEqual([...smp], py[k]![r], `setting ${k}, rank ${r}`);
        assert.equal(smp.length, py[k]![r]!.length);
      }
    });
  });

  it("leaves the global random state alone, and checks its arguments", () => {
    torch.manualSeed(3);
    const a = torch.rand([4]).toArray();
    torch.manualSeed(3);
    [...new torch.data.DistributedSampler(100, { numReplicas: 2, rank: 0 })];
    assert.deepEqual(torch.rand([4]).toArray(), a);
    assert.throws(() => new torch.data.DistributedSampler(10, { numReplicas: 2, rank: 2 }), /invalid rank 2, rank should be in the interval \[0, 1\]/);
    assert.throws(() => new torch.data.DistributedSampler(10), /numReplicas and rank are needed when no process group is initialized/);
    assert.throws(() => new torch.data.DistributedSampler(-1, { numReplicas: 1, rank: 0 }), /non-negative integer/);
  });
});
