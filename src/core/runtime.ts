// Process-wide settings.
import { CpuMemoryStats, native } from "./native.js";

/** Seeds libtorch's generators: the same seed gives the same numbers as PyTorch's on the CPU. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`tstorch: manualSeed needs a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** tstorch's and libtorch's versions. */
export function versions(): { tstorch: string; libtorch: string; cxx11Abi: boolean } {
  const v = native.versions();
  return { tstorch: "0.1.0", libtorch: v.libtorch, cxx11Abi: v.cxx11Abi };
}

let linked: [number, number] | undefined;

/** The linked libtorch's [major, minor]: where PyTorch changed behaviour on purpose, tstorch follows the linked version. */
export function torchVersion(): [number, number] {
  if (linked === undefined) {
    const m = /^(\d+)\.(\d+)/.exec(native.versions().libtorch);
    linked = m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
  }
  return linked;
}

/** Is the linked libtorch at least major.minor? */
export function torchAtLeast(major: number, minor: number): boolean {
  const [a, b] = torchVersion();
  return a > major || (a === major && b >= minor);
}

/**
 * CPU memory held by tstorch's caching allocator: live large blocks (allocatedBytes) and freed
 * blocks kept for reuse (cachedBytes). `caching` is false under TSTORCH_CPU_ALLOCATOR=default.
 */
export function cpuMemoryStats(): CpuMemoryStats {
  return native.cpuMemoryStats();
}
/** Returns the cached free CPU blocks to the system (PyTorch's torch.cuda.empty_cache, for the CPU). */
export function cpuEmptyCache(): void {
  native.cpuEmptyCache();
}
