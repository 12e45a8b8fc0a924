// What `tstorch cifar10` leaves behind: the checkpoints, metrics.csv, the chart, the autoencoder's
// pictures (all atomic writes, artifacts.ts) and the summary on stderr.
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../index.js";
import { saveImage, saveImageGrid } from "../io/image.js";
import type { Cifar10Options } from "./args.js";
import { FILES, writeChart, writeMetrics } from "./artifacts.js";
import { saveCheckpoint, type CheckpointMeta } from "./checkpoint.js";
import type { Cifar10Run } from "./cifar10-command.js";
import { fmtDuration } from "./progress.js";
import { batching } from "./train.js";

/** Writes every artifact of the run as it stands (also mid-run, every SAVE_INTERVAL_S, and after a failure). */
export async function saveRun(run: Cifar10Run): Promise<void> {
  const { o, out, state, data, model } = run;
  const meta = checkpointMeta(run);
  saveCheckpoint(path.join(out, FILES.final), run.saved, run.optimizer, meta);
  if (state.bestState !== null) {
    const best = state.bestState;
    saveCheckpoint(path.join(out, FILES.best), { stateDict: () => best, loadStateDict: () => {} }, null,
      { ...meta, kind: "best", position: { ...state.position, epoch: state.best?.epoch ?? 0 } });
  }
  writeMetrics(out, state.history);
  if (state.history.length > 0) await writeChart(out, state.history, o.model, runTitle(o));
  if (data.samples !== null) writeAutoencoderImages(out, model, data.samples);
}

function checkpointMeta(run: Cifar10Run): CheckpointMeta {
  const { o, state } = run;
  const v = torch.versions();
  return {
    kind: "final",
    model: o.model,
    position: state.position,
    options: o,
    history: state.history,
    best: state.best,
    optimizer: { name: o.optimizer, meta: null },
    versions: { tstorch: v.tstorch, libtorch: v.libtorch },
  };
}

/** The chart's subtitle. */
function runTitle(o: Cifar10Options): string {
  return `${o.batchSize === "full" ? "full-batch" : `batch ${o.batchSize}`}, ${o.optimizer} lr ${Number(o.lr.toPrecision(6))}, init ${o.init}`;
}

/** The blog post's org_i.png / defer_i.png pairs and one grid of originals above reconstructions. */
function writeAutoencoderImages(out: string, model: torch.nn.Module, samples: torch.Tensor): void {
  model.eval();
  torch.noGrad(() =>
    torch.scope(() => {
      const recon = model.forward(samples);
      const n = samples.shape[0];
      const orig = samples.unbind(0);
      const rec = recon.unbind(0);
      for (let i = 0; i < n; i++) {
        saveImage(orig[i], path.join(out, `org_${i}.png`));
        saveImage(rec[i], path.join(out, `defer_${i}.png`));
      }
      saveImageGrid([...orig, ...rec], path.join(out, FILES.grid), { cols: n, padding: 2, scale: 4 });
    }),
  );
  model.train();
}

/** The last lines on stderr: where it stopped, the best epoch, the files, and how to resume. */
export function summarize(run: Cifar10Run, stoppedBy: string | null): void {
  const { o, state: s, out, reporter: r, data } = run;
  const { steps } = batching(o, data.trainX.shape[0]);
  const last = s.history[s.history.length - 1];
  const classifier = o.model !== "autoencoder";
  const best = s.best === null
    ? "no epoch finished"
    : classifier
      ? `best test accuracy ${s.best.acc.toFixed(5)} at epoch ${s.best.epoch}` + (last ? ` (last ${last.testAcc.toFixed(5)})` : "")
      : `best held-out MSE ${s.best.loss.toFixed(6)} at epoch ${s.best.epoch}` + (last ? ` (last training MSE ${last.trainLoss.toFixed(6)})` : "");
  const files: string[] = [FILES.metrics, FILES.chartSvg, FILES.chartPng, FILES.final, FILES.best, FILES.config]
    .filter((f) => fs.existsSync(path.join(out, f)));
  if (data.samples !== null) files.push("org_0..4.png", "defer_0..4.png", FILES.grid);
  const where = `artifacts in ${out}${path.sep} (${files.join(", ")})`;
  const p = s.position;
  if (stoppedBy !== null) {
    const at = p.step > 0 ? `epoch ${p.epoch} + step ${p.step}/${steps} of epoch ${p.epoch + 1}` : `epoch ${p.epoch}`;
    r.info(`stopped (${stoppedBy === "SIGPIPE" ? "stdout was closed" : stoppedBy}) at ${at}; ${best}; ${where}`);
    r.info(`resume with: tstorch cifar10 ${o.model} --resume ${path.join(out, FILES.final)}`);
  } else {
    r.info(`done: epoch ${p.epoch} in ${fmtDuration(p.elapsed)}; ${best}; ${where}`);
  }
}
