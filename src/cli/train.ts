// The training loop: epochs of full-batch or shuffled mini-batch steps, a test evaluation
// under no-grad after each epoch, the CSV row on stdout, progress on stderr. Every step and
// every evaluation runs inside a torch.scope, so memory stays flat over thousands of epochs.
// A stop request (Ctrl-C, seen by the main thread) is read between steps.
import * as torch from "../index.js";
import type { Cifar10Options } from "./args.js";
import type { MetricsRow } from "./chart.js";
import type { Best, Position } from "./checkpoint.js";
import type { RunData } from "./data.js";
import type { Reporter } from "./progress.js";
import type { StopController } from "./signals.js";

export interface TrainState {
  position: Position;
  history: MetricsRow[];
  best: Best | null;
  /** The best epoch's weights (device copies), or null before the first evaluation. */
  bestState: Map<string, torch.Tensor> | null;
}

export interface TrainHooks {
  /** One stdout CSV line (without newline). */
  csv(line: string): void;
  /** After each epoch (cheap; the caller rate-limits file writes). */
  epochEnd(state: TrainState): void | Promise<void>;
  /** Data-parallel runs (data-parallel.ts): this rank's slice of a batch, and the epoch's loss over all ranks. */
  shard?(x: torch.Tensor, y: torch.Tensor | null): [torch.Tensor, torch.Tensor | null];
  reduceLoss?(lossAcc: torch.Tensor): void;
}

export interface TrainSetup {
  o: Cifar10Options;
  model: torch.nn.Module;
  optimizer: torch.optim.Optimizer;
  data: RunData;
  reporter: Reporter;
  stop: StopController;
  hooks: TrainHooks;
}

export function csvHeader(classifier: boolean): string {
  return classifier ? "epoch,time,acc" : "epoch,time,loss";
}

export function csvRow(classifier: boolean, r: MetricsRow): string {
  return `${r.epoch},${r.time.toFixed(3)},${classifier ? r.testAcc.toFixed(5) : r.trainLoss.toFixed(6)}`;
}

/** Steps per epoch and the batch size actually used. */
export function batching(o: Cifar10Options, n: number): { bs: number; steps: number } {
  const bs = o.batchSize === "full" ? n : Math.min(o.batchSize, n);
  // airbench drops the last partial batch (the recipe's loader); the others keep it
  return { bs, steps: o.model === "airbench" ? Math.floor(n / bs) : Math.ceil(n / bs) };
}

