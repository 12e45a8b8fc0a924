// `npm run bench`: tstorch vs PyTorch (and TensorFlow.js) on the CPU, side by side, interleaved.
//
//   node dist/bench/run.js [--quick] [--only NAME[,NAME...]] [--reps N] [--threads N] [--data DIR] [--out FILE]
//
// Every side runs in its own worker process (bench/worker-tstorch.ts, bench/worker_torch.py,
// bench/worker-tfjs.ts) driven over stdin/stdout JSON lines; each process warms a workload up once
// before its timed repetitions, and the sides alternate repetition by repetition. The table of
// medians and tstorch/PyTorch ratios is printed and written to docs/benchmarks.md (a complete
// non-quick run) or to a file in the temporary folder (--quick, --only), or to --out; in an existing
// file only its own part is replaced (mergeReport in bench/report.ts keeps the other benches' blocks).
// Nothing here is a test: no time is asserted anywhere.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findCifar10Dir } from "../src/data/cifar10-files.js";
import { describeMachine, loadAverage, memAvailableGiB } from "./machine.js";
import type { Bench, Info, RunResult } from "./protocol.js";
import {
  ItemResult, ItemSpec, RunMeta, SIDE_LABEL, Side, fmt, mainTable, markdown, memoryTable, mergeReport, perImageTable, stepTable, textTable,
} from "./report.js";
import { SMALL_MODEL_NAMES, smallModelItems } from "./small-models.js";
import { WorkerClient } from "./worker-client.js";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = resolve(here, "../..");

const USAGE = `Usage: npm run bench -- [options]   (or: node dist/bench/run.js [options])
  --quick          tiny sizes, 2 repetitions: validates the harness in about a minute
  --only NAMES     comma-separated benchmarks: ${"add,chain,matmul,cnn-epoch,cnn-eval,cnn-b128,ae-step,mlp-step,cnn-step"},
                   ${SMALL_MODEL_NAMES.join(",")} (bench/small-models.ts)
  --reps N         timed repetitions per side for every benchmark (default: 5 light, 3 epoch, 2 full-batch)
  --device D       cpu (default) or cuda: both libraries run every workload there (tfjs and the
                   glibc-allocator variant are CPU-only and left out on cuda); set BENCH_PYTHON to
                   the python3 that has a CUDA PyTorch
  --threads N      libtorch threads of every tstorch and PyTorch process (default: all cores)
  --data DIR       CIFAR-10 folder (default: $CIFAR10_DIR, ./data, ./.cache/cifar10)
  --out FILE       where to write the Markdown report (default: docs/benchmarks.md for a complete
                   non-quick run, else a file in the temporary folder)`;

