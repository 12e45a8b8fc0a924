// nn.parallel: the data-parallel wrapper (`torch.nn.parallel.DistributedDataParallel`).
export { DistributedDataParallel } from "./ddp.js";
export type { DistributedDataParallelOptions } from "./ddp.js";
