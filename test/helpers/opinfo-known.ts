// OpInfo samples that tstorch does not pass yet, each with why and where the fix belongs
// (/tmp/team/fuzz-findings.md holds the replay snippets for the addon's share). An entry names
// the operator, optionally the dtype and a pattern of the failure message; the test reports how
// many samples each entry covers, and every other failure fails the test.
import type { Group, Outcome, Sample } from "./opinfo.js";

interface Known {
  aten: string | RegExp;
  dtype?: string;
  why: RegExp;
  reason: string;
}

// (complex32 results, the last entry, are read through complex64 since tstorch holds the dtype)
const KNOWN: Known[] = [];

/** The reason a failing sample is known, or null. */
export function knownFailure(g: Group, _s: Sample, r: Outcome | { status: "crash"; why: string }): string | null {
  for (const k of KNOWN) {
    const op = typeof k.aten === "string" ? k.aten === g.aten : k.aten.test(g.aten);
    if (op && (k.dtype === undefined || k.dtype === g.dtype) && k.why.test(`${r.status}: ${"why" in r ? r.why : ""}`)) return `${g.aten}: ${k.reason}`;
  }
  return null;
}