interface Options {
  quick: boolean;
  only: string[] | null;
  reps: number | null;
  threads: number;
  data: string;
  out: string | null;
  device: "cpu" | "cuda";
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      reps: { type: "string" },
      threads: { type: "string" },
      data: { type: "string" },
      out: { type: "string" },
      device: { type: "string", default: "cpu" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (s: string | undefined, name: string): number | null => {
    if (s === undefined) return null;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer, got '${s}'`);
    return n;
  };
  const candidates = [values.data, process.env.CIFAR10_DIR, join(repoRoot, "data"), join(repoRoot, ".cache/cifar10")]
    .filter((x): x is string => typeof x === "string" && x !== "");
  const data = findCifar10Dir(values.data ? [values.data] : candidates);
  if (data === undefined) {
    throw new Error(`CIFAR-10 not found in ${candidates.join(", ")}: run scripts/prepare-cifar10.sh or pass --data DIR`);
  }
  return {
    quick: values.quick ?? false,
    only: values.only ? values.only.split(",").map((s) => s.trim()).filter((s) => s !== "") : null,
    reps: int(values.reps, "reps"),
    threads: int(values.threads, "threads") ?? availableParallelism(),
    data: resolve(data),
    out: values.out ?? null,
    device: deviceOption(values.device ?? "cpu"),
  };
}

function deviceOption(d: string): "cpu" | "cuda" {
  if (d !== "cpu" && d !== "cuda") throw new Error(`--device takes cpu or cuda, got '${d}'`);
  return d;
}

// ---------------------------------------------------------------- the benchmarks
const LIBTORCH: Side[] = ["tstorch", "pytorch", "tstorch-glibc"];
/** The per-operation workloads also run in plain C++ on the same libtorch: the floor of any binding. */
const PER_OP: Side[] = [...LIBTORCH, "cpp"];

function items(o: Options): ItemSpec[] {
  const list = [...cpuItems(o), ...smallModelItems(o.quick, o.reps)];
  if (o.device === "cpu") return list;
  // On a GPU: tstorch and PyTorch only; full-batch steps take milliseconds, so they run in the
  // long-lived processes with more repetitions (peak RSS says nothing about GPU memory).
  return list.filter((i) => i.bench.kind !== "small").map((i) => ({ // the small models are CPU-only
    ...i,
    sides: i.sides.filter((s) => s === "tstorch" || s === "pytorch"), // the C++ floor is CPU-only
    mode: "shared" as const,
    reps: o.reps ?? (o.quick ? 2 : i.name.endsWith("-step") ? 10 : i.reps * 2),
  }));
}

function cpuItems(o: Options): ItemSpec[] {
  const q = o.quick;
  const reps = (full: number): number => o.reps ?? (q ? 2 : full);
  const nTrain = q ? 512 : 50_000;
  const mm = q ? 512 : 2048;
  const mmIters = 3;
  const addIters = q ? 10_000 : 50_000;
  const chainIters = q ? 300 : 2000;
  const nTest = q ? 500 : 10_000;
  const small = q ? 8 : 128;
  /** Steps timed together per repetition of the batch-128 step. */
  const b128Iters = 20;
  const step = (model: "cnn" | "mlp" | "ae", n: number, iters?: number): Bench => ({ kind: "step", model, n, iters });
  return [
    {
      name: "add", title: "tiny add ([4] + [4])", unit: "µs/op",
      value: (r) => (r.seconds / addIters) * 1e6,
      bench: { kind: "add", iters: addIters }, sides: PER_OP, reps: reps(5), mode: "shared",
      note: `${addIters} adds of two [4] float32 tensors in a loop, each result dropped (tstorch: disposed at once; PyTorch: \`a + b\`, freed by refcount)`,
    },
    {
      name: "chain", title: "20-op chain on [64,64]", unit: "µs/chain",
      value: (r) => (r.seconds / chainIters) * 1e6,
      bench: { kind: "chain", iters: chainIters }, sides: PER_OP, reps: reps(5), mode: "shared",
      note: `${chainIters} chains of 4 × (add, mul, sub, relu, mul by 0.5) on [64,64] float32 tensors (tstorch: each chain in a torch.scope)`,
    },
    {
      name: "matmul", title: `matmul ${mm}² float32`, unit: "GFLOP/s", rate: true,
      value: (r) => (2 * mm ** 3 * mmIters) / r.seconds / 1e9,
      bench: { kind: "matmul", n: mm, iters: mmIters }, sides: PER_OP, reps: reps(5), mode: "shared",
      note: `${mmIters} products of two [${mm},${mm}] float32 matrices per repetition; rate = 2n³/time`,
    },
    {
      name: "cnn-epoch", title: `CNN epoch, batch 128 (${nTrain} images)`, unit: "s/epoch",
      value: (r) => r.seconds,
      bench: { kind: "epoch", n: nTrain, batchSize: 128 }, warmup: { kind: "epoch", n: nTrain, batchSize: 128, limit: q ? 1 : 40 },
      sides: LIBTORCH, reps: reps(3), mode: "shared",
      note: `one shuffled epoch of the CNN over ${nTrain} training images, Adam 1e-3, loss.item() every batch; shuffling and batch ` +
        "gathering included (tstorch: torch.data.batches; PyTorch: randperm + indexing, as torch_reference.py); warm-up = " +
        `${q ? 1 : 40} batches`,
    },
    {
      name: "cnn-eval", title: `CNN test evaluation (${nTest} images)`, unit: "s",
      value: (r) => r.seconds,
      bench: { kind: "eval", n: nTest }, sides: LIBTORCH, reps: reps(5), mode: "shared",
      note: `accuracy of the CNN on ${nTest} test images in one forward pass under no-grad (argmax, compare, mean, item)`,
    },
    {
      name: "cnn-b128", title: `CNN step, batch ${small}`, unit: "ms/step",
      value: (r) => r.seconds * 1e3,
      bench: step("cnn", small, q ? 2 : b128Iters), sides: [...LIBTORCH, "tfjs"], reps: reps(3), mode: "shared",
      note: `a CNN training step (forward, cross-entropy, backward, Adam 1e-3) on the first ${small} training images, the mean ` +
        `of ${q ? 2 : b128Iters} back-to-back steps per repetition (one alone is mostly scheduling noise), ` +
        "also in TensorFlow.js (`cpu` backend, one step per repetition: it takes ~10 s), the ecosystem comparison",
    },
    {
      name: "ae-step", title: `autoencoder full-batch step (${q ? 32 : 10_000})`, unit: "s/step",
      value: (r) => r.seconds,
      bench: step("ae", q ? 32 : 10_000), sides: LIBTORCH, reps: reps(2), mode: "fresh",
      note: `one full-batch autoencoder step (forward, MSE against the input, backward, Adam 1e-2) on the first ${q ? 32 : 10_000} ` +
        "test images (the seed trains it on the 10,000 test images)",
    },
    {
      name: "mlp-step", title: `MLP full-batch step (${q ? 128 : 50_000})`, unit: "s/step",
      value: (r) => r.seconds,
      bench: step("mlp", q ? 128 : 50_000), sides: LIBTORCH, reps: reps(2), mode: "fresh",
      note: `one full-batch MLP step (3072→3072→10, cross-entropy, backward, Adam 1e-2) on ${q ? 128 : 50_000} training images`,
    },
    {
      name: "cnn-step", title: `CNN full-batch step (${q ? 256 : 50_000})`, unit: "s/step",
      value: (r) => r.seconds,
      bench: step("cnn", q ? 256 : 50_000), sides: LIBTORCH, reps: reps(2), mode: "fresh",
      note: `one full-batch CNN step (cross-entropy, backward, Adam 1e-3) on ${q ? 256 : 50_000} training images, tch's initialisation`,
    },
  ];
}

// ---------------------------------------------------------------- workers
function spawnWorker(side: Side, o: Options, tag: string): WorkerClient {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_THREADS: String(o.threads),
    BENCH_DATA: o.data,
    BENCH_SEED: "0",
    // --quick: the workers read data_batch_1 and test_batch only
    BENCH_SUBSET: o.quick ? "1" : "0",
    BENCH_DEVICE: o.device,
  };
  delete env.TSTORCH_CPU_ALLOCATOR;
  const label = `${side}${tag}`;
  switch (side) {
    case "tstorch":
    case "tstorch-glibc":
      env.TSTORCH_NUM_THREADS = String(o.threads);
      if (side === "tstorch-glibc") env.TSTORCH_CPU_ALLOCATOR = "default";
      return new WorkerClient(label, process.execPath, [join(here, "worker-tstorch.js")], env, repoRoot);
    case "pytorch": {
      env.PYTHONUNBUFFERED = "1";
      env.BENCH_TORCH_REFERENCE = process.env.BENCH_TORCH_REFERENCE ?? resolve(repoRoot, "../shared/reference/torch_reference.py");
      const python = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
      return new WorkerClient(label, python, [join(repoRoot, "bench/worker_torch.py")], env, repoRoot);
    }
    case "tfjs":
      return new WorkerClient(label, process.execPath, [join(here, "worker-tfjs.js")], env, repoRoot);
    case "cpp":
      return new WorkerClient(label, floorBinary(), [], env, repoRoot);
  }
}

