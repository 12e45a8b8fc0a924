// torch.jit.load: a TorchScript archive (a path or its bytes) as a ScriptModule.
import { existsSync } from "node:fs";
import type { DeviceLike } from "../core/device.js";
import { jitNative } from "./native.js";
import { ScriptModule } from "./script-module.js";

export interface LoadOptions {
  /** Where the parameters and buffers go (PyTorch's map_location): "cpu", "cuda", "cuda:1". A device that does not exist is an error. */
  device?: DeviceLike;
}

/**
 * Loads a module saved by PyTorch's `torch.jit.save` (scripted or traced) or by ScriptModule.save.
 * Throws an Error naming the problem for a missing file, bytes that are not a TorchScript archive,
 * or a device that does not exist.
 */
export function load(source: string | Uint8Array | ArrayBuffer, opts: LoadOptions = {}): ScriptModule {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  if (typeof bytes !== "string" && !(bytes instanceof Uint8Array)) {
    throw new Error(`tstorch: jit.load expects a path, a Uint8Array or an ArrayBuffer, got ${bytes === null ? "null" : typeof bytes}`);
  }
  if (typeof bytes === "string" && !existsSync(bytes)) throw new Error(`tstorch: jit.load: no such file '${bytes}'`);
  const device = opts.device === undefined ? null : String(opts.device);
  return new ScriptModule(jitNative.jitLoad(bytes, device));
}
