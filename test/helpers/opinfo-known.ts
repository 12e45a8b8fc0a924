// OpInfo samples that tstorch does not pass yet, each with why and where the fix belongs
// (/tmp/team/fuzz-findings.md holds the replay snippets for the addon's share). An entry names
// the operator, optionally the dtype and a pattern of the failure message; the test reports how
// many samples each entry covers, and every other failure fails the test.
import type { Group, Outcome, Sample } from "./opinfo.js";

interface Known {
  aten: string | RegExp;
  /** the OpInfo (name.variant) when only one variant of the operator's OpInfos is known */
  opinfo?: string;
  dtype?: string;
  why: RegExp;
  reason: string;
}

// (complex32 results, the last entry, are read through complex64 since tstorch holds the dtype)
const KNOWN: Known[] = [
  {
    // PyTorch 2.3+'s aten::hash_tensor returns a uint64 tensor; tstorch holds no uint64 dtype
    // (src/core/dtype.ts), so the dump cannot store the result and the sample carries no arguments
    aten: "hash_tensor",
    why: /^unpassable: a torch\.uint64 tensor$/,
    reason: "its result is a uint64 tensor (PyTorch 2.3+), a dtype tstorch does not hold (src/core/dtype.ts's share)",
  },
  {
    // as_strided.partial_views (PyTorch 2.x) passes a view at storage offset 5 of a larger base, and
    // as_strided's storage_offset counts from the start of the base's storage. The corpus stores the
    // view's values as a fresh tensor (its own storage of 10 elements): offset 0 then reads the view's
    // first elements instead of the base's, and offset 10 runs past the fresh storage, which libtorch
    // refuses. An artefact of how the sample's input is stored, not of tstorch: the test "as_strided
    // on a view counts storage_offset from the base" checks the real case against PyTorch.
    aten: "as_strided",
    opinfo: "as_strided.partial_views",
    why: /^(different: result: element \d+ is|refused: .*storage offset 10, .*out of bounds)/,
    reason: "a view input (storage offset 5 into its base) stored as a fresh tensor: storage_offset then counts from another storage",
  },
];

/** The reason a failing sample is known, or null. */
export function knownFailure(g: Group, _s: Sample, r: Outcome | { status: "crash"; why: string }): string | null {
  for (const k of KNOWN) {
    const op = typeof k.aten === "string" ? k.aten === g.aten : k.aten.test(g.aten);
    if (op && (k.opinfo === undefined || k.opinfo === g.opinfo) && (k.dtype === undefined || k.dtype === g.dtype) && k.why.test(`${r.status}: ${"why" in r ? r.why : ""}`)) return `${g.aten}: ${k.reason}`;
  }
  return null;
}
