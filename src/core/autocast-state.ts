// Autocast's state outside a region (torch.is_autocast_enabled, set_autocast_gpu_dtype, the cast
// cache, ...): libtorch's thread-local switches that core/amp.ts's autocast() sets and restores.
// PyTorch 1.13's unsuffixed names (is_autocast_enabled, set_autocast_enabled) mean CUDA.
import { DType, dtypeCode, dtypeName } from "./dtype.js";
import { stateNative } from "./state-native.js";

type AutocastDType = "float16" | "bfloat16" | "float32";
type AutocastDevice = "cuda" | "cpu";

export function isAutocastEnabled(deviceType: AutocastDevice = "cuda"): boolean {
  return stateNative.autocastState(deviceType)[0];
}
export function setAutocastEnabled(enabled: boolean, deviceType: AutocastDevice = "cuda"): void {
  stateNative.autocastSet(deviceType, enabled, null);
}
export function isAutocastCpuEnabled(): boolean {
  return isAutocastEnabled("cpu");
}
export function setAutocastCpuEnabled(enabled: boolean): void {
  setAutocastEnabled(enabled, "cpu");
}
export function getAutocastGpuDtype(): DType {
  return dtypeName(stateNative.autocastState("cuda")[1]);
}
export function getAutocastCpuDtype(): DType {
  return dtypeName(stateNative.autocastState("cpu")[1]);
}
export function setAutocastGpuDtype(dtype: AutocastDType): void {
  stateNative.autocastSet("cuda", null, dtypeCode(dtype));
}
export function setAutocastCpuDtype(dtype: AutocastDType): void {
  stateNative.autocastSet("cpu", null, dtypeCode(dtype));
}
/** Whether autocast keeps the lower-precision copies of weights for the length of the outermost region. */
export function isAutocastCacheEnabled(): boolean {
  return stateNative.autocastCache(null);
}
export function setAutocastCacheEnabled(enabled: boolean): void {
  stateNative.autocastCache(enabled);
}
export function clearAutocastCache(): void {
  stateNative.autocastCache("clear");
}
/** PyTorch 2.x's device-typed getter (torch.get_autocast_dtype("cpu")). */
export function getAutocastDtype(deviceType: AutocastDevice): DType {
  return dtypeName(stateNative.autocastState(deviceType)[1]);
}
/** PyTorch 2.x's device-typed setter (torch.set_autocast_dtype("cpu", torch.bfloat16)). */
export function setAutocastDtype(deviceType: AutocastDevice, dtype: AutocastDType): void {
  stateNative.autocastSet(deviceType, null, dtypeCode(dtype));
}
