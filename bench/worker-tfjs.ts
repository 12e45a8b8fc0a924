// The TensorFlow.js side of the benchmark (the ecosystem comparison): the seed's CNN trained with
// @tensorflow/tfjs on its pure-JavaScript "cpu" backend (single-threaded), driven by run.ts over
// stdin/stdout (bench/protocol.ts). Only the CNN training step is measured here: tfjs's layers are
// NHWC, so the images are transposed once when loaded; initialisation follows tch's bounds and
// Adam runs at the seed's lr 1e-3. Environment: BENCH_DATA, BENCH_SEED.
import tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { readBatchInto, resolveCifar10BinDir } from "../src/data/cifar10-files.js";
import { Bench, Info, Memory, RunResult, procMemory, serve } from "./protocol.js";

const seed = Number(process.env.BENCH_SEED ?? "0");

function buildCnn(): tf.Sequential {
  const u = (fanIn: number, gain = Math.sqrt(6 / fanIn), k = 0) =>
    tf.initializers.randomUniform({ minval: -gain, maxval: gain, seed: seed + k });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({
    inputShape: [32, 32, 3], filters: 16, kernelSize: 3, padding: "same", activation: "relu",
    kernelInitializer: u(27, undefined, 1), biasInitializer: "zeros",
  }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({
    filters: 8, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: u(144, undefined, 2), biasInitializer: "zeros",
  }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, kernelInitializer: u(512, undefined, 3), biasInitializer: u(512, 1 / Math.sqrt(512), 4) }));
  return m;
}

interface Trainer {
  model: tf.Sequential;
  opt: tf.Optimizer;
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}
const trainers = new Map<number, Trainer>();

function trainer(n: number): Trainer {
  let t = trainers.get(n);
  if (t === undefined) {
    const dir = process.env.BENCH_DATA;
    if (!dir) throw new Error("BENCH_DATA is not set");
    // the first n ≤ 10,000 training images are those of data_batch_1
    if (n > 10_000) throw new Error(`the tfjs worker reads data_batch_1 only: at most 10000 images, not ${n}`);
    const images = new Uint8Array(10_000 * 3072);
    const labelBytes = new Uint8Array(10_000);
    readBatchInto(join(resolveCifar10BinDir(dir), "data_batch_1.bin"), images, labelBytes, 0);
    // CHW bytes → NHWC floats in [0, 1]
    const img = new Float32Array(n * 3072);
    for (let i = 0; i < n; i++) {
      const src = i * 3072;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) img[src + p * 3 + c] = images[src + c * 1024 + p] / 255;
      }
    }
    const labels = Int32Array.from(labelBytes.subarray(0, n));
    const x = tf.tensor4d(img, [n, 32, 32, 3]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 10).toFloat()) as tf.Tensor2D;
    t = { model: buildCnn(), opt: tf.train.adam(1e-3), x, y };
    trainers.set(n, t);
  }
  return t;
}

function run(b: Bench): RunResult {
  if (b.kind !== "step" || b.model !== "cnn") throw new Error(`tfjs worker only runs the CNN step, not ${JSON.stringify(b)}`);
  // One step per request whatever b.iters says: a tfjs step takes ~10 s, long enough to time alone.
  const { model, opt, x, y } = trainer(b.n);
  const t0 = performance.now();
  const cost = opt.minimize(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    true,
  );
  const loss = cost === null ? NaN : (cost.dataSync()[0] as number);
  const seconds = (performance.now() - t0) / 1000;
  cost?.dispose();
  return { seconds, loss };
}

function info(): Info {
  return {
    impl: "tfjs",
    version: tf.version.tfjs,
    threads: 1,
    detail: { backend: tf.getBackend(), node: process.version },
  };
}

function memory(): Memory {
  return { ...procMemory(), extra: { tfjsBytes: tf.memory().numBytes } };
}

await tf.setBackend("cpu");
await tf.ready();
await serve((r) => {
  if (r.op === "info") return info();
  if (r.op === "memory") return memory();
  if (r.op === "run") return run(r.bench);
  throw new Error(`unknown op ${(r as { op: string }).op}`);
});
process.exit(0);
