// Corrupted PyTorch checkpoints (pt-corruptions.ts) given to torch.load, read or memory-mapped:
// every load must give values that read back, or a LoadError; no crash, hang or runaway memory.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/index.js";
import { attempt as attempt0 } from "../classify.js";
import { note } from "../note.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";
import { corruptPt } from "./pt-corruptions.js";
import { DTYPES, randomTensor } from "./op-values.js";

function attempt(what: string, fn: () => unknown): CaseReport {
  note(what);
  return attempt0(what, fn);
}

/** A checkpoint as people write them: a state dict, nested values, views sharing a storage. */
function goodCheckpoint(rng: Rng, file: string): Uint8Array {
  torch.scope(() => {
    const sd = new Map<string, torch.Tensor>();
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) sd.set(`layer${i}.weight`, randomTensor(rng, [rng.int(0, 4), rng.int(1, 4)], rng.pick(DTYPES)));
    const base = torch.arange(rng.int(4, 12), { dtype: "float32" });
    const obj = rng.bool(0.3) ? sd : { model: sd, step: rng.int(0, 1e6), lr: 0.001, names: ["a", "b"], view: base.narrow(0, 1, 3), base };
    torch.save(obj, file);
  });
  return fs.readFileSync(file);
}

/** Reads back every tensor of a loaded value (a load must give readable tensors). */
function readBack(v: unknown, depth = 0): void {
  if (depth > 50) return;
  if (v instanceof torch.Tensor) v.toTypedArray();
  else if (v instanceof Map) for (const x of v.values()) readBack(x, depth + 1);
  else if (Array.isArray(v)) for (const x of v) readBack(x, depth + 1);
  else if (v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof Set)) {
    for (const x of Object.values(v)) readBack(x, depth + 1);
  }
}

export function run(seed: number, index: number): CaseReport {
  const rng = Rng.forCase(seed, "pt", index);
  const dir = fs.mkdtempSync(join(tmpdir(), `tstorch-fuzz-pt-${index}-`));
  try {
    const good = goodCheckpoint(rng, join(dir, "good.pt"));
    const [what, bytes] = corruptPt(rng, good);
    const file = join(dir, "bad.pt");
    fs.writeFileSync(file, bytes);
    const mmap = rng.bool(0.3);
    const label = `pt ${what}: torch.load${mmap ? " (mmap)" : ""}`;
    const r = attempt(label, () => {
      let v: unknown;
      try {
        v = torch.load(file, { mmap });
      } catch (e) {
        // torch.load's errors are LoadErrors naming the file; anything else leaked through
        if (!(e instanceof Error) || e.name !== "LoadError") throw new Error(`undefined is not a LoadError: ${String(e)}`);
        throw e;
      }
      try {
        readBack(v);
      } finally {
        torch.dispose(v);
      }
    });
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function describe(seed: number, index: number): string {
  return `pt case ${index} (seed ${seed}): a corrupted torch.save checkpoint given to torch.load (run it with --replay to see which corruption)`;
}
