// One rank of a multi-process torch.distributed test: `node rank.js <scenario> [args]`, started by
// test/helpers/distributed.ts with torchrun's variables. Prints its results as one JSON line.
import * as torch from "../../src/index.js";
import { seedModelSeq } from "../helpers/seed-models.js";

const { distributed: dist } = torch;
const scenario = process.argv[2];
const timeout = Number(process.env.TEST_DIST_TIMEOUT_MS ?? 20_000);

function t(values: number[]): torch.Tensor {
  return torch.tensor(values, { dtype: "float32" });
}
function arr(x: torch.Tensor): number[] {
  return x.toArray() as number[];
}

async function collectives(): Promise<unknown> {
  dist.initProcessGroup({ backend: "gloo", initMethod: "env://", timeout });
  const rank = dist.getRank();
  const n = dist.getWorldSize();
  const out: Record<string, unknown> = { rank, n };
  for (const op of ["sum", "avg", "product", "min", "max"] as const) {
    const x = t([rank + 1, 10 * (rank + 1) - rank * rank]);
    dist.allReduce(x, { op });
    out[`allReduce_${op}`] = arr(x);
  }
  const b = rank === n - 1 ? t([7, 8, 9]) : t([0, 0, 0]);
  dist.broadcast(b, n - 1);
  out.broadcast = arr(b);
  const parts = Array.from({ length: n }, () => torch.zeros([2]));
  dist.allGather(parts, t([rank, rank * 100]));
  out.allGather = parts.map(arr);
  const rs = torch.zeros([2]);
  dist.reduceScatter(rs, Array.from({ length: n }, (_, i) => t([rank + i, 10 * i])), { op: "sum" });
  out.reduceScatter = arr(rs);
  const gl = rank === 0 ? Array.from({ length: n }, () => torch.zeros([1])) : undefined;
  dist.gather(t([rank * rank + 1]), { gatherList: gl, dst: 0 });
  out.gather = gl?.map(arr) ?? null;
  const sc = torch.zeros([2]);
  dist.scatter(sc, { scatterList: rank === 0 ? Array.from({ length: n }, (_, i) => t([i, -i])) : undefined, src: 0 });
  out.scatter = arr(sc);
  // ring of send/recv: even ranks send first, odd ranks receive first (no deadlock on Gloo's pairs)
  const next = (rank + 1) % n, prev = (rank + n - 1) % n;
  const got = torch.zeros([1]);
  const s = dist.isend(t([100 + rank]), next);
  dist.recv(got, prev);
  s.waitSync();
  out.sendRecv = arr(got);
  // async: the event loop keeps running while an all-reduce waits for a late rank
  const late = t([rank + 1]);
  if (rank === 0) await new Promise((r) => setTimeout(r, 400));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const w = dist.allReduce(late, { op: "sum", asyncOp: true });
  await w.wait();
  clearInterval(timer);
  out.asyncSum = arr(late);
  out.asyncTicks = ticks;
  const w2 = dist.broadcast(t(rank === 0 ? [5] : [0]), 0, { asyncOp: true });
  await w2.wait();
  // a group over ranks 0 and 1 (on three ranks, rank 2 stays out)
  const g = dist.newGroup([0, 1]);
  if (g) {
    const y = t([rank + 1]);
    dist.allReduce(y, { group: g });
    out.subgroup = arr(y);
    out.subgroupRank = dist.getRank(g);
  } else {
    out.subgroup = null;
  }
  dist.barrier();
  dist.destroyProcessGroup();
  return out;
}

/** Deterministic data: the same 128-image batches on every rank (each takes its slice). */
function batches(steps: number, size: number): { x: torch.Tensor; y: torch.Tensor }[] {
  torch.manualSeed(1234);
  return Array.from({ length: steps }, () => ({ x: torch.randn([size, 3, 32, 32]), y: torch.randint(0, 10, [size]) }));
}

function ddpCnn(): unknown {
  const steps = Number(process.argv[3] ?? 20);
  dist.initProcessGroup({ backend: "gloo", timeout });
  const rank = dist.getRank(), n = dist.getWorldSize();
  const data = batches(steps, 128);
  torch.manualSeed(100 + rank); // different initialisations: DDP must broadcast rank 0's
  const net = seedModelSeq("cnn", "tch");
  if (rank === 0) {
    torch.manualSeed(7);
    const ref = seedModelSeq("cnn", "tch");
    torch.noGrad(() => net.parameters().forEach((p, i) => p.copy_(ref.parameters()[i]!)));
  }
  const ddp = new torch.nn.parallel.DistributedDataParallel(net, { bucketCapMB: Number(process.argv[4] ?? 25), firstBucketCapMB: Math.min(1, Number(process.argv[4] ?? 25)) });
  const opt = new torch.optim.Adam(ddp.parameters(), { lr: 1e-3 });
  const per = 128 / n;
  const buckets: number[][][] = [ddp.bucketIndices()];
  for (const b of data) {
    torch.scope(() => {
      const x = b.x.narrow(0, rank * per, per), y = b.y.narrow(0, rank * per, per);
      opt.zeroGrad();
      ddp.forward(x).crossEntropyForLogits(y).backward();
      opt.step();
    });
    if (buckets.length === 1) buckets.push(ddp.bucketIndices());
  }
  buckets.push(ddp.bucketIndices());
  return {
    rank,
    params: net.parameters().map((p) => Array.from(p.flatten().toArray() as number[])),
    buckets,
    launchPoints: ddp.bucketLaunchPoints(),
    stateKeys: [...ddp.stateDict().keys()],
  };
}

