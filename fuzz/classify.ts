// Sorts a thrown value into a clean error (names the problem) or an unclear one (a JS internal error
// that leaked through the binding: the user learns nothing from it).
import type { CaseReport } from "./types.js";

const JS_INTERNAL = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /^(?!.*tstorch).*could not be cloned/, // V8's DataCloneError, unless it names tstorch's fix (transfer.ts)
  /Maximum call stack/,
  /Invalid array length/,
  /Cannot convert .* to a BigInt/,
  /Cannot mix BigInt/,
  /^A (number|string|boolean|bigint|object|function|array|external) was expected/i,
  /^Invalid argument$/,
  /undefined is not/,
  /null is not/,
];

/** The message of anything thrown, one line, bounded. */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, " ").slice(0, 300);
}

/** A clean error is an Error whose message is not a JS engine's internal complaint. */
export function classifyError(e: unknown, what?: string): CaseReport {
  const detail = messageOf(e);
  if (!(e instanceof Error) || detail.trim() === "") return { outcome: "unclear", what, detail: `non-Error thrown: ${detail}` };
  if (JS_INTERNAL.some((r) => r.test(e.message))) return { outcome: "unclear", what, detail };
  return { outcome: "error", what, detail };
}

/** Runs fn: its value means ok, its throw is classified. */
export function attempt(what: string, fn: () => unknown): CaseReport {
  try {
    fn();
    return { outcome: "ok", what };
  } catch (e) {
    return classifyError(e, what);
  }
}
