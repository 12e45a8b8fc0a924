// Memory loops: temporaries of one size, never disposed, created in a loop; resident memory must
// stay bounded (the collector backstop frees them). Sizes straddle the 64 KiB line below which
// storages used not to be reported to V8.
import * as torch from "../../src/index.js";
import { note } from "../note.js";
import type { CaseReport } from "../types.js";

const SIZES_KB = [60, 16, 68, 256, 4, 1, 1024, 32, 48, 4096];
/** growth of resident memory over the loop's start that counts as a blow-up */
export const BOUND_MB = 300;

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

export function run(seed: number, index: number): CaseReport {
  const kb = SIZES_KB[index % SIZES_KB.length];
  // the long run allocates up to 4 GB in each loop, the short one up to 768 MB (above the bound)
  const long = process.env.TSTORCH_FUZZ_LENGTH === "long";
  const totalMb = long ? 4096 : 768;
  const n = (kb * 1024) / 4;
  const iterations = Math.min(long ? 200_000 : 20_000, Math.ceil((totalMb * 1024) / kb / 2));
  const what = `${iterations} iterations of ones([${n}]).add(1) (${kb} KB temporaries) never disposed`;
  note(what);
  const base = rssMb();
  let peak = base;
  for (let i = 0; i < iterations; i++) {
    torch.ones([n]).add(1);
    if (i % 64 === 0) {
      peak = Math.max(peak, rssMb());
      if (peak - base > BOUND_MB * 3) break; // clearly unbounded: stop before the machine suffers
    }
  }
  const grew = Math.round(peak - base);
  const detail = `resident memory grew ${grew} MB (from ${Math.round(base)} MB; bound ${BOUND_MB} MB)`;
  return { outcome: grew > BOUND_MB ? "blowup" : "ok", what, detail };
}

export function describe(_seed: number, index: number): string {
  return `${SIZES_KB[index % SIZES_KB.length]} KB temporaries never disposed`;
}
