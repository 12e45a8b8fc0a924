// Names the lost rank when a collective fails. Gloo reports a broken connection by address only
// ("Connection closed by peer [127.0.0.1]:41234"), so each tstorch rank leaves its host and pid in the
// store at initialisation; on a failure the ranks on this host are checked for life (/proc), and the
// error says which one is gone. Ranks of other hosts or of PyTorch are named only by Gloo's message.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** A collective failed: a rank died, a connection broke, or a peer stopped answering within the timeout. */
export class DistributedError extends Error {
  override name = "DistributedError";
  constructor(message: string, readonly lostRanks: number[]) {
    super(message);
  }
}

export interface PeerInfo {
  host: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The ranks among `peers` (global rank -> host and pid) that are no longer running on this host. */
export function lostRanks(peers: Map<number, PeerInfo>, self: number): number[] {
  const here = hostname();
  const local = [...peers].filter(([r, p]) => r !== self && p.host === here);
  // A killed peer's sockets close while it is still being torn down: give it a moment to be gone.
  for (let i = 0; i < 20; i++) {
    const dead = local.filter(([, p]) => !alive(p.pid)).map(([r]) => r);
    if (dead.length > 0) return dead.sort((a, b) => a - b);
    sleepSync(50);
  }
  return [];
}

/** Turns a native collective failure into a DistributedError naming the lost rank(s) when known. */
export function explainFailure(e: unknown, what: string, peers: Map<number, PeerInfo>, self: number, timeoutMs: number): Error {
  if (e instanceof DistributedError) return e;
  const msg = (e as Error)?.message ?? String(e);
  const lost = lostRanks(peers, self);
  const timedOut = /timed? ?out|timeout/i.test(msg);
  const head =
    lost.length > 0
      ? `tstorch.distributed: rank ${self}: ${what} failed: rank ${lost.join(", rank ")} is gone (lost rank${lost.length > 1 ? "s" : ""} ${lost.join(", ")}${lost.map((r) => `, pid ${peers.get(r)!.pid}`).join("")})`
      : timedOut
        ? `tstorch.distributed: rank ${self}: ${what} failed: a peer did not answer within the timeout (${timeoutMs} ms)`
        : `tstorch.distributed: rank ${self}: ${what} failed: the connection to a peer broke`;
  return new DistributedError(`${head}: ${msg.split("\n")[0]}`, lost);
}
