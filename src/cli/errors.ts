// Errors the CLI reports as one line on stderr with exit code 2 (bad input: options, data,
// checkpoint, output folder). Anything else is a bug or a runtime failure and exits 1.

export class UsageError extends Error {
  override name = "UsageError";
}

/** The first line of an error's message (some library errors carry multi-line hints). */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n").map((s) => s.trim()).filter((s) => s !== "").join(" ");
}
