// Inference mode (torch.inference_mode / torch.is_inference_mode_enabled): libtorch's
// c10::InferenceMode, a stronger noGrad whose tensors skip version counting and view tracking.
import { stateNative } from "../core/state-native.js";

/** Runs `fn` in inference mode (mode false: runs it with inference mode off), restoring the previous state after. */
export function inferenceMode<T>(fn: () => T, mode = true): T {
  const depth = stateNative.inferenceModeEnter(mode);
  try {
    return fn();
  } finally {
    stateNative.inferenceModeExit(depth);
  }
}
/** `using _ = torch.autograd.inferenceModeGuard()`: inference mode until the end of the block (blocks nest). */
export function inferenceModeGuard(mode = true): Disposable {
  const depth = stateNative.inferenceModeEnter(mode);
  return { [Symbol.dispose]: () => stateNative.inferenceModeExit(depth) };
}
export function isInferenceModeEnabled(): boolean {
  return stateNative.isInferenceModeEnabled();
}
