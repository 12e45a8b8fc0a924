// What a fuzz case reports, and how the supervisor sums the reports up.

/**
 * ok: ran and gave a value; error: a clean JS Error naming the problem; unclear: an error that does
 * not (a JS internal TypeError such as "Cannot read properties of undefined", a non-Error throw);
 * silent: a misuse that should have failed and did not (e.g. a disposed tensor read without an
 * error); blowup: memory beyond the fuzzer's bound; torn: a file a crash left half-written;
 * skipped: a known libtorch-kernel crasher (fuzz/known-crashers.json).
 * crash and hang are never reported by a case itself: the supervisor sees the process die or stall.
 */
export type Outcome = "ok" | "error" | "unclear" | "silent" | "blowup" | "torn" | "skipped" | "crash" | "hang";

export const OUTCOMES: readonly Outcome[] = ["ok", "error", "unclear", "silent", "blowup", "torn", "skipped", "crash", "hang"];

export interface CaseReport {
  outcome: Outcome;
  /** What the case did (for replays and the findings list). */
  what?: string;
  /** The error message, or why the outcome is what it is. */
  detail?: string;
}

/** A case run in the runner process: a pure function of (seed, index). */
export interface FuzzCase {
  (seed: number, index: number): CaseReport | Promise<CaseReport>;
}

export interface FuzzerModule {
  /** How many cases the fuzzer has when the run asks for all of them (the schema sweep), if bounded. */
  total?(): number;
  run: FuzzCase;
  /** A one-line description of case (seed, index), computed without running it. */
  describe?(seed: number, index: number): string;
}
