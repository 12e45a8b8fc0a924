// CPU/GPU arithmetic switches: flushing denormals to zero (torch.set_flush_denormal) and the
// precision float32 matrix products may use (torch.set_float32_matmul_precision; TF32/bf16 on GPUs).
import { stateNative } from "./state-native.js";

/** Flushes denormal floats to zero on the CPU; returns false when the CPU cannot (no SSE3). */
export function setFlushDenormal(mode: boolean): boolean {
  return stateNative.setFlushDenormal(mode);
}
export type Float32MatmulPrecision = "highest" | "high" | "medium";
export function setFloat32MatmulPrecision(precision: Float32MatmulPrecision): void {
  stateNative.setFloat32MatmulPrecision(precision);
}
export function getFloat32MatmulPrecision(): Float32MatmulPrecision {
  return stateNative.getFloat32MatmulPrecision();
}
