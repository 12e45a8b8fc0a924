// Peak resident memory of torch.save and torch.load on a large checkpoint, to back the claim that
// a checkpoint larger than half the RAM loads: each storage is read from its offset in the file
// (one 64 MiB read buffer besides the tensors) or memory-mapped (pages read when touched, and
// evictable since they are clean file pages). Each step runs in a fresh child process that reports
// its VmHWM (peak RSS).
//   node dist/bench/torch-load-memory.js [GiB=2]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";

function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m![1]) / 1024;
}

const [, , mode, file, gib] = process.argv;
if (mode === "save") {
  const n = Math.round((Number(gib) * 2 ** 30) / (256 * 2 ** 20));
  const sd = new Map<string, torch.Tensor>();
  for (let i = 0; i < n; i++) sd.set(`layer${i}.weight`, torch.full([64 << 20], i, { dtype: "float32" }));
  const before = peakMiB();
  const t0 = performance.now();
  torch.save(sd, file);
  console.log(JSON.stringify({ mode, seconds: (performance.now() - t0) / 1000, tensorsMiB: n * 256, peakBeforeSaveMiB: before, peakMiB: peakMiB() }));
} else if (mode === "load" || mode === "mmap") {
  const base = peakMiB();
  const t0 = performance.now();
  const sd = torch.load(file, { mmap: mode === "mmap" }) as Map<string, torch.Tensor>;
  const loadS = (performance.now() - t0) / 1000;
  const afterLoad = peakMiB();
  let ok = true;
  let i = 0;
  for (const t of sd.values()) ok &&= t.select(0, (64 << 20) - 1).item() === i++; // touch one page of each
  console.log(JSON.stringify({ mode, loadSeconds: loadS, baseMiB: base, peakAfterLoadMiB: afterLoad, ok }));
} else {
  const size = Number(process.argv[2] ?? 2);
  const dir = mkdtempSync(join(tmpdir(), "tstorch-load-mem-"));
  const f = join(dir, "big.pt");
  const me = fileURLToPath(import.meta.url);
  try {
    for (const m of ["save", "load", "mmap"]) {
      console.log(execFileSync(process.execPath, [me, m, f, String(size)], { encoding: "utf8" }).trim());
    }
    console.log(JSON.stringify({ fileMiB: statSync(f).size / 2 ** 20 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