/** The C++ floor's program, compiled against the addon's libtorch on first use (bench/floor/build.mjs). */
function floorBinary(): string {
  const r = spawnSync(process.execPath, [join(repoRoot, "bench/floor/build.mjs")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error("the C++ floor (bench/floor/worker_floor.cc) could not be built: the compiler's messages are above");
  return r.stdout.trim();
}

function describe(r: RunResult, warm?: RunResult): string {
  const parts: string[] = [];
  if (r.fwd !== undefined) parts.push(`fwd ${fmt(r.fwd)} bwd ${fmt(r.bwd ?? NaN)} opt ${fmt(r.opt ?? NaN)}`);
  if (r.loss !== undefined) parts.push(`loss ${r.loss.toFixed(5)}`);
  if (r.acc !== undefined) parts.push(`acc ${r.acc.toFixed(4)}`);
  if (r.cpu !== undefined) parts.push(`cpu ${r.cpu.toPrecision(4)} s`);
  if (warm !== undefined) parts.push(`warm-up ${fmt(warm.seconds)} s`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function log(s: string): void {
  process.stdout.write(s + "\n");
}

async function main(): Promise<void> {
  const o = options();
  const all = items(o);
  const unknown = (o.only ?? []).filter((n) => !all.some((i) => i.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; known: ${all.map((i) => i.name).join(", ")}`);
  const selected = o.only ? all.filter((i) => o.only!.includes(i.name)) : all;
  const machine = describeMachine(repoRoot);
  const meta: RunMeta = {
    machine, device: o.device, infos: {}, quick: o.quick, threads: o.threads, started: new Date(), finished: new Date(),
    loadStart: loadAverage(), loadEnd: "", dataDir: o.data,
    command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
  };
  log(`tstorch benchmark${o.quick ? " (QUICK: tiny sizes, not results)" : ""}: ${selected.map((i) => i.name).join(", ")}`);
  log(`${machine.cpu}, ${machine.logicalCores} cores, ${machine.memTotalGiB.toFixed(1)} GiB, ${machine.os}, Node ${machine.node}`);
  if (o.device === "cuda") log(`device cuda: ${machine.gpu ?? "no nvidia-smi answer"}`);
  log(`threads ${o.threads}; load average ${meta.loadStart}; data ${o.data}`);
  if (!o.quick && o.only === null) log("A complete run takes about 15–20 minutes on a quiet 2-core machine.");
  const load1 = Number(meta.loadStart.split(" ")[0]);
  if (load1 > machine.logicalCores / 2) {
    log(`warning: the machine is busy (load ${load1.toFixed(2)} on ${machine.logicalCores} cores): timings will be noisy`);
  }

  const results: ItemResult[] = [];
  const shared = new Map<Side, WorkerClient>();
  const sharedWorker = async (side: Side): Promise<WorkerClient> => {
    let w = shared.get(side);
    if (w === undefined) {
      w = spawnWorker(side, o, "");
      shared.set(side, w);
      meta.infos[side] ??= await w.info();
    }
    return w;
  };
  const remember = (side: Side, i: Info): void => {
    meta.infos[side] ??= i;
  };

  // light workloads first, in long-lived processes (started together); then the full-batch ones, a process each
  const sharedSides = [...new Set(selected.filter((i) => i.mode === "shared").flatMap((i) => i.sides))];
  await Promise.all(sharedSides.map((side) => sharedWorker(side).catch(() => undefined)));
  const order = [...selected.filter((i) => i.mode === "shared"), ...selected.filter((i) => i.mode === "fresh")];
  let sharedClosed = false;
  for (const spec of order) {
    if (spec.mode === "fresh" && !sharedClosed) {
      await Promise.all([...shared.values()].map((w) => w.close()));
      shared.clear();
      sharedClosed = true;
    }
    const res: ItemResult = { spec, samples: [], errors: [], loadStart: loadAverage(), loadEnd: "", wallSeconds: 0 };
    const t0 = performance.now();
    log(`\n== ${spec.name}: ${spec.title} [${spec.unit}] — load ${res.loadStart}`);
    const failed = new Set<Side>();
    const fail = (side: Side, e: unknown): void => {
      const msg = e instanceof Error ? e.message : String(e);
      res.errors.push(`${SIDE_LABEL[side]}: ${msg}`);
      failed.add(side);
      log(`  ${side}: FAILED: ${msg.split("\n")[0]}`);
    };
    if (spec.mode === "shared") {
      // The libtorch sides interleave rep by rep; tfjs (≈10 s a step) warms up and runs its reps after
      // theirs, so that its long steps cannot disturb their pairs (interleaved, the side right after it
      // was the slowest in one run: 19.8 ms median against 12.7 ms without tfjs; this VM is noisy).
      for (const late of [false, true]) {
        const sides = spec.sides.filter((side) => (side === "tfjs") === late);
        const warm = new Map<Side, RunResult>();
        for (const side of sides) {
          try {
            const w = await sharedWorker(side);
            warm.set(side, await w.run(spec.warmup ?? spec.bench));
          } catch (e) {
            fail(side, e);
          }
        }
        for (let rep = 0; rep < spec.reps; rep++) {
          for (const side of sides) {
            if (failed.has(side)) continue;
            try {
              const r = await (await sharedWorker(side)).run(spec.bench);
              res.samples.push({ side, rep, warmup: warm.get(side)!, result: r });
              log(`  rep ${rep + 1}/${spec.reps}  ${SIDE_LABEL[side].padEnd(22)} ${fmt(spec.value(r)).padStart(9)} ${spec.unit}${describe(r)}`);
            } catch (e) {
              fail(side, e);
            }
          }
        }
      }
    } else {
      for (let rep = 0; rep < spec.reps; rep++) {
        for (const side of spec.sides) {
          if (failed.has(side)) continue;
          const avail = memAvailableGiB();
          if (spec.bench.kind === "step" && spec.bench.model === "cnn" && spec.bench.n >= 50_000 && avail < 12) {
            log(`  warning: only ${avail.toFixed(1)} GiB available; PyTorch's full-batch CNN step peaks at about 10.4 GB`);
          }
          const w = spawnWorker(side, o, ` #${rep + 1}`);
          try {
            remember(side, await w.info());
            const warm = await w.run(spec.bench);
            const r = await w.run(spec.bench);
            const memory = await w.memory();
            res.samples.push({ side, rep, warmup: warm, result: r, memory });
            log(`  rep ${rep + 1}/${spec.reps}  ${SIDE_LABEL[side].padEnd(22)} ${fmt(spec.value(r)).padStart(9)} ${spec.unit}` +
              `${describe(r, warm)}, peak RSS ${memory.peakRssMiB.toFixed(0)} MiB`);
          } catch (e) {
            fail(side, e);
          } finally {
            await w.close();
          }
        }
      }
    }
    res.loadEnd = loadAverage();
    res.wallSeconds = (performance.now() - t0) / 1000;
    results.push(res);
  }
  await Promise.all([...shared.values()].map((w) => w.close()));

  meta.finished = new Date();
  meta.loadEnd = loadAverage();
  log("\nMedians; ratio = tstorch time / PyTorch time, median (min–max) of per-pair ratios; below 1 = tstorch faster.\n");
  log(textTable(mainTable(results)));
  for (const [title, rows] of [
    ["Peak RSS", memoryTable(results)],
    ["Training steps", stepTable(results)],
    ["CNN step per image", perImageTable(results)],
  ] as const) {
    if (rows.length > 0) log(`\n${title}\n${textTable(rows)}`);
  }
  log(`\nload average: ${meta.loadStart} at start, ${meta.loadEnd} at end; ` +
    `${((meta.finished.getTime() - meta.started.getTime()) / 1000).toFixed(0)} s in all`);

  const complete = !o.quick && o.only === null && o.device === "cpu";
  const out = o.out ?? (complete ? join(repoRoot, "docs/benchmarks.md") : join(tmpdir(), `tstorch-bench${o.quick ? "-quick" : ""}.md`));
  if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
  // only its own part: the blocks other benches wrote into the same file are kept (mergeReport)
  writeFileSync(out, mergeReport(existsSync(out) ? readFileSync(out, "utf8") : null, markdown(results, meta)));
  log(`report written to ${out}`);
  const errors = results.reduce((n, r) => n + r.errors.length, 0);
  if (errors > 0) {
    log(`${errors} error(s): see above`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
