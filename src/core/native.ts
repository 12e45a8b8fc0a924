// Loads the Node-API addon (native/build/tstorch.node), after checking that the libtorch it was built
// for is still the one installed (built-for.ts), and sets libtorch's process defaults.
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { existsSync } from "node:fs";
import { loadAddon } from "./built-for.js";

/** An opaque handle to a libtorch tensor (a napi External owned by the addon). */
export type Handle = { readonly __tstorchHandle: unique symbol };

export interface NativeAddon {
  fromBuffer(data: ArrayBufferView | ArrayBuffer, dtype: number, shape: number[], device?: string, requiresGrad?: boolean): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  dispose(h: Handle): void;
  disposeMany(...hs: Handle[]): void;
  /** While true, new handles do not report their bytes to V8 (the outermost torch.scope sets it). */
  setScopeActive(active: boolean): void;
  /** Reports the handles' bytes to V8 (tensors that outlived every scope; persisted ones). */
  reportHandles(...hs: Handle[]): void;
  /** The external memory V8 counts for this isolate (diagnostics and tests). */
  reportedBytes(): number;
  isDisposed(h: Handle): boolean;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dim(h: Handle): number;
  numel(h: Handle): number;
  dtype(h: Handle): number;
  device(h: Handle): string;
  isContiguous(h: Handle): boolean;
  storageBytes(h: Handle): number;
  storageOffset(h: Handle): number;
  elementSize(h: Handle): number;
  /** The address of the first element (0n for a tensor without storage). */
  dataPtr(h: Handle): bigint;
  item(h: Handle): number | boolean;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, v: boolean): void;
  isLeaf(h: Handle): boolean;
  gradFnName(h: Handle): string | null;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  retainGrad(h: Handle): void;
  schemas(): [string, string, [string, string, boolean, boolean, boolean][], string[]][];
  opId(name: string, overload: string): number;
  call(id: number, ...args: unknown[]): any;
  /** Runs an in-place op and returns nothing (no alias handle to create and dispose). */
  callInPlace(id: number, ...args: unknown[]): void;
  /** As call, with the single-tensor result put into `recycled` (a disposed handle), which is returned. */
  callInto(recycled: Handle, id: number, ...args: unknown[]): any;
  /** One word the addon sets after each callInto that returned a tensor: 1 when its dispose() may be deferred (handle-pool.ts). */
  resultFlags(): Int32Array;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  manualSeed(seed: number | bigint): void;
  /** torch.randperm(n) (int64) on a generator of its own seeded with `seed`: the global random state is left alone. */
  randpermSeeded(n: number, seed: number | bigint): Handle;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** The most threads setNumThreads accepts (4 per logical core, at least 16). */
  maxNumThreads(): number;
  cudaDeviceCount(): number;
  versions(): { libtorch: string; cxx11Abi: boolean; parallel: string };
  cpuMemoryStats(): CpuMemoryStats;
  cpuEmptyCache(): void;
  cudaSynchronize(): void;
  getBackendFlag(name: string): boolean;
  setBackendFlag(name: string, value: boolean): boolean;
  autocastEnter(deviceType: string, enabled: boolean, dtype: number): [boolean, number];
  autocastExit(deviceType: string, enabled: boolean, dtype: number): void;
  // CUDA graphs: present only when the addon was built with CUDA's headers (native/src/cuda_graph.cc)
  cudaSideStreamBegin?(): void;
  cudaSideStreamEnd?(): void;
  cudaGraphCreate?(): unknown;
  cudaGraphCaptureBegin?(g: unknown): void;
  cudaGraphCaptureEnd?(g: unknown): void;
  cudaGraphReplay?(g: unknown): void;
  cudaGraphReset?(g: unknown): void;
}

/** The caching CPU allocator's counters (large blocks only; see native/src/cpu_allocator.cc). */
export interface CpuMemoryStats {
  caching: boolean;
  allocatedBytes?: number;
  cachedBytes?: number;
  peakAllocatedBytes?: number;
  hits?: number;
  misses?: number;
}

function addonPath(): string {
  // Compiled file lives at dist/src/core/native.js; the addon at native/build/tstorch.node.
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../../../native/build/tstorch.node"), resolve(here, "../../native/build/tstorch.node")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `tstorch: the native addon is not built (looked for ${candidates[0]}): tstorch's install script did not run ` +
        "(npm --ignore-scripts, or an allowScripts policy). In your project run `npm rebuild tstorch` (it compiles the " +
        "addon against libtorch in about a minute; see README's \"Where libtorch comes from\"), after " +
        "`npm install-scripts approve tstorch` if npm's allowScripts blocks it; in a clone of the tstorch repository " +
        "run `npm run build:native`.",
    );
  }
  return found;
}

export const native: NativeAddon = loadAddon<NativeAddon>(addonPath(), import.meta.url);

// Inside Node libtorch may start with 1 thread (it counts physical cores, or OMP_NUM_THREADS=1 is
// inherited): use every core unless the user said otherwise, as PyTorch users expect.
if (!process.env.OMP_NUM_THREADS && !process.env.TSTORCH_NUM_THREADS) {
  native.setNumThreads(availableParallelism());
} else if (process.env.TSTORCH_NUM_THREADS) {
  const raw = process.env.TSTORCH_NUM_THREADS;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || n < 1 || n > native.maxNumThreads()) {
    throw new Error(`tstorch: TSTORCH_NUM_THREADS=${raw}: expected a whole number from 1 to ${native.maxNumThreads()}`);
  }
  native.setNumThreads(n);
}
