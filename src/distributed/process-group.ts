// Process groups: initProcessGroup / newGroup / destroyProcessGroup with PyTorch's store layout
// (PrefixStore "default_pg", one PrefixStore per group named by a counter, the store-based barrier),
// so that tstorch and PyTorch ranks can form one group.
import { hostname } from "node:os";
import { explainFailure, type PeerInfo } from "./faults.js";
import { requireDistributed, type GroupHandle } from "./native.js";
import { DistributedConfigError, PrefixStore, rendezvous, Store } from "./store.js";

export type Backend = "gloo" | "nccl";

export interface InitProcessGroupOptions {
  /** "gloo" (CPU tensors; the default) or "nccl" (CUDA tensors; needs an addon built with NCCL). */
  backend?: Backend;
  /** "env://" (the default: torchrun's MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE), "tcp://HOST:PORT" or "file://PATH". */
  initMethod?: string;
  /** A store of your own instead of an init method (PyTorch's `store=`). */
  store?: Store;
  rank?: number;
  worldSize?: number;
  /** Milliseconds a rendezvous or a collective may wait for the others (PyTorch's default: 30 minutes). */
  timeout?: number;
}

export const defaultTimeout = 30 * 60 * 1000;

/** A group of ranks. Collectives take it as `{ group }`; src/dst ranks stay global, as in PyTorch. */
export class ProcessGroup {
  /** @internal */
  constructor(
    /** @internal */ public _h: GroupHandle | null,
    readonly backend: Backend,
    /** The global ranks of the members, in group-rank order. */
    readonly ranks: readonly number[],
    readonly timeout: number,
  ) {}
  /** This process's rank in the group. */
  rank(): number {
    return requireDistributed().distGroupRank(this.handle());
  }
  size(): number {
    return this.ranks.length;
  }
  /** The group rank of a global rank (throws if it is not a member). */
  groupRank(globalRank: number): number {
    const r = this.ranks.indexOf(globalRank);
    if (r < 0) throw new Error(`tstorch.distributed: global rank ${globalRank} is not in this group (ranks ${this.ranks.join(", ")})`);
    return r;
  }
  /** @internal */
  handle(): GroupHandle {
    if (!this._h) throw new Error("tstorch.distributed: the process group was destroyed");
    return this._h;
  }
}

interface World {
  group: ProcessGroup;
  store: Store; // the "default_pg"-prefixed store the default group is made from
  subgroupStore: Store; // the one newGroup makes groups on: the same up to libtorch 1.13, the default group's own from 2.0
  rank: number;
  worldSize: number;
  groupCount: number;
  groups: Set<ProcessGroup>;
  peers: Map<number, PeerInfo>;
  where: string;
}
let world: World | null = null;

// The group's keys go under its name in the "default_pg" store, laid out as the linked libtorch's
// PyTorch lays them out (native/src/compat.h).
function makeGroup(backend: Backend, store: Store, name: string, rank: number, size: number, timeout: number): GroupHandle {
  const d = requireDistributed();
  if (backend === "gloo") return d.distNewGloo(store._h, name, rank, size, timeout);
  if (backend === "nccl") return d.distNewNccl(store._h, name, rank, size, timeout);
  throw new DistributedConfigError(`tstorch.distributed: unknown backend '${backend as string}' (gloo or nccl)`);
}

// The store-based barrier that ends init_process_group and new_group, as that version of PyTorch runs
// it (always, keyed on the group count, up to 2.0; from 2.1 only with TORCH_DIST_INIT_BARRIER=1).
function storeBarrier(w: World, store: Store, name: string, timeout: number): void {
  requireDistributed().distInitBarrier(store._h, name, w.groupCount, w.worldSize, timeout);
}

