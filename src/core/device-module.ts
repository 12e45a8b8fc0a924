// torch.get_device_module (PyTorch 2.x) and the `torch.cpu` module it returns for "cpu": the object
// that holds a device type's functions (is_available, device_count, synchronize, ...), so code can
// be written once for whichever device it is given: `torch.getDeviceModule(x.device).synchronize()`.
import { cuda, Device, type DeviceLike } from "./device.js";

/** PyTorch's torch.cpu: the CPU's device module (always available, one device, nothing to wait for). */
export const cpu = {
  isAvailable(): boolean {
    return true;
  },
  deviceCount(): number {
    return 1;
  },
  /** Nothing runs asynchronously on the CPU: returns at once (PyTorch's torch.cpu.synchronize). */
  synchronize(_device?: DeviceLike): void {},
  currentDevice(): string {
    return "cpu";
  },
  isInitialized(): boolean {
    return true;
  },
};

/** Device types torch.device accepts that tstorch has no module for (their error is PyTorch's "not registered" one). */
const OTHER_TORCH_DEVICE_TYPES = new Set([
  "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu",
  "mtia", "xpu", "ipu", "privateuseone",
]);

/**
 * The module of a device type (`cuda` for "cuda"/"cuda:1"/a cuda Device, `cpu` for "cpu"); with no
 * argument, the accelerator's (cuda when a GPU is usable) or else the CPU's, as in PyTorch.
 */
export function getDeviceModule(device?: DeviceLike | null): typeof cpu | typeof cuda {
  let type: string;
  if (device === undefined || device === null) type = cuda.isAvailable() ? "cuda" : "cpu";
  else if (device instanceof Device) type = device.type;
  else if (typeof device === "string") {
    const name = device.trim().split(":")[0];
    if (OTHER_TORCH_DEVICE_TYPES.has(name)) type = name;
    else type = Device.parse(device).type; // throws for a string that names no device, as torch.device does
  } else throw new Error(`tstorch: getDeviceModule: invalid value of device '${String(device)}', expect a Device, a string, or nothing`);
  if (type === "cuda") return cuda;
  if (type === "cpu") return cpu;
  throw new Error(`tstorch: Device '${type}' does not have a corresponding module registered as 'torch.${type}' (tstorch has modules for cpu and cuda)`);
}
