#!/usr/bin/env node
// Where is a long run heading? Fits test accuracy against step with the saturating power law
//   acc(s) = A - B * s^(-c)
// (A = the plateau) to the means of consecutive windows of a CLI run's metrics.csv, and prints the
// fitted plateau and the accuracy predicted at larger step counts. Used to judge whether the seed's
// 67 % is within reach of the full-batch CNN (docs/results.md).
//
//   node scripts/fit-curve.mjs docs/cnn-fullbatch-h100-metrics.csv [--from 1000] [--window 100]
import * as fs from "node:fs";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (!file) {
  console.error("usage: node scripts/fit-curve.mjs METRICS.csv [--from STEP] [--window N]");
  process.exit(2);
}
const from = opt("from", 1000);
const window = opt("window", 100);

let text;
try {
  text = fs.readFileSync(file, "utf8");
} catch (err) {
  console.error(`fit-curve: cannot read ${file}: ${err.message}`);
  process.exit(2);
}
const lines = text.trim().split("\n");
const header = lines[0].split(",");
const col = header.indexOf("test_acc");
if (col < 0) {
  console.error(`${file}: no test_acc column (header: ${lines[0]})`);
  process.exit(2);
}
const acc = lines.slice(1).map((l) => {
  const v = l.split(",")[col];
  return v === undefined || v.trim() === "" ? NaN : Number(v);
});
if (acc.some((v) => !Number.isFinite(v))) {
  console.error(`${file}: test_acc is empty or not a number on some rows (an autoencoder run has no accuracy)`);
  process.exit(2);
}

// window means, placed at the window's middle step
const xs = [];
const ys = [];
for (let end = from; end <= acc.length; end += window) {
  const w = acc.slice(end - window, end);
  xs.push(end - window / 2);
  ys.push(w.reduce((a, b) => a + b, 0) / w.length);
}
if (xs.length < 4) {
  console.error(`${file}: ${acc.length} rows, too few windows of ${window} after step ${from} to fit`);
  process.exit(2);
}

// For a fixed exponent c the model is linear in (A, B): least squares in closed form; c by grid search.
function fitFor(c) {
  const u = xs.map((s) => -(s ** -c));
  const n = xs.length;
  const su = u.reduce((a, b) => a + b, 0);
  const sy = ys.reduce((a, b) => a + b, 0);
  const suu = u.reduce((a, b) => a + b * b, 0);
  const suy = u.reduce((a, b, i) => a + b * ys[i], 0);
  const B = (n * suy - su * sy) / (n * suu - su * su);
  const A = (sy - B * su) / n;
  const rss = u.reduce((a, b, i) => a + (A + B * b - ys[i]) ** 2, 0);
  return { A, B, c, rss };
}
let best = null;
for (let c = 0.05; c <= 3; c += 0.005) {
  const f = fitFor(c);
  if (best === null || f.rss < best.rss) best = f;
}
const predict = (s) => best.A - best.B * s ** -best.c;
const pct = (v) => `${(100 * v).toFixed(2)} %`;
const rms = Math.sqrt(best.rss / xs.length);
console.log(`${file}: ${acc.length} steps, fitted on ${xs.length} windows of ${window} from step ${from}`);
console.log(`acc(s) = A - B s^-c with A = ${pct(best.A)} (the plateau), B = ${best.B.toFixed(3)}, c = ${best.c.toFixed(3)}; rms residual ${pct(rms)}`);
console.log(`best single step so far: ${pct(Math.max(...acc))} at step ${acc.indexOf(Math.max(...acc)) + 1}`);
const horizons = [...new Set([acc.length, 2 * acc.length, 10_000, 20_000, 50_000, 100_000, 1_000_000])].sort((a, b) => a - b);
for (const s of horizons) {
  if (s >= acc.length) console.log(`predicted at step ${s}: ${pct(predict(s))}`);
}
