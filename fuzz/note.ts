// A case says what it is about to do before doing it: if that kills the runner, the supervisor
// still knows what the case did (the line is written synchronously to fd 3).
import { writeSync } from "node:fs";

let current = -1;

/** @internal the runner sets the index of the case in flight. */
export function setCurrentCase(i: number): void {
  current = i;
}

export function note(what: string): void {
  if (process.env.TSTORCH_FUZZ_RUNNER === "1") writeSync(3, JSON.stringify({ t: "note", i: current, what: what.slice(0, 400) }) + "\n");
  else if (process.env.TSTORCH_FUZZ_VERBOSE === "1") process.stderr.write(`fuzz: ${what}\n`);
}
