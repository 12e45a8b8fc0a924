// The addon's process-state entry points (native/src/runtime_state.cc, dlpack.cc, amp.cc), typed.
import { native, type Handle } from "./native.js";

export interface StateNative {
  setDefaultDtype(code: number): void;
  getDefaultDtype(): number;
  setDeterministicAlgorithms(mode: boolean, warnOnly: boolean): void;
  deterministicAlgorithms(): [boolean, boolean];
  setFlushDenormal(mode: boolean): boolean;
  setFloat32MatmulPrecision(p: string): void;
  getFloat32MatmulPrecision(): "highest" | "high" | "medium";
  setWarnAlways(mode: boolean): void;
  isWarnAlwaysEnabled(): boolean;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  initialSeed(): number | bigint;
  seed(): number | bigint;
  setNumInteropThreads(n: number): void;
  getNumInteropThreads(): number;
  initNumThreads(): void;
  inferenceModeEnter(mode: boolean): number;
  inferenceModeExit(depth: number): void;
  isInferenceModeEnabled(): boolean;
  broadcastShapes(shapes: number[][]): number[];
  toDlpack(h: Handle): DLPackCapsule;
  fromDlpack(capsule: DLPackCapsule): Handle;
  autocastState(deviceType: string): [boolean, number];
  autocastSet(deviceType: string, enabled: boolean | null, dtype: number | null): void;
  autocastCache(arg: boolean | null | "clear"): boolean;
}

/** A DLPack capsule: an opaque owner of a DLManagedTensor (PyTorch's "dltensor" PyCapsule). */
export type DLPackCapsule = { readonly __dlpackCapsule: unique symbol };

export const stateNative = native as unknown as StateNative;