/** Joins the default process group (PyTorch's init_process_group). */
export function initProcessGroup(opts: InitProcessGroupOptions = {}): ProcessGroup {
  if (world) throw new Error("tstorch.distributed: trying to initialize the default process group twice");
  const backend = opts.backend ?? "gloo";
  if (backend !== "gloo" && backend !== "nccl") throw new DistributedConfigError(`tstorch.distributed: unknown backend '${backend as string}' (gloo or nccl)`);
  const timeout = opts.timeout ?? defaultTimeout;
  let base: Store, rank: number, worldSize: number, where: string;
  if (opts.store) {
    if (opts.rank === undefined || opts.worldSize === undefined) throw new DistributedConfigError("tstorch.distributed: a store needs rank and worldSize");
    ({ store: base, rank, worldSize } = { store: opts.store, rank: opts.rank, worldSize: opts.worldSize });
    where = "the given store";
  } else {
    ({ store: base, rank, worldSize, where } = rendezvous(opts.initMethod ?? "env://", opts.rank, opts.worldSize, timeout));
  }
  const store = PrefixStore("default_pg", base);
  // Where each tstorch rank runs, for naming a lost rank later (PyTorch ranks leave no such key).
  store.set(`tstorch/peer/${rank}`, `${hostname()} ${process.pid}`);
  const name = "0";
  const subgroupStore = new Store(requireDistributed().distSubgroupStore(store._h, name));
  const w: World = { group: null as unknown as ProcessGroup, store, subgroupStore, rank, worldSize, groupCount: 1, groups: new Set(), peers: new Map(), where };
  let h: GroupHandle;
  try {
    h = makeGroup(backend, store, name, rank, worldSize, timeout);
    storeBarrier(w, store, name, timeout);
    requireDistributed().distGroupSetSequence(h);
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof DistributedConfigError) throw e;
    if (/checked in|timed? ?out|timeout/i.test(msg))
      throw new DistributedConfigError(
        `tstorch.distributed: rank ${rank} of ${worldSize}: the process group did not form within ${timeout} ms (store at ${where}; a wrong world size, or ranks that never started?): ${msg.split("\n")[0]}`,
      );
    throw e;
  }
  w.group = new ProcessGroup(h, backend, Array.from({ length: worldSize }, (_, i) => i), timeout);
  for (let r = 0; r < worldSize; r++) {
    const key = `tstorch/peer/${r}`;
    if (!store.check([key])) continue;
    const [host, pid] = store.get(key).split(" ");
    w.peers.set(r, { host: host!, pid: Number(pid) });
  }
  world = w;
  const here = hostname();
  requireDistributed().distSetPeers(rank, [...w.peers].filter(([, p]) => p.host === here).map(([r, p]) => [r, p.pid]));
  return w.group;
}

export function isInitialized(): boolean {
  return world !== null;
}

/** @internal */
export function worldOrThrow(): World {
  if (!world) throw new Error("tstorch.distributed: the default process group has not been initialized (call initProcessGroup first)");
  return world;
}

/** The default group (PyTorch's group.WORLD). */
export function defaultGroup(): ProcessGroup {
  return worldOrThrow().group;
}

/** This process's rank in `group` (default: the world); -1 where the group does not include it. */
export function getRank(group?: ProcessGroup | null): number {
  const w = worldOrThrow();
  if (group === null) return -1;
  if (!group || group === w.group) return w.rank;
  return group.ranks.indexOf(w.rank);
}

export function getWorldSize(group?: ProcessGroup | null): number {
  const w = worldOrThrow();
  if (group === null) return -1;
  return (group ?? w.group).size();
}

export function getBackend(group?: ProcessGroup): Backend {
  return (group ?? worldOrThrow().group).backend;
}

/**
 * A group over some of the world's ranks (PyTorch's new_group). Every rank of the world must call it,
 * with the same ranks; ranks outside the group get null.
 */
export function newGroup(ranks?: readonly number[], opts: { timeout?: number; backend?: Backend } = {}): ProcessGroup | null {
  const w = worldOrThrow();
  const timeout = opts.timeout ?? w.group.timeout;
  const members = ranks ? [...ranks].sort((a, b) => a - b) : Array.from({ length: w.worldSize }, (_, i) => i);
  if (members.length > w.worldSize) throw new Error("tstorch.distributed: the new group's world size should be less or equal to the world size set by initProcessGroup");
  for (const r of members)
    if (!Number.isInteger(r) || r < 0 || r >= w.worldSize) throw new Error(`tstorch.distributed: the new group's rank ${r} is outside the world (0..${w.worldSize - 1})`);
  if (new Set(members).size !== members.length) throw new Error("tstorch.distributed: newGroup ranks must be distinct");
  const name = String(w.groupCount++);
  const mine = members.indexOf(w.rank);
  let group: ProcessGroup | null = null;
  if (mine >= 0) {
    const h = makeGroup(opts.backend ?? w.group.backend, w.subgroupStore, name, mine, members.length, timeout);
    group = new ProcessGroup(h, opts.backend ?? w.group.backend, members, timeout);
    w.groups.add(group);
  }
  storeBarrier(w, w.subgroupStore, name, timeout);
  if (group) requireDistributed().distGroupSetSequence(group.handle());
  return group;
}

/** Leaves `group`, or (without one) every group and the default one. */
export function destroyProcessGroup(group?: ProcessGroup | null): void {
  if (!world) return;
  const d = requireDistributed();
  if (group && group !== world.group) {
    if (group._h) d.distGroupDestroy(group._h);
    group._h = null;
    world.groups.delete(group);
    return;
  }
  for (const g of world.groups) if (g._h) d.distGroupDestroy(g._h);
  if (world.group._h) d.distGroupDestroy(world.group._h);
  world.group._h = null;
  world = null;
}

/** @internal the error a failed collective raises, naming the lost rank where it can. */
export function explain(e: unknown, what: string, group: ProcessGroup): Error {
  const w = world;
  if (!w) return e as Error;
  return explainFailure(e, what, w.peers, w.rank, group.timeout);
}
