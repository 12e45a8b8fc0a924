// JPEG decoding throughput on the 60,000 shared CIFAR-10 JPEGs (../shared/data/cifar-10-jpeg.tar.xz,
// extracted once into .cache/cifar10-jpeg), in one run, repetitions interleaved:
//   tstorch vision.io.decodeJpeg, one image at a time on the JS thread (one core)
//   tstorch vision.io.decodeImages, batches of 4,096 on libuv's pool (all cores)
//   torchvision.io.decode_jpeg and PIL (Image.open + convert("RGB")), one thread each (bench/jpeg_decode_torch.py)
// and one epoch over the 50,000 training images as an image folder:
//   tstorch DataLoader(vision.datasets.ImageFolder, ToDtype(float32, scale)), batch 128, shuffled, prefetch 2
//   PyTorch DataLoader(torchvision ImageFolder, ToTensor()), batch 128, shuffled, num_workers = --workers
//   npm run build && node dist/bench/jpeg-decode.js [--reps 3] [--workers 2] [--write]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";
import { writeMarkedBlock } from "./doc-block.js";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const REPS = Number(arg("reps", "3"));
const WORKERS = Number(arg("workers", "2"));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED = arg("shared", process.env.SHARED_DIR ?? join(repoRoot, "..", "shared", "data"));
const ROOT = join(repoRoot, ".cache", "cifar10-jpeg");
const { io, datasets, transforms: T } = torch.vision;

function extract(): void {
  if (fs.existsSync(join(ROOT, "test", "truck", "0999.jpg"))) return;
  const tarball = join(SHARED, "cifar-10-jpeg.tar.xz");
  if (!fs.existsSync(tarball)) throw new Error(`${tarball} not found (set --shared or SHARED_DIR)`);
  fs.mkdirSync(ROOT, { recursive: true });
  const r = spawnSync("tar", ["-xJf", tarball, "-C", ROOT], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("tar failed");
}

function python(args: string[]): Record<string, number> {
  const r = spawnSync("/usr/bin/python3", [join(repoRoot, "bench", "jpeg_decode_torch.py"), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`jpeg_decode_torch.py ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

extract();
const files: string[] = [];
for (const split of ["train", "test"]) {
  for (const c of fs.readdirSync(join(ROOT, split)).sort()) for (const f of fs.readdirSync(join(ROOT, split, c)).sort()) files.push(join(ROOT, split, c, f));
}
const listFile = join(ROOT, "files.txt");
fs.writeFileSync(listFile, files.join("\n") + "\n");
const blobs = files.map((f) => fs.readFileSync(f));
console.error(`${files.length} JPEGs, ${(blobs.reduce((s, b) => s + b.length, 0) / 2 ** 20).toFixed(1)} MiB; ${availableParallelism()} cores; ${REPS} repetitions`);

const decode: Record<string, number[]> = { "tstorch decodeJpeg (1 thread)": [], "tstorch decodeImages (pool)": [], "torchvision decode_jpeg (1 thread)": [], "PIL (1 thread)": [] };
for (let r = 0; r < REPS; r++) {
  let t = performance.now();
  for (const b of blobs) io.decodeJpeg(b, { mode: "RGB" }).dispose();
  decode["tstorch decodeJpeg (1 thread)"].push((performance.now() - t) / 1000);
  t = performance.now();
  for (let s = 0; s < blobs.length; s += 4096) for (const x of io.decodeImages(blobs.slice(s, s + 4096), { mode: "RGB" })) x.dispose();
  decode["tstorch decodeImages (pool)"].push((performance.now() - t) / 1000);
  const py = python(["decode", listFile]);
  decode["torchvision decode_jpeg (1 thread)"].push(py.torchvision);
  decode["PIL (1 thread)"].push(py.pil);
  console.error(`rep ${r + 1}: ${Object.entries(decode).map(([k, v]) => `${k} ${v[r].toFixed(2)} s`).join(", ")}`);
}

const epoch: Record<string, number[]> = { [`tstorch ImageFolder DataLoader (pool)`]: [], [`PyTorch ImageFolder DataLoader (${WORKERS} workers)`]: [] };
const ds = new datasets.ImageFolder(join(ROOT, "train"), { transform: new T.ToDtype("float32", { scale: true }) });
for (let r = 0; r < REPS; r++) {
  const loader = new torch.data.DataLoader(ds, { batchSize: 128, shuffle: true, seed: r, prefetch: 2 });
  let t = performance.now();
  let n = 0;
  for (const [x, y] of loader) {
    n += x.shape[0];
    torch.dispose([x, y]);
  }
  if (n !== 50000) throw new Error(`epoch saw ${n} images`);
  epoch["tstorch ImageFolder DataLoader (pool)"].push((performance.now() - t) / 1000);
  const py = python(["epoch", join(ROOT, "train"), String(WORKERS)]);
  epoch[`PyTorch ImageFolder DataLoader (${WORKERS} workers)`].push(py.seconds);
  console.error(`epoch rep ${r + 1}: ${Object.entries(epoch).map(([k, v]) => `${k} ${v[r].toFixed(2)} s`).join(", ")}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = (table: Record<string, number[]>, base: string, per: number) =>
  Object.entries(table).map(([k, v]) => `| ${k} | ${median(v).toFixed(2)} s | ${(per / median(v)).toFixed(0)} | ${(median(table[base]) / median(v)).toFixed(2)} |`);
const decodeBase = "torchvision decode_jpeg (1 thread)";
const epochBase = `PyTorch ImageFolder DataLoader (${WORKERS} workers)`;
const section = [
  `### JPEG decoding (60,000 CIFAR-10 JPEGs) and an image-folder epoch (50,000), median of ${REPS}`,
  "",
  `libtorch ${torch.versions().libtorch}, TurboJPEG API ${io.imageLibraries().turbojpegApi}, ${availableParallelism()} cores; \`node dist/bench/jpeg-decode.js\``,
  "",
  "| decoder | time | images/s | speed-up vs torchvision |",
  "|---|---|---|---|",
  ...rows(decode, decodeBase, files.length),
  "",
  "| epoch (batch 128, shuffled) | time | images/s | speed-up vs PyTorch |",
  "|---|---|---|---|",
  ...rows(epoch, epochBase, 50000),
].join("\n");
console.log(section);
if (argv.includes("--write")) writeMarkedBlock(join(repoRoot, "docs", "benchmarks.md"), "jpeg-decode", section);
