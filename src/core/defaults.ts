// The default floating-point dtype (torch.set_default_dtype / get_default_dtype): libtorch's own
// process-wide setting, which its factories (zeros, ones, rand, arange over floats, ...) and
// torch.tensor over plain numbers follow.
import { DType, dtypeCode, dtypeName } from "./dtype.js";
import { stateNative } from "./state-native.js";
import { Device, deviceString, type DeviceLike } from "./device.js";

/** Sets the dtype of floating-point tensors made without a dtype: "float32" (the start), "float64", "float16", "bfloat16". */
export function setDefaultDtype(d: DType): void {
  stateNative.setDefaultDtype(dtypeCode(d));
}
export function getDefaultDtype(): DType {
  return dtypeName(stateNative.getDefaultDtype());
}

// The default device (torch.set_default_device / get_default_device, PyTorch 2.0+): where factories
// (zeros, ones, rand, arange, ...) and torch.tensor put a tensor made without a device. PyTorch
// keeps it per thread in Python (a TorchFunctionMode); libtorch has no such setting, so it lives
// here, in JS, and the factories of creation.ts read it. null is the start: the CPU.
let defaultDevice: Device | null = null;

/** Sets the device of tensors made without one (`null` goes back to the CPU); PyTorch's torch.set_default_device. */
export function setDefaultDevice(d: DeviceLike | null): void {
  if (d === null) {
    defaultDevice = null;
    return;
  }
  deviceString(d); // fails now, clearly, when CUDA is asked for and absent (PyTorch fails at the first factory)
  const dev = Device.parse(d);
  defaultDevice = dev.type === "cpu" && dev.index === null ? null : dev;
}
/** The device factories use without a `device` option: cpu unless setDefaultDevice said otherwise. "cuda" reads as the current device ("cuda:0"), as in PyTorch. */
export function getDefaultDevice(): Device {
  if (defaultDevice === null) return new Device("cpu");
  if (defaultDevice.type === "cuda" && defaultDevice.index === null) return new Device("cuda", 0);
  return defaultDevice;
}
/** @internal the device a factory uses: the caller's, else the default one (undefined: libtorch's own, the CPU). */
export function factoryDevice(d: DeviceLike | undefined): DeviceLike | undefined {
  return d ?? defaultDevice ?? undefined;
}