/** Runs until --epochs or a stop request; `state` is updated in place and is always checkpointable. */
export async function train(s: TrainSetup, state: TrainState): Promise<void> {
  const { o, model, optimizer, data, reporter, stop, hooks } = s;
  const classifier = o.model !== "autoencoder";
  const n = data.trainX.shape[0];
  const { bs, steps } = batching(o, n);
  const device = data.trainX.device;
  const runStart = performance.now();
  const elapsed0 = state.position.elapsed;
  const now = (): number => elapsed0 + (performance.now() - runStart) / 1000;
  let epochsThisRun = 0;
  let secondsThisRun = 0;
  let lastAcc = state.history.length > 0 ? state.history[state.history.length - 1].testAcc : NaN;

  // --amp: forward and loss under autocast; backward and the optimiser step outside, as PyTorch advises.
  const amp = o.amp === "off" ? null
    : { deviceType: device.type, dtype: o.amp === "bf16" ? ("bfloat16" as const) : ("float16" as const) };
  const forwardLoss = (x: torch.Tensor, y: torch.Tensor | null): torch.Tensor => {
    const f = (): torch.Tensor => {
      const out = model.forward(x);
      return y !== null ? out.crossEntropyForLogits(y) : out.mseLoss(x);
    };
    return amp === null ? f() : torch.autocast(amp, f);
  };
  // --amp fp16: loss scaling, so that small fp16 gradients do not underflow (PyTorch's GradScaler)
  const scaler = o.amp === "fp16" ? new torch.amp.GradScaler() : null;
  /** Forward, backward and optimiser step; returns the (detached) loss. */
  const trainStep = (x: torch.Tensor, y: torch.Tensor | null): torch.Tensor => {
    const loss = forwardLoss(x, y);
    if (scaler === null) {
      optimizer.backwardStep(loss);
    } else {
      optimizer.zeroGrad();
      scaler.scale(loss).backward();
      scaler.step(optimizer);
      scaler.update();
    }
    return loss.detach();
  };
  const eagerStep = (x: torch.Tensor, y: torch.Tensor | null, len: number, lossAcc: torch.Tensor): void => {
    if (hooks.shard) [x, y] = hooks.shard(x, y);
    const loss = trainStep(x, y);
    torch.noGrad(() => lossAcc.add_(loss, len));
  };
  // --cuda-graph (full batch; never with fp16, whose scaler decides on the host): two eager steps on a
  // side stream (lazy initialisations, optimiser state), then the step is captured once and each
  // later step is one replay.
  let graph: InstanceType<typeof torch.cuda.CUDAGraph> | null = null;
  let graphLoss: torch.Tensor | null = null;
  let warmSteps = 0;
  const graphedStep = (len: number, lossAcc: torch.Tensor): void => {
    if (warmSteps < 2) {
      torch.cuda.warmup(() => torch.scope(() => eagerStep(data.trainX, data.trainY, len, lossAcc)));
      warmSteps++;
      return;
    }
    if (graph === null) {
      graph = new torch.cuda.CUDAGraph();
      // persist: the static output outlives this step's scope (each replay rewrites it)
      graphLoss = torch.persist(graph.capture(() => trainStep(data.trainX, data.trainY)));
    }
    graph.replay();
    torch.noGrad(() => lossAcc.add_(graphLoss as torch.Tensor, len));
  };

  // Mini-batches: a DataLoader over the (device-resident) training tensors; its seeded order for
  // epoch e is Rng(seed, e)'s permutation, as before, so runs and resumes are unchanged.
  const loader = o.batchSize === "full" ? null : new torch.data.DataLoader(
    new torch.data.TensorDataset(...(data.trainY === null ? [data.trainX] : [data.trainX, data.trainY])),
    { batchSize: bs, shuffle: true, seed: o.seed },
  );

  model.train();
  try {
    while (state.position.epoch < o.epochs && stop.requested === null) {
      const pos = state.position;
      const epoch = pos.epoch + 1;
      const epochStart = performance.now();
      const epochElapsed0 = pos.elapsed;
      // This epoch's order: a pure function of (seed, epoch), so a resume mid-epoch continues exactly.
      loader?.setEpoch(epoch);
      const batches = loader?.iter({ skip: pos.step }) ?? null;
      const lossAcc = torch.zeros([], { device });
      const samplesAtStart = pos.samples;
      const progress = (step: number): void =>
        reporter.update({
          epoch, epochs: o.epochs, step, steps,
          samples: pos.samples - samplesAtStart,
          epochSeconds: (performance.now() - epochStart) / 1000,
          loss: pos.samples > 0 ? (pos.lossSum + lossAcc.item()) / pos.samples : NaN,
          acc: lastAcc,
          secondsPerEpoch: epochsThisRun > 0 ? secondsThisRun / epochsThisRun : NaN,
        });
      try {
        for (let step = pos.step; step < steps; step++) {
          if (stop.requested !== null) break;
          const len = Math.min(bs, n - step * bs);
          const batch = batches?.next().value; // the caller's to dispose
          torch.scope(() => {
            if (o.cudaGraph) return graphedStep(len, lossAcc);
            if (!batch) return eagerStep(data.trainX, data.trainY, len, lossAcc);
            eagerStep(batch[0], batch[1] ?? null, len, lossAcc);
          });
          torch.dispose(batch);
          pos.step = step + 1;
          pos.samples += len;
          if (reporter.wantsUpdate()) progress(pos.step);
        }
        // Fold this run's part of the epoch's loss into the position (a checkpoint may follow).
        hooks.reduceLoss?.(lossAcc);
        pos.lossSum += lossAcc.item();
        pos.elapsed = epochElapsed0 + (performance.now() - epochStart) / 1000;
        lossAcc.zero_();
        if (pos.step < steps) break; // stopped mid-epoch: the position says where to resume
      } finally {
        batches?.return(); // frees the batch prepared ahead when stopped mid-epoch
        lossAcc.dispose();
      }

      const ev = evaluate(model, data.evalX, data.evalY, o.evalBatch);
      model.train();
      const row: MetricsRow = {
        epoch,
        time: now(),
        trainLoss: pos.samples > 0 ? pos.lossSum / pos.samples : NaN,
        testLoss: ev.loss,
        testAcc: ev.acc,
      };
      lastAcc = ev.acc;
      epochsThisRun++;
      secondsThisRun += (performance.now() - epochStart) / 1000;
      await recordEpoch(s, state, row, {
        steps, samples: pos.samples, epochSeconds: (performance.now() - epochStart) / 1000, secondsPerEpoch: secondsThisRun / epochsThisRun,
      });
    }
  } finally {
    (graph as InstanceType<typeof torch.cuda.CUDAGraph> | null)?.reset();
    (graphLoss as torch.Tensor | null)?.dispose();
  }
}

