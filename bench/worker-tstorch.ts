// The tstorch side of the benchmark: a long-lived process that run.ts drives over stdin/stdout
// (bench/protocol.ts). Environment: BENCH_THREADS (libtorch threads), BENCH_DATA (CIFAR-10
// folder), BENCH_SEED; TSTORCH_CPU_ALLOCATOR=default selects libtorch's own CPU allocator.
// The models, their initialisation (PyTorch's draws, then tch's redraw after the same seed) and
// the Adam learning rates are those of shared/reference/torch_reference.py, so both sides start
// from bit-identical weights and report the same first loss.
import { join } from "node:path";
import * as torch from "../src/index.js";
import { readBatchInto, resolveCifar10BinDir } from "../src/data/cifar10-files.js";
import { buildModel as buildSeedModel } from "../src/cli/models.js";
import { Bench, Info, Memory, RunResult, SeedModel, procMemory, serve } from "./protocol.js";
import { runSmall } from "./small-models-tstorch.js";

const threads = Number(process.env.BENCH_THREADS ?? "0");
if (threads > 0) torch.setNumThreads(threads);
const seed = Number(process.env.BENCH_SEED ?? "0");
const DEVICE = process.env.BENCH_DEVICE ?? "cpu";
/** GPU work is queued: wait for it before reading the clock. */
const sync = (): void => {
  if (DEVICE !== "cpu") torch.cuda.synchronize();
};
/** The seed's learning rates (torch_reference.py DEFAULT_LR). */
const LR: Record<SeedModel, number> = { mlp: 1e-2, cnn: 1e-3, ae: 1e-2 };

// The same builder the CLI uses (src/cli/models.ts): PyTorch's draws, then tch's redraw.
function buildModel(name: SeedModel): torch.nn.Module {
  torch.manualSeed(seed);
  return buildSeedModel(name === "ae" ? "autoencoder" : name, "tch").to(DEVICE);
}

// ---------------------------------------------------------------- data (loaded once, on first use)
// torch.data.loadCifar10 (all 50,000 + 10,000 images); with BENCH_SUBSET=1 (--quick) only
// data_batch_1 and test_batch, converted the same way (u8 → float32 / 255, labels int64).
let cifar: torch.data.Cifar10 | null = null;
function data(): torch.data.Cifar10 {
  if (cifar === null) {
    const dir = process.env.BENCH_DATA;
    if (!dir) throw new Error("BENCH_DATA is not set");
    if (process.env.BENCH_SUBSET !== "1") {
      cifar = torch.data.loadCifar10(dir);
    } else {
      const bin = resolveCifar10BinDir(dir);
      const part = (file: string): [torch.Tensor, torch.Tensor] => {
        const img = new Uint8Array(10_000 * 3072);
        const lab = new Uint8Array(10_000);
        readBatchInto(join(bin, file), img, lab, 0);
        return torch.scope(() => [
          torch.fromTypedArray(img, [10_000, 3, 32, 32]).to("float32").div_(255),
          torch.fromTypedArray(lab, [10_000]).to("int64"),
        ]);
      };
      const [trainImages, trainLabels] = part("data_batch_1.bin");
      const [testImages, testLabels] = part("test_batch.bin");
      cifar = { trainImages, trainLabels, testImages, testLabels };
    }
    if (DEVICE !== "cpu") {
      const c: torch.data.Cifar10 = cifar;
      cifar = torch.scope(() => ({
        trainImages: c.trainImages.to(DEVICE), trainLabels: c.trainLabels.to(DEVICE),
        testImages: c.testImages.to(DEVICE), testLabels: c.testLabels.to(DEVICE),
      }));
      torch.dispose([c.trainImages, c.trainLabels, c.testImages, c.testLabels]);
    }
  }
  return cifar;
}
/** The first n rows of t (a view, or t itself). */
function head(t: torch.Tensor, n: number): torch.Tensor {
  if (n > t.shape[0]) throw new Error(`asked for ${n} rows of ${t.shape[0]}`);
  return n === t.shape[0] ? t : t.narrow(0, 0, n).contiguous();
}

// ---------------------------------------------------------------- state kept between requests
interface Trainer {
  model: torch.nn.Module;
  opt: torch.optim.Adam;
  x: torch.Tensor;
  y: torch.Tensor | null;
}
const trainers = new Map<string, Trainer>();
function trainer(name: SeedModel, n: number): Trainer {
  const key = `${name}/${n}`;
  let t = trainers.get(key);
  if (t === undefined) {
    const d = data();
    const model = buildModel(name);
    const opt = new torch.optim.Adam(model.parameters(), { lr: LR[name] });
    // the seed trains the autoencoder on the 10,000 test images
    t = name === "ae"
      ? { model, opt, x: head(d.testImages, n), y: null }
      : { model, opt, x: head(d.trainImages, n), y: head(d.trainLabels, n) };
    trainers.set(key, t);
  }
  return t;
}

let small: { a: torch.Tensor; b: torch.Tensor; c: torch.Tensor } | null = null;
let mm: { n: number; a: torch.Tensor; b: torch.Tensor } | null = null;
let epochs = 0;