function noSync(): unknown {
  dist.initProcessGroup({ backend: "gloo", timeout });
  const rank = dist.getRank();
  torch.manualSeed(5);
  const net = new torch.nn.Linear(6, 3);
  const ddp = new torch.nn.parallel.DistributedDataParallel(net);
  torch.manualSeed(50);
  const xs = Array.from({ length: 4 }, () => torch.randn([8, 6])); // [rank0 a, rank0 b, rank1 a, rank1 b]
  const ys = Array.from({ length: 4 }, () => torch.randn([8, 3]));
  const [a, b] = [2 * rank, 2 * rank + 1];
  ddp.noSync(() => ddp.forward(xs[a]!).sub(ys[a]!).pow(2).mean().backward());
  const localAfterNoSync = arr(net.weight.grad!.flatten());
  ddp.forward(xs[b]!).sub(ys[b]!).pow(2).mean().backward();
  return { rank, localAfterNoSync, grads: net.parameters().map((p) => arr(p.grad!.flatten())) };
}

/** The tstorch side of torch_rank.py's "collectives" (one PyTorch rank in the same group). */
function interopCollectives(): unknown {
  dist.initProcessGroup({ backend: "gloo", timeout });
  const rank = dist.getRank(), n = dist.getWorldSize();
  const out: Record<string, unknown> = { rank, n };
  const x = t([rank + 1, 10 * (rank + 1)]);
  dist.allReduce(x);
  out.allReduce = arr(x);
  const p = t([rank + 2]);
  dist.allReduce(p, { op: "product" });
  out.allReduceProduct = arr(p);
  const b = rank === 1 ? t([5, 6]) : torch.zeros([2]);
  dist.broadcast(b, 1);
  out.broadcast = arr(b);
  const parts = Array.from({ length: n }, () => torch.zeros([3], { dtype: "int64" }));
  dist.allGather(parts, torch.tensor([rank, rank * 10, rank * 100], { dtype: "int64" }));
  out.allGather = parts.map(arr);
  const g = dist.newGroup([0, 1]);
  if (g) {
    const y = t([rank + 1]);
    dist.allReduce(y, { op: "max", group: g });
    out.subgroupMax = arr(y);
  }
  // where the PyTorch side can (its Gloo has reduce_scatter from 2.8): the same call, Gloo's protocol
  const [major, minor] = torch.versions().libtorch.split(".").map(Number);
  if (major! > 2 || (major === 2 && minor! >= 8)) {
    const o = torch.zeros([2]);
    dist.reduceScatter(o, Array.from({ length: n }, (_, i) => t([(rank + 1) * (i + 1), (rank + 1) * (i + 1) * 10])));
    out.reduceScatter = arr(o);
  }
  dist.barrier();
  dist.destroyProcessGroup();
  return out;
}

/** The tstorch side of torch_rank.py's "ddp-cnn": PyTorch's DDP on the other rank. */
function interopDdp(): unknown {
  const steps = Number(process.argv[3] ?? 10);
  dist.initProcessGroup({ backend: "gloo", timeout });
  const rank = dist.getRank(), n = dist.getWorldSize();
  const data = batches(steps, 128);
  torch.manualSeed(7);
  const net = seedModelSeq("cnn", "tch");
  const ddp = new torch.nn.parallel.DistributedDataParallel(net);
  const opt = new torch.optim.Adam(ddp.parameters(), { lr: 1e-3 });
  const per = 128 / n;
  for (const b of data)
    torch.scope(() => {
      opt.zeroGrad();
      ddp.forward(b.x.narrow(0, rank * per, per)).crossEntropyForLogits(b.y.narrow(0, rank * per, per)).backward();
      opt.step();
    });
  const out = { rank, params: net.parameters().map((p) => Array.from(p.flatten().toArray() as number[])), buckets: ddp.bucketIndices() };
  dist.destroyProcessGroup();
  return out;
}

/** Trains until killed, printing "step N" (the fault test kills a rank mid-training). */
function trainForever(): void {
  dist.initProcessGroup({ backend: "gloo", timeout });
  const net = seedModelSeq("cnn", "tch");
  const ddp = new torch.nn.parallel.DistributedDataParallel(net);
  const opt = new torch.optim.Adam(ddp.parameters(), { lr: 1e-3 });
  for (let step = 0; ; step++) {
    torch.scope(() => {
      opt.zeroGrad();
      ddp.forward(torch.randn([16, 3, 32, 32])).crossEntropyForLogits(torch.randint(0, 10, [16])).backward();
      opt.step();
    });
    console.log(`step ${step}`);
  }
}

async function main(): Promise<void> {
  const scenarios: Record<string, () => unknown> = { collectives, "ddp-cnn": ddpCnn, "no-sync": noSync, "train-forever": trainForever,
    "interop-collectives": interopCollectives, "interop-ddp": interopDdp };
  const fn = scenarios[scenario!];
  if (!fn) throw new Error(`unknown scenario ${scenario}`);
  const out = await fn();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
});
