// The addon's TorchScript functions (native/src/jit.cc), typed.
import type { Handle } from "../core/native.js";
import { nativePart } from "../core/native-part.js";

/** An opaque handle to a torch::jit::Module (a napi External owned by the addon). */
export type ModuleHandle = { readonly __tstorchScriptModule: unique symbol };

export interface ModuleSlots {
  typeName: string;
  training: boolean;
  parameters: [string, Handle][];
  buffers: [string, Handle][];
  children: [string, ModuleHandle][];
}

/** What jitTrace builds the traced module from: a tstorch module tree holding the live tensors. */
export interface ModuleSpec {
  name: string;
  training: boolean;
  parameters: [string, Handle][];
  buffers: [string, Handle][];
  children: [string, ModuleSpec][];
}

export interface JitAddon {
  jitLoad(source: string | Uint8Array, device: string | null): ModuleHandle;
  jitSlots(m: ModuleHandle): ModuleSlots;
  jitMethods(m: ModuleHandle): [string, string][];
  jitGraph(m: ModuleHandle, method: string): string;
  jitRun(m: ModuleHandle, method: string, args: unknown[]): unknown;
  jitRunAsync(m: ModuleHandle, method: string, args: unknown[]): Promise<unknown>;
  jitSetTraining(m: ModuleHandle, on: boolean): void;
  jitIsTraining(m: ModuleHandle): boolean;
  jitSaveToBuffer(m: ModuleHandle): Buffer;
  jitTo(m: ModuleHandle, device: string | null, dtype: number | null, memoryFormat: number | null): void;
  jitTrace(fn: (...args: unknown[]) => unknown, inputs: unknown[], spec: ModuleSpec, strict: boolean): ModuleHandle;
}

/** @internal */
export const jitNative: JitAddon = nativePart<JitAddon>("jitLoad", "TorchScript support (native/src/jit.cc)");
