// `tstorch run --nproc-per-node N [--master-addr HOST] [--master-port PORT] -- command ...`: a launcher
// for users without Python. It starts N copies of the command with torchrun's variables (MASTER_ADDR,
// MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, ROLE_WORLD_SIZE;
// OMP_NUM_THREADS=1 unless set, as torchrun does), forwards SIGINT/SIGTERM, and when one rank fails it
// ends every other rank (SIGTERM, then SIGKILL after 5 s) and exits with the failed rank's code. Rank 0
// serves the TCPStore (no agent store), so its MASTER_PORT must be free.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { UsageError } from "./errors.js";

export function launchHelp(): string {
  return [
    "usage: tstorch run --nproc-per-node N [--master-addr HOST] [--master-port PORT] -- COMMAND [ARGS...]",
    "",
    "Starts N ranks of COMMAND on this machine with torchrun's environment variables, for",
    "torch.distributed.initProcessGroup() (env://) and the CLI's data-parallel mode, e.g.",
    "  tstorch run --nproc-per-node 2 -- node train.js",
    "  tstorch run --nproc-per-node 2 -- npx tstorch cifar10 cnn --batch-size 128",
    "When a rank fails the others are ended and its exit code is returned.",
    "  --master-port PORT   default: a free port (29500 when --master-addr is not this machine)",
  ].join("\n");
}

interface LaunchArgs {
  nproc: number;
  addr: string;
  port: number | null;
  command: string[];
}

function parse(argv: readonly string[]): LaunchArgs | null {
  const sep = argv.indexOf("--");
  const opts = sep < 0 ? [...argv] : argv.slice(0, sep);
  let command = sep < 0 ? [] : argv.slice(sep + 1);
  let nproc = 1, addr = "127.0.0.1", port: number | null = null;
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i]!;
    if (a === "-h" || a === "--help") return null;
    const [key, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? opts[++i];
      if (v === undefined) throw new UsageError(`tstorch run: ${key} needs a value`);
      return v;
    };
    const int = (v: string, what: string, min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`tstorch run: ${what} must be an integer in ${min}..${max}, got '${v}'`);
      return n;
    };
    switch (key.replace(/_/g, "-")) {
      case "--nproc-per-node": nproc = int(value(), "--nproc-per-node", 1, 1024); break;
      case "--master-addr": addr = value(); break;
      case "--master-port": port = int(value(), "--master-port", 1, 65535); break;
      default:
        if (sep < 0 && !a.startsWith("-")) {
          command = opts.slice(i);
          i = opts.length;
          break;
        }
        throw new UsageError(`tstorch run: unknown option '${a}' (see tstorch run --help)`);
    }
  }
  if (command.length === 0) throw new UsageError("tstorch run: no command given (tstorch run --nproc-per-node N -- COMMAND ...)");
  return { nproc, addr, port, command };
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

export async function launchMain(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  if (args === null) {
    process.stdout.write(`${launchHelp()}\n`);
    return 0;
  }
  const local = ["127.0.0.1", "localhost", "::1"].includes(args.addr);
  const port = args.port ?? (local ? await freePort(args.addr) : 29500);
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
