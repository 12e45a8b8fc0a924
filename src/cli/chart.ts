// The training chart: accuracy and loss against epoch. Vega-Lite describes it, Vega renders
// it to SVG headless (no browser, no canvas), resvg (a Rust SVG renderer shipped as a
// prebuilt binary inside its npm package) rasterises that SVG to PNG, so both files show
// the same drawing.
//
// That stack (vega, vega-lite, @resvg/resvg-js, dejavu-fonts-ttf: ~70 packages, ~35 MB) is only
// for this chart, so the package lists it as optional peer dependencies: a library user does not
// install it, and it is loaded here on first use. Without it the run still writes its CSV and
// checkpoints; the chart is skipped with one warning naming what to install.
import type { TopLevelSpec } from "vega-lite";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

/** The packages the chart needs, as `npm install` takes them. */
export const CHART_PACKAGES = ["vega", "vega-lite", "@resvg/resvg-js", "dejavu-fonts-ttf"] as const;

interface ChartStack {
  vega: typeof import("vega");
  compile: typeof import("vega-lite").compile;
  Resvg: typeof import("@resvg/resvg-js").Resvg;
}

let stack: Promise<ChartStack | null> | undefined;
let warned = false;

/** vega, vega-lite and resvg, imported once; null (after one warning on stderr) when one is not installed. */
function loadChartStack(warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<ChartStack | null> {
  stack ??= (async () => {
    try {
      const [vega, vl, resvg] = await Promise.all([import("vega"), import("vega-lite"), import("@resvg/resvg-js")]);
      return { vega, compile: vl.compile, Resvg: resvg.Resvg };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err?.code !== "ERR_MODULE_NOT_FOUND" && err?.code !== "MODULE_NOT_FOUND") throw e;
      if (!warned) {
        warned = true;
        const missing = /Cannot find (?:package|module) '([^']+)'/.exec(err.message)?.[1] ?? "a chart package";
        warn(
          `tstorch: warning: chart.svg and chart.png skipped: ${missing} is not installed (the chart needs the optional ` +
            `packages ${CHART_PACKAGES.join(", ")}; install them with \`npm install ${CHART_PACKAGES.join(" ")}\`). ` +
            "metrics.csv and the checkpoints are written as usual.",
        );
      }
      return null;
    }
  })();
  return stack;
}

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

/**
 * A Vega-Lite spec (vega-lite's TopLevelSpec; typed as a plain object here so that the package's
 * declarations do not need vega-lite's types, an optional package).
 */
export type ChartSpec = Record<string, unknown>;

/** The Vega-Lite spec: test accuracy on top (classifiers), train and test loss below. */
export function chartSpec(rows: readonly MetricsRow[], title: string, classifier: boolean, testLossLabel: string): ChartSpec {
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
      // Log scale: losses fall by orders of magnitude (and the blog post's MLP spikes first).
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
  } satisfies TopLevelSpec;
}

/** Renders the spec to an SVG document. */
async function renderSvg(c: ChartStack, spec: ChartSpec): Promise<string> {
  const view = new c.vega.View(c.vega.parse(c.compile(spec as unknown as TopLevelSpec).spec), { renderer: "none" });
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
function svgToPng(c: ChartStack, svg: string, scale = 2): Buffer {
  const r = new c.Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, fontFiles: bundledFonts(), defaultFontFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}

/** The chart as SVG and PNG, or null when the chart packages are not installed (warned once). */
export async function renderChart(spec: ChartSpec): Promise<{ svg: string; png: Buffer } | null> {
  const c = await loadChartStack();
  if (c === null) return null;
  const svg = await renderSvg(c, spec);
  return { svg, png: svgToPng(c, svg) };
}
