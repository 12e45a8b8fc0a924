// c10d key-value stores and the rendezvous of init methods (env://, tcp://, file://), following
// torch.distributed.rendezvous so that tstorch and PyTorch ranks meet in one store.
import { requireDistributed, type StoreHandle } from "./native.js";

/** A c10d Store (TCPStore, FileStore or a PrefixStore over one). */
export class Store {
  /** @internal */
  constructor(readonly _h: StoreHandle) {}
  set(key: string, value: string): void {
    requireDistributed().distStoreSet(this._h, key, value);
  }
  /** Waits (up to the store's timeout) until `key` is set. */
  get(key: string): string {
    return requireDistributed().distStoreGet(this._h, key);
  }
  add(key: string, amount: number): number {
    return requireDistributed().distStoreAdd(this._h, key, amount);
  }
  /** Whether every key is set (does not wait). */
  check(keys: string[]): boolean {
    return requireDistributed().distStoreCheck(this._h, keys);
  }
}

export interface TCPStoreOptions {
  worldSize?: number;
  isMaster?: boolean;
  timeout?: number;
  waitForWorkers?: boolean;
  multiTenant?: boolean;
}

/** PyTorch's TCPStore(host, port, worldSize, isMaster, timeout): rank 0 (or the launcher) serves it. */
export function TCPStore(host: string, port: number, opts: TCPStoreOptions = {}): Store {
  const d = requireDistributed();
  return new Store(
    d.distTcpStore(host, port, opts.worldSize ?? -1, opts.isMaster ?? false, opts.timeout ?? 300_000, opts.waitForWorkers ?? true, opts.multiTenant ?? false),
  );
}

export function FileStore(path: string, worldSize: number): Store {
  return new Store(requireDistributed().distFileStore(path, worldSize));
}

export function PrefixStore(prefix: string, store: Store): Store {
  return new Store(requireDistributed().distPrefixStore(prefix, store._h));
}

/** A rendezvous's result: the store every rank shares, and this rank's place. */
export interface Rendezvous {
  store: Store;
  rank: number;
  worldSize: number;
  /** For error messages: where the store is. */
  where: string;
}

/** Thrown for a bad configuration (missing variables, bad URL, wrong world size, unreachable master). */
export class DistributedConfigError extends Error {
  override name = "DistributedConfigError";
}

function intFrom(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new DistributedConfigError(`tstorch.distributed: ${what} must be an integer, got '${value}'`);
  return n;
}

function envOrThrow(name: string): string {
  const v = process.env[name];
  if (!v) throw new DistributedConfigError(`tstorch.distributed: env:// rendezvous: environment variable ${name} expected, but not set`);
  return v;
}

// rendezvous._create_c10d_store: under torchrun (TORCHELASTIC_USE_AGENT_STORE=True) the agent serves the
// store and every worker is a client under /worker/attempt_N; otherwise rank 0 serves it (multi-tenant).
function c10dStore(host: string, port: number, rank: number, worldSize: number, timeout: number): Store {
  if (!(port >= 0 && port < 65536)) throw new DistributedConfigError(`tstorch.distributed: port must have value from 0 to 65535 but was ${port}`);
  const where = `${host}:${port}`;
  try {
    if (process.env.TORCHELASTIC_USE_AGENT_STORE === "True") {
      const tcp = TCPStore(host, port, { worldSize, isMaster: false, timeout });
      // up to PyTorch 2.3 under one prefix per restart; from 2.4 the agent's store is new per attempt
      if (!requireDistributed().distAgentStoreAttemptPrefix()) return tcp;
      return PrefixStore(`/worker/attempt_${process.env.TORCHELASTIC_RESTART_COUNT ?? "0"}`, tcp);
    }
    return TCPStore(host, port, { worldSize, isMaster: rank === 0, timeout, multiTenant: true });
  } catch (e) {
    const msg = (e as Error).message;
    if (/address already in use/i.test(msg))
      throw new DistributedConfigError(`tstorch.distributed: rank ${rank} cannot serve the store on ${where}: the port is in use (${msg.split("\n")[0]})`);
    // libtorch 2.x's server waits for the other ranks' clients in its constructor
    if (/waiting for clients/i.test(msg))
      throw new DistributedConfigError(
        `tstorch.distributed: rank ${rank} of ${worldSize}: the process group did not form within ${timeout} ms (store at ${where}; a wrong world size, or ranks that never started?): ${msg.split("\n")[0]}`,
      );
    if (/timed? ?out|connect|refused/i.test(msg))
      throw new DistributedConfigError(`tstorch.distributed: rank ${rank} cannot reach the master at ${where} within ${timeout} ms (${msg.split("\n")[0]})`);
    throw e;
  }
}

/** Resolves an init method into a store, a rank and a world size. */
export function rendezvous(initMethod: string, rank: number | undefined, worldSize: number | undefined, timeout: number): Rendezvous {
  let url: URL;
  try {
    url = new URL(initMethod);
  } catch {
    throw new DistributedConfigError(`tstorch.distributed: bad initMethod '${initMethod}' (expected env://, tcp://HOST:PORT or file://PATH)`);
  }
  const q = url.searchParams;
  rank = intFrom(q.get("rank") ?? undefined, "rank") ?? rank;
  worldSize = intFrom(q.get("world_size") ?? undefined, "world_size") ?? worldSize;
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme === "env") {
    rank ??= intFrom(envOrThrow("RANK"), "RANK")!;
    worldSize ??= intFrom(envOrThrow("WORLD_SIZE"), "WORLD_SIZE")!;
    checkPlace(rank, worldSize);
    const host = envOrThrow("MASTER_ADDR");
    const port = intFrom(envOrThrow("MASTER_PORT"), "MASTER_PORT")!;
    return { store: c10dStore(host, port, rank, worldSize, timeout), rank, worldSize, where: `${host}:${port}` };
  }
  if (rank === undefined || worldSize === undefined)
    throw new DistributedConfigError(`tstorch.distributed: ${scheme}:// rendezvous needs rank and worldSize`);
  checkPlace(rank, worldSize);
  if (scheme === "tcp") {
    if (!url.hostname || !url.port) throw new DistributedConfigError(`tstorch.distributed: tcp:// needs HOST:PORT, got '${initMethod}'`);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return { store: c10dStore(host, Number(url.port), rank, worldSize, timeout), rank, worldSize, where: `${host}:${url.port}` };
  }
  if (scheme === "file") {
    const path = decodeURIComponent(url.pathname);
    if (!path) throw new DistributedConfigError(`tstorch.distributed: file:// needs a path`);
    return { store: FileStore(path, worldSize), rank, worldSize, where: path };
  }
  throw new DistributedConfigError(`tstorch.distributed: unknown init method scheme '${scheme}://' (env://, tcp://, file://)`);
}

function checkPlace(rank: number, worldSize: number): void {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new DistributedConfigError(`tstorch.distributed: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new DistributedConfigError(`tstorch.distributed: rank ${rank} is outside the world of ${worldSize} ranks (0..${worldSize - 1})`);
}