/**
 * An epoch's end, for every trainer: the row into the history, the position to the epoch boundary,
 * the CSV line, the best weights so far (device copies), the progress summary, the caller's hook.
 */
export async function recordEpoch(
  s: TrainSetup, state: TrainState, row: MetricsRow, p: { steps: number; samples: number; epochSeconds: number; secondsPerEpoch: number },
): Promise<void> {
  const { o, model, reporter, hooks } = s;
  const classifier = o.model !== "autoencoder";
  state.history.push(row);
  state.position = { epoch: row.epoch, step: 0, lossSum: 0, samples: 0, elapsed: row.time };
  reporter.clear();
  hooks.csv(csvRow(classifier, row));
  const better = state.best === null || (classifier ? row.testAcc > state.best.acc : row.testLoss < state.best.loss);
  if (better) {
    state.best = { epoch: row.epoch, acc: row.testAcc, loss: row.testLoss };
    const old = state.bestState;
    state.bestState = torch.noGrad(() => {
      const m = new Map<string, torch.Tensor>();
      for (const [k, t] of model.stateDict()) {
        m.set(k, t.clone());
        t.dispose();
      }
      return m;
    });
    if (old !== null) torch.dispose(old);
  }
  reporter.epochDone(
    {
      epoch: row.epoch, epochs: Math.ceil(o.epochs), step: p.steps, steps: p.steps, samples: p.samples, epochSeconds: p.epochSeconds,
      loss: row.trainLoss, acc: row.testAcc, secondsPerEpoch: p.secondsPerEpoch,
    },
    `train loss ${row.trainLoss.toFixed(4)}` + (Number.isNaN(row.testLoss) ? "" : `, test loss ${row.testLoss.toFixed(4)}`) +
      (classifier ? `, test acc ${row.testAcc.toFixed(5)}` : "") +
      `, ${p.epochSeconds.toFixed(1)} s`,
  );
  await hooks.epochEnd(state);
}

export interface EvalResult {
  /** Mean cross-entropy (classifiers) or MSE (autoencoder) over the set. */
  loss: number;
  /** Fraction correct; NaN for the autoencoder. */
  acc: number;
}

/** Loss and accuracy over a whole set, under no-grad, in chunks of `chunk` images (default: all at once). */
export function evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | null, chunk: number | null): EvalResult {
  model.eval();
  return torch.noGrad(() =>
    torch.scope(() => {
      const n = x.shape[0];
      const c = Math.min(chunk ?? n, n);
      const lossSum = torch.zeros([], { device: x.device });
      const correct = torch.zeros([], { device: x.device, dtype: "int64" });
      for (let i = 0; i < n; i += c) {
        torch.scope(() => {
          const len = Math.min(c, n - i);
          const xb = len === n ? x : x.narrow(0, i, len);
          const out = model.forward(xb);
          if (y !== null) {
            const yb = len === n ? y : y.narrow(0, i, len);
            lossSum.add_(out.crossEntropyForLogits(yb), len);
            correct.add_(out.argmax(-1).eq(yb).sum());
          } else {
            lossSum.add_(out.mseLoss(xb), len);
          }
        });
      }
      return { loss: lossSum.item() / n, acc: y !== null ? correct.item() / n : NaN };
    }),
  );
}
