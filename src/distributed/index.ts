// torch.distributed: process groups, collectives and data-parallel training on libtorch's c10d.
export { isAvailable, isNcclAvailable, isGlooAvailable } from "./native.js";
export { Store, TCPStore, FileStore, PrefixStore, DistributedConfigError } from "./store.js";
export type { TCPStoreOptions } from "./store.js";
export {
  initProcessGroup, isInitialized, getRank, getWorldSize, getBackend, newGroup, destroyProcessGroup, defaultGroup, ProcessGroup,
  defaultTimeout,
} from "./process-group.js";
export type { Backend, InitProcessGroupOptions } from "./process-group.js";
export {
  allReduce, broadcast, allGather, gather, scatter, reduceScatter, send, recv, isend, irecv, barrier, ReduceOp,
} from "./collectives.js";
export type { ReduceOpName, CollectiveOptions } from "./collectives.js";
export { Work } from "./work.js";
export { DistributedError } from "./faults.js";
export { DistributedDataParallel } from "./ddp.js";
export type { DistributedDataParallelOptions } from "./ddp.js";
export { launchEnv } from "./launch-env.js";
export type { LaunchEnv } from "./launch-env.js";
