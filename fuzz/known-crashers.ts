// The documented list of crashes inside libtorch's kernels (reached through internal operators,
// which take no argument checks) that PyTorch 1.13 shares: the fuzzers skip these operators, and
// docs/known-crashers.md explains them. Each entry records PyTorch's behaviour next to tstorch's,
// as fuzz/check-known-crashers.ts measured them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export interface KnownCrasher {
  /** aten::name */
  op: string;
  /** the overload, "" for the default one, "*" for every overload */
  overload: string;
  /** when the crash happens (the arguments that trigger it) */
  trigger: string;
  /** the call, as the fuzzers describe it (JavaScript over fuzz/replay-helpers.ts): `node dist/fuzz/replay.js CALL` */
  call: string;
  /** the same call in PyTorch (fuzz/pytorch-replay.ts's translation, helpers included) */
  pytorch: string;
  /** what tstorch does, measured in a child process */
  tstorchBehaviour: string;
  /** what PyTorch 1.13 does, measured in a child process */
  pytorchBehaviour: string;
}

// dist/fuzz/known-crashers.js reads the JSON from the source folder (tsc does not copy it)
const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, "known-crashers.json"), join(here, "../../fuzz/known-crashers.json")];

let list: KnownCrasher[] | null = null;
export function knownCrashers(): KnownCrasher[] {
  if (list) return list;
  for (const c of candidates) {
    try {
      list = JSON.parse(readFileSync(c, "utf8")) as KnownCrasher[];
      return list;
    } catch {
      /* next */
    }
  }
  throw new Error(`fuzz: known-crashers.json not found (looked in ${candidates.join(", ")})`);
}

/** The known crasher an operator call would hit, if any. */
export function knownCrasherFor(name: string, overload: string): KnownCrasher | undefined {
  return knownCrashers().find((k) => k.op === name && (k.overload === "*" || k.overload === overload));
}
