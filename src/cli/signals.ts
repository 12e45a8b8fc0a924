// Ctrl-C / SIGTERM. Training runs in a worker thread (see worker.ts) and the main thread only
// waits, so it sees every signal at once, even while the worker is inside a long native call
// (a full-batch backward pass takes seconds). The first signal sets a flag in shared memory that
// the training loop reads at each step boundary: it then writes the checkpoint and artifacts and
// exits 130 / 143. A second signal restores the default action and re-raises the signal, which
// ends the process at once. One Ctrl-C can arrive twice, though: timeout(1) signals its child and
// then the child's process group, and wrappers forward the terminal's signal to a child that got it
// already. So a repeat of the same signal within DUPLICATE_WINDOW_MS of the first counts as the
// same request (a person's second Ctrl-C comes much later). Every file is written to a temp name
// then renamed, so a kill at any moment leaves each file either old or new, never torn.

/** SIGPIPE stands for "stdout was closed" (`tstorch cifar10 cnn | head`). */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGPIPE";

const CODES: readonly (StopSignal | null)[] = [null, "SIGINT", "SIGTERM", "SIGPIPE"];

/** 128 + the signal's number, what a shell reports for a process the signal ended. */
export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141 };

export interface StopController {
  /** What asked to stop, or null. */
  readonly requested: StopSignal | null;
  /** Asks to stop as a signal would (the first request wins). */
  request(sig: StopSignal): void;
}

/** A stop flag in shared memory: one side requests, the other polls. */
export function stopFlag(shared: SharedArrayBuffer = new SharedArrayBuffer(4)): StopController & { shared: SharedArrayBuffer } {
  const cell = new Int32Array(shared);
  return {
    shared,
    get requested() {
      return CODES[Atomics.load(cell, 0)] ?? null;
    },
    request(sig) {
      Atomics.compareExchange(cell, 0, 0, CODES.indexOf(sig));
    },
  };
}

/** A repeat of the first stop signal within this many milliseconds is the same request delivered twice. */
const DUPLICATE_WINDOW_MS = 100;

/**
 * Main thread: the first SIGINT/SIGTERM requests a stop (and calls onFirst), the second ends the
 * process at once through the signal's default action. Returns a function that removes the listeners.
 */
export function forwardSignals(stop: StopController, onFirst: (sig: StopSignal) => void): () => void {
  let first: { sig: NodeJS.Signals; at: number } | null = null;
  const handler = (sig: NodeJS.Signals): void => {
    if (first === null) {
      first = { sig, at: performance.now() };
      stop.request(sig as StopSignal);
      onFirst(sig as StopSignal);
      return;
    }
    if (sig === first.sig && performance.now() - first.at < DUPLICATE_WINDOW_MS) return;
    remove();
    process.kill(process.pid, sig);
  };
  const remove = (): void => {
    process.removeListener("SIGINT", handler);
    process.removeListener("SIGTERM", handler);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return remove;
}
