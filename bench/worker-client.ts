// The driver's end of a worker process: spawn it, send requests, await answers (bench/protocol.ts).
import { ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Bench, Info, MARK, Memory, Request, Response, RunResult } from "./protocol.js";

export class WorkerClient {
  private readonly child: ChildProcess;
  private readonly pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private exited: string | null = null;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    out.on("line", (line) => {
      if (!line.startsWith(MARK)) {
        if (line.trim() !== "") process.stderr.write(`  [${label}] ${line}\n`);
        return;
      }
      const p = this.pending.shift();
      if (p === undefined) return;
      let r: Response;
      try {
        r = JSON.parse(line.slice(MARK.length)) as Response;
      } catch (e) {
        p.reject(new Error(`${label}: unreadable answer: ${String(e)}`));
        return;
      }
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(`${label}: ${r.error}`));
    });
    const err = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    err.on("line", (line) => {
      if (line.trim() !== "") process.stderr.write(`  [${label}] ${line}\n`);
    });
    this.child.on("error", (e) => this.fail(`${label}: could not start ${command}: ${e.message}`));
    this.child.on("exit", (code, signal) => {
      this.fail(`${label}: worker exited (${signal !== null ? `signal ${signal}` : `code ${code}`})` +
        (signal === "SIGKILL" ? " — killed, perhaps by the kernel's out-of-memory killer" : ""));
    });
  }

  private fail(why: string): void {
    if (this.exited === null) this.exited = why;
    for (const p of this.pending.splice(0)) p.reject(new Error(why));
  }

  private request<T>(r: Request): Promise<T> {
    if (this.exited !== null) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(JSON.stringify(r) + "\n");
    });
  }

  info(): Promise<Info> {
    return this.request({ op: "info" });
  }
  run(bench: Bench): Promise<RunResult> {
    return this.request({ op: "run", bench });
  }
  memory(): Promise<Memory> {
    return this.request({ op: "memory" });
  }

  /** Asks the worker to exit and waits for it (kills it after `graceMs`). */
  async close(graceMs = 10_000): Promise<void> {
    if (this.exited !== null) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      this.child.stdin!.write(JSON.stringify({ op: "exit" }) + "\n");
      this.child.stdin!.end();
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
  }
}
