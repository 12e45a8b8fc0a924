// The training thread. libtorch is loaded here, not in the main thread, so that the main thread
// stays free to react to signals at once (see signals.ts). Everything the run prints goes back to
// the main thread as ordered messages, which writes it to the real stdout / stderr.
import { parentPort, workerData } from "node:worker_threads";
import type { ParsedCifar10 } from "./args.js";
import { UsageError, oneLine } from "./errors.js";
import { stopFlag } from "./signals.js";

export interface WorkerInput {
  parsed: ParsedCifar10;
  command: string[];
  stopShared: SharedArrayBuffer;
  stderrIsTTY: boolean;
  columns?: number;
}

export type WorkerMessage =
  | { t: "out"; s: string }
  | { t: "err"; s: string }
  | { t: "done"; code: number }
  | { t: "fail"; usage: boolean; message: string; stack?: string };

const port = parentPort;
if (port === null) throw new Error("tstorch: cli/worker.js runs as a worker thread");
const input = workerData as WorkerInput;
const send = (m: WorkerMessage): void => port.postMessage(m);

try {
  const { runCifar10 } = await import("./cifar10-command.js");
  const code = await runCifar10(input.parsed, input.command, {
    stop: stopFlag(input.stopShared),
    csv: (line) => send({ t: "out", s: `${line}\n` }),
    stderr: (s) => send({ t: "err", s }),
    stderrIsTTY: input.stderrIsTTY,
    columns: input.columns,
  });
  send({ t: "done", code });
} catch (err) {
  send({ t: "fail", usage: err instanceof UsageError, message: oneLine(err), stack: (err as Error)?.stack });
}
