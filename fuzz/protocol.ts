// The lines a runner writes to its file descriptor 3 (synchronously, so that the last "start" line
// is in the pipe even when the case that follows kills the process).

export interface BatchRequest {
  fuzzer: string;
  seed: number;
  start: number;
  /** exclusive; capped at the fuzzer's total when it has one */
  end: number;
  /** instead of [start, end): exactly these cases, in this order (bisect.ts isolates a culprit so) */
  indices?: number[];
}

export type RunnerLine =
  | { t: "hello"; total?: number }
  | { t: "start"; i: number }
  | { t: "note"; i: number; what: string }
  | { t: "end"; i: number; outcome: string; what?: string; detail?: string }
  | { t: "done" };

export const FUZZERS = ["schemas", "ops", "lifecycle", "files", "checkpoint-kill", "memory", "workers", "pt"] as const;
export type FuzzerName = (typeof FUZZERS)[number];
