// Runs a program in a child process under a time limit and a resident-memory limit, and says how
// it ended: the shared measuring tool of the crash checks (check-known-crashers.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** A process's resident memory in MiB (0 once it is gone). */
export function rssMbOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** When `child` closes: `stop()` (its timers), its exit code and signal into `end`, then `done()`. */
export function settleOnClose(child: ChildProcess, end: { code: number | null; signal: string | null }, stop: () => void, done: () => void): void {
  child.on("close", (code, signal) => {
    stop();
    end.code = code;
    end.signal = signal;
    done();
  });
}

export interface Ended {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  blewUp: boolean;
  stdout: string;
  stderr: string;
}

export function runWatched(cmd: string, args: string[], opts: { timeoutMs?: number; rssLimitMb?: number; env?: Record<string, string> } = {}): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    const e: Ended = { code: null, signal: null, timedOut: false, blewUp: false, stdout: "", stderr: "" };
    child.stdout.on("data", (d) => (e.stdout = (e.stdout + d).slice(-4000)));
    child.stderr.on("data", (d) => (e.stderr = (e.stderr + d).slice(-4000)));
    const timer = setTimeout(() => ((e.timedOut = true), child.kill("SIGKILL")), opts.timeoutMs ?? 60_000);
    const poll = setInterval(() => {
      if (rssMbOf(child.pid!) > (opts.rssLimitMb ?? 3000)) {
        e.blewUp = true;
        child.kill("SIGKILL");
      }
    }, 100);
    settleOnClose(child, e, () => (clearTimeout(timer), clearInterval(poll)), () => resolve(e));
  });
}

/** One line: "SIGSEGV", "SIGABRT (free(): invalid pointer)", "memory blow-up", "error: ...", "ok". */
export function summarise(e: Ended, errorPattern: RegExp): string {
  const lastLine = (s: string) => s.trim().split("\n").filter((l) => !/Warning|WARNING|^W\d{8}/.test(l)).slice(-1)[0] ?? "";
  if (e.blewUp) return "memory blow-up (resident memory over 3 GB, killed)";
  if (e.timedOut) return "hang (killed after the time limit)";
  if (e.signal) return `${e.signal}${lastLine(e.stderr) ? ` (${lastLine(e.stderr).slice(0, 120)})` : ""}`;
  if (e.code !== 0) {
    const m = errorPattern.exec(e.stdout + "\n" + e.stderr);
    return `clean error: ${(m ? m[0] : lastLine(e.stderr)).slice(0, 160)}`;
  }
  return "runs (no crash)";
}
