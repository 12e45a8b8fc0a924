// The figures of a fuzz run as a table (the one docs/reliability.md quotes).
import type { FuzzerResult } from "./supervisor.js";

/** A crash, hang, blow-up or torn file fails the run; unclear messages and silent misuses are reported. */
export function isBad(r: FuzzerResult): boolean {
  return r.counts.crash + r.counts.hang + r.counts.blowup + r.counts.torn > 0;
}

export function formatTable(results: FuzzerResult[], seed: number, wallS: number): string {
  const head = "| fuzzer | cases | ok | clean errors | unclear errors | silent misuse | skipped (known) | crashes | hangs | blow-ups | torn files | time |";
  const rows = results.map((r) => {
    const c = r.counts;
    return `| ${r.name} | ${r.cases} | ${c.ok} | ${c.error} | ${c.unclear} | ${c.silent} | ${c.skipped} | ${c.crash} | ${c.hang} | ${c.blowup} | ${c.torn} | ${(r.durationMs / 1000).toFixed(0)} s |`;
  });
  const sum = (f: (r: FuzzerResult) => number) => results.reduce((a, r) => a + f(r), 0);
  rows.push(`| **all** | ${sum((r) => r.cases)} | ${sum((r) => r.counts.ok)} | ${sum((r) => r.counts.error)} | ${sum((r) => r.counts.unclear)} | ${sum((r) => r.counts.silent)} | ${sum((r) => r.counts.skipped)} | ${sum((r) => r.counts.crash)} | ${sum((r) => r.counts.hang)} | ${sum((r) => r.counts.blowup)} | ${sum((r) => r.counts.torn)} | ${wallS.toFixed(0)} s |`);
  const lines = [head, "|" + "---|".repeat(12), ...rows, "", `seed ${seed}`];
  const findings = results.flatMap((r) => r.findings);
  if (findings.length > 0) {
    lines.push("", "findings (replay: node dist/fuzz/run.js --replay FUZZER:SEED:INDEX):");
    for (const f of findings) {
      const end = f.signal ? ` ${f.signal}` : f.exitCode !== undefined && f.exitCode !== null ? ` exit ${f.exitCode}` : "";
      lines.push(`- ${f.outcome}${end} ${f.fuzzer}:${f.seed}:${f.index} ${f.what ?? ""} ${f.detail ? "— " + f.detail : ""}`.trimEnd());
      if (f.stderrTail && f.outcome === "crash") lines.push(`    stderr: ${f.stderrTail.replace(/\n/g, " | ").slice(0, 300)}`);
    }
  }
  return lines.join("\n");
}
