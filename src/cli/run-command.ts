// `tstorch run --nproc-per-node N [--master-addr HOST] [--master-port PORT] -- command ...`: a launcher
// for users without Python. It starts N copies of the command with torchrun's variables (MASTER_ADDR,
// MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, ROLE_WORLD_SIZE;
// OMP_NUM_THREADS=1 unless set, as torchrun does), forwards SIGINT/SIGTERM, and when one rank fails it
// ends every other rank (SIGTERM, then SIGKILL after 5 s) and exits with the failed rank's code. Rank 0
// serves the TCPStore (no agent store), so its MASTER_PORT must be free.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { UsageError } from "./errors.js";
import { optionHelp, parseCommandLine, type OptionSpec } from "./options.js";

const USAGE = "usage: tstorch run --nproc-per-node N [--master-addr HOST] [--master-port PORT] -- COMMAND [ARGS...]";
const DEFAULT_ADDR = "127.0.0.1";
/** torchrun's default port, for a master that is not this machine (here a free port is picked instead). */
const DEFAULT_REMOTE_PORT = 29500;

/** A whole number in min..max (Number's reading, as before: " 2 " and "0x10" pass). */
function integerIn(min: number, max: number): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`tstorch run: ${flag} must be an integer in ${min}..${max}, got '${raw}'`);
    return n;
  };
}

type LaunchKey = "nproc" | "addr" | "port";

/** torchrun's spelling with underscores is taken too. */
const OPTION_SPECS: readonly (OptionSpec<LaunchKey> & { default: unknown })[] = [
  { flag: "--nproc-per-node", aliases: ["--nproc_per_node"], key: "nproc", metavar: "N", parse: integerIn(1, 1024), default: 1,
    help: "ranks to start on this machine (default 1)" },
  { flag: "--master-addr", aliases: ["--master_addr"], key: "addr", metavar: "HOST", default: DEFAULT_ADDR,
    help: `rank 0's address (default ${DEFAULT_ADDR})` },
  { flag: "--master-port", aliases: ["--master_port"], key: "port", metavar: "PORT", parse: integerIn(1, 65535), default: null,
    help: `default: a free port (${DEFAULT_REMOTE_PORT} when --master-addr is not this machine)` },
];

export function runHelp(): string {
  return [
    USAGE,
    "",
    "Starts N ranks of COMMAND on this machine with torchrun's environment variables, for",
    "torch.distributed.initProcessGroup() (env://) and the CLI's data-parallel mode, e.g.",
    "  tstorch run --nproc-per-node 2 -- node train.js",
    "  tstorch run --nproc-per-node 2 -- npx tstorch cifar10 cnn --batch-size 128",
    "When a rank fails the others are ended and its exit code is returned.",
    ...OPTION_SPECS.map((s) => optionHelp(s, 23)),
  ].join("\n");
}

interface LaunchArgs {
  nproc: number;
  addr: string;
  port: number | null;
  command: string[];
}

/** The launcher's options, and the command: everything after `--`, or from the first argument that is not an option. */
function parse(argv: readonly string[]): LaunchArgs | null {
  const line = parseCommandLine(argv, OPTION_SPECS, { command: "run", prefix: "tstorch run: ", stopAtPositional: true });
  if (line.help) return null;
  if (line.positionals.length === 0) throw new UsageError("tstorch run: no command given (tstorch run --nproc-per-node N -- COMMAND ...)");
  const value = (key: LaunchKey): unknown => line.values[key] ?? OPTION_SPECS.find((s) => s.key === key)?.default;
  return { nproc: value("nproc") as number, addr: value("addr") as string, port: value("port") as number | null, command: line.positionals };
}

function freePort(host: string): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, host, () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => ok(p));
    });
  });
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  if (args === null) {
    process.stdout.write(`${runHelp()}\n`);
    return 0;
  }
  const local = ["127.0.0.1", "localhost", "::1"].includes(args.addr);
  const port = args.port ?? (local ? await freePort(args.addr) : DEFAULT_REMOTE_PORT);
  const children: ChildProcess[] = [];
  let failure: { rank: number; code: number } | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const endOthers = (except: number): void => {
    children.forEach((c, r) => r !== except && c.exitCode === null && c.signalCode === null && c.kill("SIGTERM"));
    killTimer ??= setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")), 5000);
  };
  const forward = (sig: NodeJS.Signals) => () => children.forEach((c) => c.exitCode === null && c.kill(sig));
  const onInt = forward("SIGINT"), onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const exits = Array.from({ length: args.nproc }, (_, rank) => {
    const env = {
      ...process.env,
      MASTER_ADDR: args.addr,
      MASTER_PORT: String(port),
      RANK: String(rank),
      LOCAL_RANK: String(rank),
      GROUP_RANK: "0",
      ROLE_RANK: String(rank),
      WORLD_SIZE: String(args.nproc),
      LOCAL_WORLD_SIZE: String(args.nproc),
      ROLE_WORLD_SIZE: String(args.nproc),
      ...(args.nproc > 1 && process.env.OMP_NUM_THREADS === undefined ? { OMP_NUM_THREADS: "1" } : {}),
    };
    const child = spawn(args.command[0]!, args.command.slice(1), { stdio: "inherit", env });
    children.push(child);
    return new Promise<void>((ok) => {
      child.on("error", (e) => {
        process.stderr.write(`tstorch run: rank ${rank}: cannot start '${args.command[0]}': ${e.message}\n`);
        failure ??= { rank, code: 2 };
        endOthers(rank);
        ok();
      });
      child.on("exit", (code, signal) => {
        if (code !== 0 && failure === null) {
          failure = { rank, code: code ?? 128 + 9 };
          process.stderr.write(`tstorch run: rank ${rank} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; ending the other ranks\n`);
          endOthers(rank);
        }
        ok();
      });
    });
  });
  await Promise.all(exits);
  if (killTimer) clearTimeout(killTimer);
  process.off("SIGINT", onInt);
  process.off("SIGTERM", onTerm);
  return (failure as { code: number } | null)?.code ?? 0;
}
