// `tstorch cifar10 airbench`: the airbench94 recipe (tstorch.vision.models) under the CLI: its CSV,
// progress, charts and checkpoints. The loop is examples/airbench94.ts's, with two changes that make
// checkpoints resume exactly: the default generator is re-seeded at each epoch from (seed, epoch), so
// an epoch's translations and order do not depend on what ran before; and the learning rate is set
// from the global step each step (what LambdaLR computes), so no scheduler state needs saving. The
// Lookahead copy travels in the checkpoint under "lookahead.<key>".
// The CSV's time column counts training, the whitening initialisation and the final evaluation,
// as the recipe times itself; the per-epoch test evaluation (plain, no augmentation) is left out.
// The last row's accuracy is the recipe's: after the final weight average, with test-time augmentation.
import * as torch from "../index.js";
import type { MetricsRow } from "./chart.js";
import { UsageError } from "./errors.js";
import { recordEpoch, type TrainSetup, type TrainState } from "./train.js";

const { AIRBENCH94, AirbenchLoader, airbench94LrFactor, initWhitening_, lookaheadDecays, evaluateAirbench, normalizeCifar10 } = torch.vision.models;

export const LOOKAHEAD_PREFIX = "lookahead.";

/** The recipe's network (PyTorch's default initialisation, Dirac filters, frozen whitening and BatchNorm weights). */
export function buildAirbenchModel(): torch.nn.Module {
  return torch.vision.models.airbench94();
}

/** The generator seed of epoch e (1-based) of a run with `seed`. */
export function epochSeed(seed: number, epoch: number): number {
  return seed * 1_000_003 + epoch;
}

/**
 * What the checkpoint holds for the model: its state dict plus the Lookahead's slow copy under
 * "lookahead.<key>" (loadStateDict splits them again).
 */
export function checkpointable(model: torch.nn.Module, lookahead: torch.optim.Lookahead): {
  stateDict(): Map<string, torch.Tensor>;
  loadStateDict(sd: Map<string, torch.Tensor>): void;
} {
  return {
    stateDict: () => {
      const sd = model.stateDict();
      for (const [k, t] of lookahead.stateDict()) sd.set(LOOKAHEAD_PREFIX + k, t);
      return sd;
    },
    loadStateDict: (sd) => {
      const own = new Map<string, torch.Tensor>();
      const slow = new Map<string, torch.Tensor>();
      for (const [k, t] of sd) (k.startsWith(LOOKAHEAD_PREFIX) ? slow : own).set(k.startsWith(LOOKAHEAD_PREFIX) ? k.slice(LOOKAHEAD_PREFIX.length) : k, t);
      model.loadStateDict(own);
      if (slow.size === 0) throw new Error("the checkpoint has no Lookahead state (lookahead.* entries)");
      lookahead.loadStateDict(slow);
    },
  };
}

