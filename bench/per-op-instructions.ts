// Instructions per operation, counted by valgrind's callgrind: repeatable on a busy machine, where
// timings are not. Each side runs the same loop twice, with N and 6N iterations, in fresh processes
// under callgrind; the difference of the two totals over 5N is the cost of one iteration, start-up and
// warm-up cancelled out. Sides: tstorch (this package), PyTorch (/usr/bin/python3), and the C++ floor
// (bench/floor/worker_floor.cc against the same libtorch).
//
//   node dist/bench/per-op-instructions.js [--n 5000] [--only add,chain]
//
// N must be large enough for the loop to outweigh start-up noise under callgrind (V8 compiles on
// background threads, whose work varies from run to run): with N = 1000 one count of tstorch's add
// came out at 19,056 instructions, with N = 5000 against 30,000 at 8,508.
//
// Needs valgrind (Debian: apt-get install valgrind). Takes a few minutes: Node and Python under
// callgrind start slowly. Prints a Markdown table; nothing is asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = resolve(here, "../..");

type Kind = "add" | "chain";
type Side = "tstorch" | "pytorch" | "cpp";

/** The loop each side runs: the same workloads as bench/run.ts's add and chain (one libtorch thread). */
function command(side: Side, kind: Kind, n: number, floor: string): string[] {
  switch (side) {
    case "tstorch":
      return [process.execPath, join(here, "per-op-loop.js"), kind, String(n)];
    case "pytorch":
      return ["/usr/bin/python3", join(repoRoot, "bench/per_op_loop.py"), kind, String(n)];
    case "cpp":
      return [floor, "--count", kind, String(n)];
  }
}

function instructions(cmd: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-callgrind-"));
  try {
    const out = join(dir, "cg.out");
    const r = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, ...cmd], {
      encoding: "utf8", env: { ...process.env, BENCH_THREADS: "1", OMP_NUM_THREADS: "1" },
    });
    if (r.error) throw new Error(`valgrind could not be run (${r.error.message}); on Debian: apt-get install valgrind`);
    if (r.status !== 0) throw new Error(`${cmd.join(" ")} under callgrind exited with ${r.status}:\n${r.stderr.slice(-2000)}`);
    let total = 0;
    // callgrind writes one file per thread of a process when asked; count them all
    for (const f of readdirSync(dir)) {
      const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(join(dir, f), "utf8"));
      if (m) total += Number(m[1]);
    }
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({ options: { n: { type: "string", default: "5000" }, only: { type: "string", default: "add,chain" } } });
  const n = Number(values.n);
  const kinds = values.only.split(",") as Kind[];
  const b = spawnSync(process.execPath, [join(repoRoot, "bench/floor/build.mjs")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (b.status !== 0) throw new Error("the C++ floor could not be built");
  const floor = b.stdout.trim();
  const sides: Side[] = ["tstorch", "pytorch", "cpp"];
  const rows: string[] = [];
  for (const kind of kinds) {
    const per: Record<string, number> = {};
    for (const side of sides) {
      const small = instructions(command(side, kind, n, floor));
      const big = instructions(command(side, kind, 6 * n, floor));
      per[side] = (big - small) / (5 * n);
      console.error(`${kind} ${side}: ${Math.round(per[side])} instructions per iteration`);
    }
    const f = (x: number): string => Math.round(x).toLocaleString("en-US");
    rows.push(`| ${kind === "add" ? "tiny add ([4] + [4])" : "20-op chain on [64,64], in a scope"} | ${f(per.tstorch)} | ${f(per.pytorch)} | ${f(per.cpp)} | ` +
      `${(per.tstorch / per.pytorch).toFixed(2)} | ${(per.tstorch / per.cpp).toFixed(2)} |`);
  }
  console.log("| instructions per iteration (callgrind) | tstorch | PyTorch | C++ floor | tstorch / PyTorch | tstorch / C++ |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
}

main();
