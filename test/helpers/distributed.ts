// Multi-process test harness for torch.distributed: free ports found at run time, ranks on 127.0.0.1
// only (GLOO_SOCKET_IFNAME=lo), every process bounded in time and killed at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled rank worker (test/distributed-workers/rank.ts). */
export const WORKER = join(here, "..", "distributed-workers", "rank.js");
export const PY_WORKER = join(here, "..", "..", "..", "test", "distributed-workers", "torch_rank.py");

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

export interface RankResult {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last line of stdout that parses as JSON. */
  json: any;
  ms: number;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export interface Rank {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

export interface LaunchOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Called with each rank's stdout lines as they come (e.g. to kill a rank mid-training). */
  onLine?: (rank: number, line: string, procs: ChildProcess[]) => void;
}

/** Starts world-size ranks with torchrun's variables and waits for all of them (killing all at the timeout). */
export async function launch(ranks: Rank[], opts: LaunchOptions = {}): Promise<RankResult[]> {
  const port = await freePort();
  const world = ranks.length;
  const t0 = Date.now();
  const procs: ChildProcess[] = [];
  const results = ranks.map((r, rank) => {
    const p = spawn(r.cmd, r.args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        MASTER_ADDR: "127.0.0.1",
        MASTER_PORT: String(port),
        RANK: String(rank),
        LOCAL_RANK: String(rank),
        WORLD_SIZE: String(world),
        LOCAL_WORLD_SIZE: String(world),
        GLOO_SOCKET_IFNAME: "lo",
        OMP_NUM_THREADS: "1",
        TSTORCH_NUM_THREADS: "1",
        ...opts.env,
        ...r.env,
      },
    });
    live.add(p);
    procs.push(p);
    const res: RankResult = { rank, code: null, signal: null, stdout: "", stderr: "", json: undefined, ms: 0 };
    let pending = "";
    p.stdout!.on("data", (d: Buffer) => {
      res.stdout += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        opts.onLine?.(rank, line, procs);
      }
    });
    p.stderr!.on("data", (d: Buffer) => (res.stderr += d));
    return new Promise<RankResult>((ok) =>
      p.on("exit", (code, signal) => {
        live.delete(p);
        res.code = code;
        res.signal = signal;
        res.ms = Date.now() - t0;
        for (const line of res.stdout.trim().split("\n").reverse()) {
          try {
            res.json = JSON.parse(line);
            break;
          } catch {
            /* not JSON */
          }
        }
        ok(res);
      }),
    );
  });
  const timer = setTimeout(() => procs.forEach((p) => p.kill("SIGKILL")), opts.timeoutMs ?? 60_000);
  try {
    return await Promise.all(results);
  } finally {
    clearTimeout(timer);
  }
}

/** `n` tstorch ranks running one scenario of the worker. */
export function nodeRanks(n: number, scenario: string, ...args: string[]): Rank[] {
  return Array.from({ length: n }, () => ({ cmd: process.execPath, args: [WORKER, scenario, ...args] }));
}

/** Fails with every rank's output when one did not exit cleanly. */
export function assertAllOk(rs: RankResult[]): void {
  const bad = rs.filter((r) => r.code !== 0);
  if (bad.length > 0)
    throw new Error(bad.map((r) => `rank ${r.rank}: code ${r.code} signal ${r.signal}\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-1000)}`).join("\n"));
}
