// The training chart: accuracy and loss against epoch. Vega-Lite describes it, Vega renders
// it to SVG headless (no browser, no canvas), resvg (a Rust SVG renderer shipped as a
// prebuilt binary inside its npm package) rasterises that SVG to PNG, so both files show
// the same drawing.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

export interface MetricsRow {
  epoch: number;
  /** Seconds since the run's start (cumulative over resumes). */
  time: number;
  trainLoss: number;
  testLoss: number;
  /** NaN for the autoencoder. */
  testAcc: number;
}

const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** The Vega-Lite spec: test accuracy on top (classifiers), train and test loss below. */
export function chartSpec(rows: readonly MetricsRow[], title: string, classifier: boolean, testLossLabel: string): TopLevelSpec {
  const values: { epoch: number; value: number; series: string; panel: string }[] = [];
  for (const r of rows) {
    if (classifier && Number.isFinite(r.testAcc)) values.push({ epoch: r.epoch, value: r.testAcc, series: "test accuracy", panel: "acc" });
    if (Number.isFinite(r.trainLoss)) values.push({ epoch: r.epoch, value: r.trainLoss, series: "train loss", panel: "loss" });
    if (Number.isFinite(r.testLoss)) values.push({ epoch: r.epoch, value: r.testLoss, series: testLossLabel, panel: "loss" });
  }
  const many = rows.length > 60;
  const mark = { type: "line" as const, point: !many, strokeWidth: 2 };
  const x = {
    field: "epoch", type: "quantitative" as const, title: "epoch",
    axis: { format: "d", tickMinStep: 1 }, scale: { nice: false, zero: false },
  };
  const color = (domain: string[], range: string[]) => ({
    field: "series", type: "nominal" as const, title: null, scale: { domain, range }, legend: { orient: "right" as const },
  });
  const lossPanel = {
    width: 640, height: 220,
    transform: [{ filter: "datum.panel === 'loss'" }],
    mark,
    encoding: {
      x,
      // Log scale: losses fall by orders of magnitude (and the seed's MLP spikes first).
      y: { field: "value", type: "quantitative" as const, title: classifier ? "cross-entropy (log)" : "MSE (log)", scale: { type: "log" as const } },
      color: color(["train loss", testLossLabel], ["#e45756", "#f58518"]),
    },
  };
  const accPanel = {
    width: 640, height: 220,
    transform: [{ filter: "datum.panel === 'acc'" }],
    mark,
    encoding: {
      x,
      y: { field: "value", type: "quantitative" as const, title: "test accuracy", axis: { format: ".0%" }, scale: { domain: [0, 1] } },
      color: color(["test accuracy"], ["#4c78a8"]),
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, anchor: "start" },
    data: { values },
    ...(classifier ? { vconcat: [accPanel, lossPanel] } : { vconcat: [lossPanel] }),
    resolve: { scale: { color: "independent" } },
    config: { font: FONT, background: "white", view: { stroke: "#ddd" } },
  } as TopLevelSpec;
}

/** Renders the spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * DejaVu Sans from the dejavu-fonts-ttf package: a machine without fonts (a bare GPU image, say)
 * still gets labelled axes. Missing files just leave the system's fonts.
 */
function bundledFonts(): string[] {
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf");
    return ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  } catch {
    return [];
  }
}

/** Rasterises an SVG to PNG at `scale`× (2 keeps text crisp). Text: DejaVu Sans, bundled. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, fontFiles: bundledFonts(), defaultFontFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}
