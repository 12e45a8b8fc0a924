// nn.DataParallel: PyTorch replicates the wrapped module on several GPUs of one process and splits
// the batch across them; with no GPU (or one) it runs the module as it is. tstorch keeps those two
// cases (the child is named "module", so state_dict keys gain PyTorch's "module." prefix) and
// directs multi-device replication to DistributedDataParallel, one process per device.
import type { DeviceLike } from "../core/device.js";
import { Module, type AnyModule } from "./module.js";

export interface DataParallelOptions {
  /** At most one device here; the module is moved to it. */
  deviceIds?: readonly DeviceLike[] | null;
  outputDevice?: DeviceLike | null;
  dim?: number;
}

export class DataParallel<M extends AnyModule = AnyModule> extends Module<unknown[], unknown> {
  readonly module: M;
  readonly deviceIds: DeviceLike[];
  readonly dim: number;
  /** PyTorch's DataParallel(module, device_ids, output_device, dim). */
  constructor(module: M, deviceIds: readonly DeviceLike[] | null = null, outputDevice: DeviceLike | null = null, dim = 0) {
    super();
    this.deviceIds = [...(deviceIds ?? [])];
    if (this.deviceIds.length > 1) {
      throw new Error("tstorch: DataParallel replicates a module across several devices of one process, which tstorch does not do; use nn.parallel.DistributedDataParallel (one process per device)");
    }
    if (outputDevice !== null && this.deviceIds.length === 0) throw new Error("tstorch: DataParallel: outputDevice needs deviceIds");
    this.dim = dim;
    this.module = this.registerModule("module", module);
    if (this.deviceIds.length === 1) module.to(this.deviceIds[0]);
  }
  forward(...inputs: unknown[]): unknown {
    return (this.module.forward as (...a: unknown[]) => unknown)(...inputs);
  }
}