function run(b: Bench): RunResult {
  switch (b.kind) {
    case "add": {
      const x = torch.rand([4], { device: DEVICE });
      const y = torch.rand([4], { device: DEVICE });
      sync();
      const t0 = performance.now();
      for (let i = 0; i < b.iters; i++) x.add(y).dispose();
      sync();
      const seconds = (performance.now() - t0) / 1000;
      x.dispose();
      y.dispose();
      return { seconds };
    }
    case "chain": {
      small ??= { a: torch.rand([64, 64], { device: DEVICE }), b: torch.rand([64, 64], { device: DEVICE }), c: torch.rand([64, 64], { device: DEVICE }) };
      const { a, b: bb, c } = small;
      sync();
      const t0 = performance.now();
      for (let i = 0; i < b.iters; i++) {
        torch.scope(() => {
          let x = a;
          for (let k = 0; k < 4; k++) x = x.add(bb).mul(c).sub(bb).relu().mul(0.5);
        });
      }
      sync();
      return { seconds: (performance.now() - t0) / 1000 };
    }
    case "matmul": {
      if (mm === null || mm.n !== b.n) {
        if (mm !== null) torch.dispose([mm.a, mm.b]);
        mm = { n: b.n, a: torch.rand([b.n, b.n], { device: DEVICE }), b: torch.rand([b.n, b.n], { device: DEVICE }) };
      }
      sync();
      const t0 = performance.now();
      for (let i = 0; i < b.iters; i++) mm.a.matmul(mm.b).dispose();
      sync();
      return { seconds: (performance.now() - t0) / 1000 };
    }
    case "step": {
      const { model, opt, x, y } = trainer(b.model, b.n);
      const iters = b.iters ?? 1;
      let fwd = 0, bwd = 0, optS = 0, firstLoss = NaN;
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) {
        const ts = performance.now();
        const r = torch.scope(() => {
          opt.zeroGrad();
          const out = model.forward(x);
          const loss = y === null ? out.mseLoss(x) : out.crossEntropyForLogits(y);
          const t1 = performance.now();
          loss.backward();
          const t2 = performance.now();
          opt.step();
          const t3 = performance.now();
          // one read of the loss (a device sync on a GPU), as the PyTorch worker's
          return { t1, t2, t3, loss: i === 0 ? loss.item() : NaN };
        });
        fwd += r.t1 - ts;
        bwd += r.t2 - r.t1;
        optS += r.t3 - r.t2;
        if (i === 0) firstLoss = r.loss;
      }
      const per = (ms: number): number => ms / iters / 1000;
      return { seconds: per(performance.now() - t0), fwd: per(fwd), bwd: per(bwd), opt: per(optS), loss: firstLoss };
    }
    case "epoch": {
      const { model, opt, x, y } = trainer("cnn", b.n);
      const epoch = epochs++;
      let tot = 0;
      let cnt = 0;
      const t0 = performance.now();
      for (const batch of torch.data.batches(x, y as torch.Tensor, { batchSize: b.batchSize, shuffle: true, seed: 1000 + seed, epoch })) {
        if (b.limit !== undefined && batch.index >= b.limit) {
          torch.dispose([batch.images, batch.labels]);
          break;
        }
        const len = batch.images.shape[0];
        torch.scope(() => {
          const loss = model.forward(batch.images).crossEntropyForLogits(batch.labels);
          opt.backwardStep(loss);
          tot += loss.item() * len;
          cnt += len;
        });
        torch.dispose([batch.images, batch.labels]);
      }
      return { seconds: (performance.now() - t0) / 1000, loss: tot / cnt };
    }
    case "eval": {
      // the CNN that the epochs trained when there is one, else a fresh one
      const model = [...trainers.entries()].find(([k]) => k.startsWith("cnn/"))?.[1].model ?? trainer("cnn", 1).model;
      const d = data();
      const x = head(d.testImages, b.n);
      const y = head(d.testLabels, b.n);
      sync();
      const t0 = performance.now();
      const acc = torch.noGrad(() => torch.scope(() => model.forward(x).accuracyForLogits(y).item()));
      const seconds = (performance.now() - t0) / 1000;
      if (x !== d.testImages) torch.dispose([x, y]);
      return { seconds, acc };
    }
    case "small":
      return runSmall(b.model, b.iters);
  }
}

function info(): Info {
  const v = torch.versions();
  const mem = torch.cpuMemoryStats();
  return {
    impl: "tstorch",
    version: v.tstorch,
    threads: torch.getNumThreads(),
    detail: { libtorch: v.libtorch, cachingAllocator: mem.caching, node: process.version, device: DEVICE },
  };
}

function memory(): Memory {
  const s = torch.cpuMemoryStats();
  const extra: Record<string, unknown> = { caching: s.caching };
  if (s.caching) {
    extra.peakAllocatedMiB = (s.peakAllocatedBytes ?? 0) / 2 ** 20;
    extra.cachedMiB = (s.cachedBytes ?? 0) / 2 ** 20;
    extra.hits = s.hits;
    extra.misses = s.misses;
  }
  return { ...procMemory(), extra };
}

await serve((r) => {
  if (r.op === "info") return info();
  if (r.op === "memory") return memory();
  if (r.op === "run") return run(r.bench);
  throw new Error(`unknown op ${(r as { op: string }).op}`);
});
// The addon's finalizers may still hold tensors: leave at once rather than wait for the loop.
process.exit(0);
