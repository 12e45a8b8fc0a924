// Deterministic algorithms (torch.use_deterministic_algorithms and friends): libtorch's global
// switch, under which ops without a deterministic implementation raise (or warn, warnOnly).
import { stateNative } from "./state-native.js";

export function useDeterministicAlgorithms(mode: boolean, opts: { warnOnly?: boolean } = {}): void {
  stateNative.setDeterministicAlgorithms(mode, opts.warnOnly ?? false);
}
export function areDeterministicAlgorithmsEnabled(): boolean {
  return stateNative.deterministicAlgorithms()[0];
}
export function isDeterministicAlgorithmsWarnOnlyEnabled(): boolean {
  return stateNative.deterministicAlgorithms()[1];
}

const DEBUG_MODES: Record<string, number> = { default: 0, warn: 1, error: 2 };

/** 0 / "default": off; 1 / "warn": warn on nondeterministic ops; 2 / "error": raise (PyTorch's mapping). */
export function setDeterministicDebugMode(debugMode: "default" | "warn" | "error" | 0 | 1 | 2): void {
  let mode: number = debugMode as number;
  if (typeof debugMode === "string") {
    mode = DEBUG_MODES[debugMode];
    if (mode === undefined) throw new Error(`tstorch: invalid value of debugMode, expected one of 'default', 'warn', 'error', but got '${debugMode}'`);
  }
  if (mode === 0) useDeterministicAlgorithms(false);
  else if (mode === 1) useDeterministicAlgorithms(true, { warnOnly: true });
  else if (mode === 2) useDeterministicAlgorithms(true);
  else throw new Error(`tstorch: invalid value of debugMode, expected 0, 1, or 2, but got ${String(debugMode)}`);
}
export function getDeterministicDebugMode(): 0 | 1 | 2 {
  const [on, warnOnly] = stateNative.deterministicAlgorithms();
  return on ? (warnOnly ? 1 : 2) : 0;
}
