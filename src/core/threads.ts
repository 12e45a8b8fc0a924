// libtorch's inter-op thread pool (torch.set_num_interop_threads), beside the intra-op threads of
// core/runtime.ts, and whether the addon was built with the C++11 ABI.
import { native } from "./native.js";
import { stateNative } from "./state-native.js";

/** Threads for inter-op parallelism; libtorch allows setting it once, before any inter-op work started. */
export function setNumInteropThreads(n: number): void {
  stateNative.setNumInteropThreads(n);
}
export function getNumInteropThreads(): number {
  return stateNative.getNumInteropThreads();
}
/** Initialises the intra-op thread pool of the calling thread (libtorch does it lazily before parallel work). */
export function initNumThreads(): void {
  stateNative.initNumThreads();
}
/** Whether the addon (and so the libtorch it links) was compiled with _GLIBCXX_USE_CXX11_ABI=1. */
export function compiledWithCxx11Abi(): boolean {
  return native.versions().cxx11Abi;
}
