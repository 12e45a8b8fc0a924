// The JSON-lines protocol between bench/run.ts and its worker processes (tstorch, PyTorch, tfjs).
// The driver writes one request per line on the worker's stdin; the worker answers each with one
// line `@@BENCH {json}` on stdout. Any other stdout line (a library's banner, a warning) is not
// part of the protocol: the driver passes it on to stderr.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export const MARK = "@@BENCH ";

/** What a worker is asked to measure. */
export type Bench =
  /** `iters` tiny adds of two [4] tensors, results discarded. */
  | { kind: "add"; iters: number }
  /** `iters` chains of 20 element-wise ops on [64,64] tensors. */
  | { kind: "chain"; iters: number }
  /** `iters` float32 matmuls of [n,n]·[n,n]. */
  | { kind: "matmul"; n: number; iters: number }
  /**
   * Training steps (forward, backward, Adam) of a seed model on its first `n` images: `iters` of them
   * (default 1) back to back, the result being their mean (a ~15 ms step timed alone is mostly noise).
   */
  | { kind: "step"; model: SeedModel; n: number; iters?: number }
  /** One shuffled mini-batch epoch of the CNN over the first `n` training images (`limit` batches at most). */
  | { kind: "epoch"; n: number; batchSize: number; limit?: number }
  /** Test-set accuracy of the CNN on the first `n` test images, under no-grad. */
  | { kind: "eval"; n: number }
  /** `iters` iterations of a small-model workload where per-op overhead dominates (bench/small-models.ts). */
  | { kind: "small"; model: SmallModel; iters: number };

export type SmallModel = "policy" | "lstm-step" | "small-opt" | "cnn-infer1";

export type SeedModel = "cnn" | "mlp" | "ae";

export type Request =
  | { op: "info" }
  | { op: "run"; bench: Bench }
  | { op: "memory" }
  | { op: "exit" };

/** One measurement: `seconds` of wall time for the whole request (a step request: per step), plus details. */
export interface RunResult {
  seconds: number;
  /** Forward / backward / optimiser seconds of a training step. */
  fwd?: number;
  bwd?: number;
  opt?: number;
  /** The loss of that (first) step (or the epoch's mean loss; a small model: its checksum, see bench/small-models.ts). */
  loss?: number;
  acc?: number;
  /** CPU seconds of the process over the timed part (the small models: on a loaded machine, the work without the waiting). */
  cpu?: number;
}

export interface Info {
  impl: string;
  version: string;
  threads: number;
  detail: Record<string, unknown>;
}

export interface Memory {
  /** Peak resident set (VmHWM) and current (VmRSS), MiB. */
  peakRssMiB: number;
  rssMiB: number;
  extra?: Record<string, unknown>;
}

export type Response = { ok: true; value: unknown } | { ok: false; error: string };

/** Peak and current resident memory of this process from /proc/self/status, in MiB. */
export function procMemory(): { peakRssMiB: number; rssMiB: number } {
  let status = "";
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    const maxKb = process.resourceUsage().maxRSS;
    return { peakRssMiB: maxKb / 1024, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  }
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) : NaN;
  };
  return { peakRssMiB: kb("VmHWM") / 1024, rssMiB: kb("VmRSS") / 1024 };
}

/**
 * Serves requests from stdin until "exit" or end of input. `handle` runs each request; its
 * result (or its error) goes back as one protocol line.
 */
export async function serve(handle: (r: Request) => unknown | Promise<unknown>): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
    } catch (e) {
      reply({ ok: false, error: `bad request: ${String(e)}` });
      continue;
    }
    if (req.op === "exit") {
      reply({ ok: true, value: null });
      break;
    }
    try {
      reply({ ok: true, value: await handle(req) });
    } catch (e) {
      reply({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
    }
  }
  rl.close();
}

function reply(r: Response): void {
  process.stdout.write(MARK + JSON.stringify(r) + "\n");
}