/** Runs until the recipe's last step (--epochs × steps per epoch, rounded up) or a stop request. */
export async function trainAirbench(s: TrainSetup, state: TrainState, lookahead: torch.optim.Lookahead): Promise<void> {
  const { o, model, optimizer, data, reporter, stop } = s;
  if (s.hooks.shard) throw new UsageError("airbench trains in one process; start it without torchrun or tstorch run");
  if (data.trainY === null || data.evalY === null) throw new Error("tstorch: airbench needs labelled data");
  const bs = o.batchSize === "full" ? data.trainX.shape[0] : o.batchSize;
  // normalised once, in place of the [0, 1] images (no second copy of the set); cifar10-command.ts disposes data's tensors
  const normalizeInPlace = (t: torch.Tensor): torch.Tensor => {
    const n = torch.persist(normalizeCifar10(t));
    t.dispose();
    return n;
  };
  const trainX = (data.trainX = normalizeInPlace(data.trainX));
  const testX = (data.evalX = normalizeInPlace(data.evalX));
  const loader = new AirbenchLoader(trainX, data.trainY, bs); // draws the once-only mirroring (after the model's init)
  if (loader.length === 0) throw new UsageError(`--batch-size ${bs} is larger than the ${data.trainX.shape[0]} training images`);
  const perEpoch = loader.length;
  const total = Math.ceil(o.epochs * perEpoch);
  const epochs = Math.ceil(total / perEpoch);
  const whitenBiasSteps = Math.ceil(AIRBENCH94.whitenBiasEpochs * perEpoch);
  const decays = lookaheadDecays(total);
  const baseLrs = optimizer.paramGroups.map((g) => (g.initialLr as number | undefined) ?? g.lr);
  optimizer.paramGroups.forEach((g, i) => (g.initialLr = baseLrs[i]));
  const whiten = (model as torch.nn.Sequential).at(0) as torch.nn.Conv2d;
  let secondsThisRun = 0;
  let epochsThisRun = 0;
  let lastAcc = state.history.length > 0 ? state.history[state.history.length - 1].testAcc : NaN;

  try {
    if (state.position.epoch === 0 && state.position.step === 0) {
      const t0 = performance.now();
      torch.scope(() => initWhitening_(whiten, trainX.narrow(0, 0, Math.min(AIRBENCH94.whitenImages, trainX.shape[0]))));
      lookahead.updateEma(0); // the slow copy starts at the whitened weights
      state.position.elapsed += (performance.now() - t0) / 1000;
    }
    model.train();
    while (state.position.epoch < epochs && stop.requested === null) {
      const pos = state.position;
      const epoch = pos.epoch + 1;
      const epochStart = performance.now();
      const elapsed0 = pos.elapsed;
      const stepsThisEpoch = Math.min(perEpoch, total - pos.epoch * perEpoch);
      torch.manualSeed(epochSeed(o.seed, epoch));
      loader.epoch = pos.epoch;
      const batches = loader.batches();
      // the epoch's summed loss, carried on from the checkpoint in float64: one chain of additions whether or not
      // the epoch was stopped and resumed, so a resumed run's training loss is the uninterrupted one's to the bit
      const lossAcc = torch.full([], pos.lossSum, { dtype: "float64", device: trainX.device });
      try {
        for (let i = 0; i < pos.step; i++) torch.dispose(batches.next().value); // resumed inside the epoch
        for (let step = pos.step; step < stepsThisEpoch; step++) {
          if (stop.requested !== null) break;
          const global = pos.epoch * perEpoch + step;
          const [x, y] = batches.next().value as [torch.Tensor, torch.Tensor];
          whiten.bias?.requiresGrad_(global < whitenBiasSteps);
          optimizer.paramGroups.forEach((g, i) => (g.lr = baseLrs[i] * airbench94LrFactor(global, total)));
          torch.scope(() => {
            const loss = torch.nn.functional.crossEntropy(model.forward(x), y, { labelSmoothing: AIRBENCH94.labelSmoothing, reduction: "sum" });
            optimizer.zeroGrad({ setToNone: true });
            loss.backward();
            optimizer.step();
            torch.noGrad(() => lossAcc.add_(loss.detach()));
          });
          torch.dispose([x, y]);
          if ((global + 1) % 5 === 0) lookahead.update(decays[global + 1]);
          pos.step = step + 1;
          pos.samples += bs;
          pos.elapsed = elapsed0 + (performance.now() - epochStart) / 1000;
          if (reporter.wantsUpdate()) {
            reporter.update({
              epoch, epochs, step: pos.step, steps: stepsThisEpoch, samples: pos.samples,
              epochSeconds: (performance.now() - epochStart) / 1000,
              loss: lossAcc.item() / pos.samples, acc: lastAcc,
              secondsPerEpoch: epochsThisRun > 0 ? secondsThisRun / epochsThisRun : NaN,
            });
          }
        }
        pos.lossSum = lossAcc.item();
      } finally {
        batches.return(undefined);
        lossAcc.dispose();
      }
      if (pos.step < stepsThisEpoch) break; // stopped mid-epoch: the position says where to resume
      const last = epoch === epochs;
      const e0 = performance.now();
      if (last) lookahead.update(1.0); // the final weights are the average
      const acc = evaluateAirbench(model, testX, data.evalY, last);
      // the recipe's time: the final (TTA) evaluation counts, the per-epoch ones do not
      const time = pos.elapsed + (last ? (performance.now() - e0) / 1000 : 0);
      const row: MetricsRow = { epoch, time, trainLoss: pos.lossSum / pos.samples, testLoss: NaN, testAcc: acc };
      lastAcc = acc;
      epochsThisRun++;
      secondsThisRun += (performance.now() - epochStart) / 1000;
      await recordEpoch(s, state, row, {
        steps: stepsThisEpoch, samples: pos.samples, epochSeconds: (performance.now() - epochStart) / 1000,
        secondsPerEpoch: secondsThisRun / epochsThisRun,
      });
    }
  } finally {
    loader.dispose();
  }
}
