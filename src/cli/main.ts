// `tstorch` entry point (bin/tstorch.js imports this file). Exit codes: 0 done, 1 runtime
// failure, 2 bad input, 130 / 143 stopped by SIGINT / SIGTERM (141: stdout was closed).
// The main thread parses the arguments and relays output; training runs in a worker thread
// (worker.ts) so that signals are seen at once (signals.ts).
import { Worker } from "node:worker_threads";
import { cifar10Help, parseCifar10Args, type ParsedCifar10 } from "./args.js";
import { UsageError, oneLine } from "./errors.js";
import { forwardSignals, stopFlag } from "./signals.js";
import type { WorkerInput, WorkerMessage } from "./worker.js";

interface Command {
  name: string;
  /** What follows the name in the command list of --help. */
  args: string;
  summary: string;
  main(argv: readonly string[]): Promise<number>;
}

/** The commands, as --help lists them; `tstorch run` (run-command.ts) is loaded only when used. */
const COMMANDS: readonly Command[] = [
  { name: "cifar10", args: "<mlp|cnn|autoencoder|airbench>", summary: "Train the blog post's CIFAR-10 models, or airbench94 (tstorch cifar10 --help).",
    main: cifar10Main },
  { name: "run", args: "--nproc-per-node N -- COMMAND", summary: "Start N data-parallel ranks of COMMAND, as torchrun does (tstorch run --help).",
    main: async (argv) => (await import("./run-command.js")).runCommand(argv) },
];

export function topLevelHelp(): string {
  const left = COMMANDS.map((c) => `  ${c.name} ${c.args}`);
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return [
    "Usage: tstorch <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c, i) => `${left[i].padEnd(width)}${c.summary}`),
    "",
    "Options:",
    "  -h, --help      This help.",
    "  -V, --version   tstorch's and libtorch's versions.",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${topLevelHelp()}\n`);
    return 2;
  }
  if (name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(`${topLevelHelp()}\n`);
    return 0;
  }
  if (name === "-V" || name === "--version") {
    const { versions } = await import("../index.js");
    const v = versions();
    process.stdout.write(`tstorch ${v.tstorch} (libtorch ${v.libtorch})\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name).join(" or ");
    throw new UsageError(`unknown command '${name}' (expected ${names}); see tstorch --help`);
  }
  return command.main(rest);
}

/** `tstorch cifar10`: parsed here, trained in the worker thread (cifar10-command.ts). */
async function cifar10Main(argv: readonly string[]): Promise<number> {
  const parsed = parseCifar10Args(argv);
  if (parsed.options === null) {
    process.stdout.write(`${cifar10Help()}\n`);
    return 0;
  }
  return runInWorker(parsed, ["tstorch", "cifar10", ...argv]);
}

function runInWorker(parsed: ParsedCifar10, command: string[]): Promise<number> {
  const stop = stopFlag();
  const quiet = parsed.options?.quiet ?? false;
  const tty = Boolean(process.stderr.isTTY);
  let stdoutClosed = false;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    // `tstorch cifar10 cnn | head`: stop cleanly (checkpoint included) rather than die mid-write.
    if (err.code !== "EPIPE") throw err;
    stdoutClosed = true;
    stop.request("SIGPIPE");
  });
  const removeSignals = forwardSignals(stop, (sig) => {
    if (quiet) return;
    process.stderr.write(
      `${tty ? "\r\x1b[2K" : ""}tstorch: ${sig}: stopping after the current step, then saving the checkpoint and artifacts ` +
        `(${sig === "SIGINT" ? "Ctrl-C" : sig} again to quit at once)\n`,
    );
  });
  const input: WorkerInput = { parsed, command, stopShared: stop.shared, stderrIsTTY: tty, columns: process.stderr.columns };
  const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: input, stdout: false, stderr: false });
  return new Promise<number>((resolve, reject) => {
    let result: WorkerMessage | null = null;
    worker.on("message", (m: WorkerMessage) => {
      switch (m.t) {
        case "out":
          if (!stdoutClosed) process.stdout.write(m.s);
          break;
        case "err":
          process.stderr.write(m.s);
          break;
        default:
          result = m;
      }
    });
    worker.on("error", (err) => {
      result ??= { t: "fail", usage: false, message: oneLine(err), stack: err.stack };
    });
    worker.on("exit", () => {
      removeSignals();
      const r = result as WorkerMessage | null;
      if (r?.t === "done") resolve(r.code);
      else if (r?.t === "fail") {
        if (!r.usage && process.env.TSTORCH_DEBUG && r.stack) process.stderr.write(`${r.stack}\n`);
        reject(r.usage ? new UsageError(r.message) : new Error(r.message));
      } else reject(new Error("the training thread ended without a result"));
    });
  });
}

/** Runs main, prints errors as one line, and exits with the code (after stdout drains). */
export async function run(argv: readonly string[]): Promise<void> {
  let code: number;
  try {
    code = await main(argv);
  } catch (err) {
    process.stderr.write(`tstorch: error: ${oneLine(err)}\n`);
    code = err instanceof UsageError ? 2 : 1;
  }
  // Leave through the stream callbacks so a piped CSV is complete before the process ends.
  const exit = (): void => process.exit(code);
  if (process.stdout.destroyed || process.stdout.writableEnded) exit();
  else process.stdout.write("", () => process.stderr.write("", exit));
}
