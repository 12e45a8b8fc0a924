// The addon's torch.distributed functions (native/src/distributed.cc), typed. Present in every build;
// in one compiled without Gloo's headers only distIsAvailable/distIsNcclAvailable exist.
import { native, type Handle } from "../core/native.js";

/** Opaque native objects: a c10d Store, a ProcessGroup, a Work, the data-parallel reducer. */
export type StoreHandle = { readonly __distStore: unique symbol };
export type GroupHandle = { readonly __distGroup: unique symbol };
export type WorkHandle = { readonly __distWork: unique symbol };
export type ReducerHandle = { readonly __distReducer: unique symbol };

export interface DistNative {
  distIsAvailable(): boolean;
  distIsNcclAvailable(): boolean;
  distTcpStore(host: string, port: number, worldSize: number, isServer: boolean, timeoutMs: number, waitWorkers: boolean, multiTenant: boolean): StoreHandle;
  distFileStore(path: string, worldSize: number): StoreHandle;
  distPrefixStore(prefix: string, store: StoreHandle): StoreHandle;
  distStoreSet(s: StoreHandle, key: string, value: string): void;
  distStoreGet(s: StoreHandle, key: string): string;
  distStoreAdd(s: StoreHandle, key: string, amount: number): number;
  distStoreCheck(s: StoreHandle, keys: string[]): boolean;
  /** The store-based barrier of that libtorch version's init_process_group/new_group; false when that version skips it. */
  distInitBarrier(s: StoreHandle, groupName: string, groupCount: number, worldSize: number, timeoutMs: number): boolean;
  /** A group named groupName (its keys' prefix) over the "default_pg"-prefixed store, laid out as that version's PyTorch does. */
  distNewGloo(s: StoreHandle, groupName: string, rank: number, size: number, timeoutMs: number): GroupHandle;
  distNewNccl(s: StoreHandle, groupName: string, rank: number, size: number, timeoutMs: number): GroupHandle;
  /** Whether torchrun's workers use the agent's store under "/worker/attempt_N" (PyTorch before 2.4). */
  distAgentStoreAttemptPrefix(): boolean;
  /** The store newGroup makes subgroups on and runs its barrier on (that version's layout). */
  distSubgroupStore(s: StoreHandle, defaultGroupName: string): StoreHandle;
  /** Whether the linked libtorch's Gloo implements reduce_scatter (PyTorch 2.8 on). */
  distGlooHasReduceScatter(): boolean;
  distGroupRank(g: GroupHandle): number;
  distGroupSize(g: GroupHandle): number;
  distGroupDestroy(g: GroupHandle): void;
  distGroupSetSequence(g: GroupHandle): void;
  distReduceScatter(g: GroupHandle, out: Handle, ins: Handle[], op: string): WorkHandle;
  distAllReduce(g: GroupHandle, t: Handle, op: string): WorkHandle;
  distBroadcast(g: GroupHandle, t: Handle, src: number): WorkHandle;
  distAllGather(g: GroupHandle, outs: Handle[], input: Handle): WorkHandle;
  distGather(g: GroupHandle, outs: Handle[], input: Handle, dst: number): WorkHandle;
  distScatter(g: GroupHandle, out: Handle, ins: Handle[], src: number): WorkHandle;
  distSend(g: GroupHandle, t: Handle, dst: number, tag: number): WorkHandle;
  distRecv(g: GroupHandle, t: Handle, src: number, tag: number): WorkHandle;
  distBarrier(g: GroupHandle): WorkHandle;
  distBroadcastCoalesced(g: GroupHandle, ts: Handle[], bufferBytes: number, src: number): void;
  distVerifyParams(g: GroupHandle, ts: Handle[]): void;
  distBucketAssignment(ts: Handle[], limits: number[], indices: number[]): [number[][], number[]];
  distWorkWait(w: WorkHandle): void;
  distWorkWaitAsync(w: WorkHandle): Promise<void>;
  distWorkIsCompleted(w: WorkHandle): boolean;
  distReducerCreate(g: GroupHandle, params: Handle[], buckets: number[][], gradientAsBucketView: boolean, findUnused: boolean): ReducerHandle;
  distReducerPrepare(r: ReducerHandle): void;
  distReducerCancel(r: ReducerHandle): void;
  distReducerRebuild(r: ReducerHandle, firstBucketBytes: number, bucketBytes: number): boolean;
  distReducerBuckets(r: ReducerHandle): number[][];
  distReducerDispose(r: ReducerHandle): void;
  distReducerLaunchedAt(r: ReducerHandle): number[];
  distSetPeers(self: number, local: [number, number][]): void;
}

export const dist = native as unknown as DistNative;

/** Whether this addon was built with torch.distributed (Gloo's headers were found at build time). */
export function isAvailable(): boolean {
  return typeof dist.distIsAvailable === "function" && dist.distIsAvailable();
}

/** Whether the NCCL backend was compiled in (a CUDA libtorch with ProcessGroupNCCL). */
export function isNcclAvailable(): boolean {
  return typeof dist.distIsNcclAvailable === "function" && dist.distIsNcclAvailable();
}

/** Whether Gloo is compiled in (it is whenever torch.distributed is). */
export function isGlooAvailable(): boolean {
  return isAvailable();
}

export function requireDistributed(): DistNative {
  if (!isAvailable())
    throw new Error(
      "tstorch.distributed: this addon was built without torch.distributed (Gloo's headers were not found: " +
        "install libgloo-dev, or run scripts/setup.sh, then rebuild with `node scripts/build-native.mjs`)",
    );
  return dist;
}
