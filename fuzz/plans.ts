// How many cases each fuzzer runs, how many per runner process, and the bounds that make a case a
// hang or a blow-up. The short run is CI's (test/fuzz-short.test.ts, about 30-40 s on 2 cores);
// the long run is `npm run fuzz`.
import type { FuzzerPlan } from "./supervisor.js";

export type RunLength = "short" | "long";

export function plans(length: RunLength): FuzzerPlan[] {
  const long = length === "long";
  return [
    { name: "schemas", count: long ? "all" : 150, batch: 1000, caseTimeoutMs: 20_000, rssLimitMb: 3000 },
    { name: "ops", count: long ? 12_000 : 600, batch: 2000, caseTimeoutMs: 20_000, rssLimitMb: 3000 },
    { name: "lifecycle", count: long ? 1000 : 100, batch: 1000, caseTimeoutMs: 20_000, rssLimitMb: 3000 },
    { name: "files", count: long ? 600 : 60, batch: 300, caseTimeoutMs: 20_000, rssLimitMb: 3000 },
    { name: "checkpoint-kill", count: long ? 40 : 3, batch: 40, caseTimeoutMs: 30_000, rssLimitMb: 3000 },
    { name: "memory", count: long ? 10 : 4, batch: 1, caseTimeoutMs: 120_000, rssLimitMb: 3000 },
    { name: "pt", count: long ? 3000 : 60, batch: 500, caseTimeoutMs: 20_000, rssLimitMb: 3000 },
    { name: "workers", count: long ? 20 : 2, batch: 5, caseTimeoutMs: 30_000, rssLimitMb: 3000 },
  ];
}
