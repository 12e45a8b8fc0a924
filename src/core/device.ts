// Devices: 'cpu', 'cuda', 'cuda:N', as PyTorch spells them.
import { CUDAGraph, graphsAvailable, warmup } from "./cuda-graph.js";
import { native } from "./native.js";

export type DeviceLike = string | Device;

/** The one spelling of a device: 'cpu', 'cuda' or 'cuda:N'. */
const DEVICE_PATTERN = /^(cpu|cuda)(?::(\d+))?$/;

/** Whether `s` spells a device (untrimmed: callers decide whether spaces are allowed). */
export function isDeviceString(s: string): boolean {
  return DEVICE_PATTERN.test(s);
}

export class Device {
  constructor(readonly type: "cpu" | "cuda", readonly index: number | null = null) {}

  static parse(d: DeviceLike): Device {
    if (d instanceof Device) return d;
    const m = DEVICE_PATTERN.exec(String(d).trim());
    if (!m) throw new Error(`tstorch: unknown device '${d}' (expected 'cpu', 'cuda' or 'cuda:N')`);
    return new Device(m[1] as "cpu" | "cuda", m[2] === undefined ? null : Number(m[2]));
  }

  /** CUDA device 0 when a GPU is usable, else the CPU (tch's Device::cuda_if_available). */
  static cudaIfAvailable(): Device {
    return cuda.isAvailable() ? new Device("cuda", 0) : new Device("cpu");
  }

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }
}

/** Device string for the addon; a CUDA request without CUDA fails here with a clear message. */
export function deviceString(d: DeviceLike): string {
  const dev = Device.parse(d);
  if (dev.type === "cuda") {
    const n = cuda.deviceCount();
    if (n === 0) {
      throw new Error(
        `tstorch: device '${dev}' requested but CUDA is not available (this libtorch has no CUDA support or no GPU is visible)`,
      );
    }
    if (dev.index !== null && dev.index >= n) {
      throw new Error(`tstorch: device '${dev}' requested but only ${n} CUDA device(s) exist`);
    }
  }
  return dev.toString();
}

let cachedCount: number | null = null;

export const cuda = {
  isAvailable(): boolean {
    return cuda.deviceCount() > 0;
  },
  deviceCount(): number {
    if (cachedCount === null) cachedCount = native.cudaDeviceCount();
    return cachedCount;
  },
  /** Waits until every kernel queued on the GPU has finished (a no-op without CUDA). */
  synchronize(): void {
    native.cudaSynchronize();
  },
  /** Whether this build can capture CUDA graphs (built against a CUDA libtorch with CUDA's headers). */
  graphsAvailable,
  CUDAGraph,
  warmup,
};
