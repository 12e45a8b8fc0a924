// The addon's AOTInductor functions (native/src/aoti.cc), typed. They exist only in addons built
// against libtorch >= 2.6 (compat.h's TSTORCH_WITH_AOTI); addon() says so otherwise.
import { native, type Handle } from "../core/native.js";
import { torchAtLeast, versions } from "../core/runtime.js";

/** An opaque handle to a torch::inductor::AOTIModelPackageLoader (a napi External owned by the addon). */
export type PackageHandle = { readonly __tstorchAotiPackage: unique symbol };

export interface AotiAddon {
  aotiLoad(path: string, modelName: string, runSingleThreaded: boolean): PackageHandle;
  aotiRun(p: PackageHandle, inputs: Handle[]): Handle[];
  aotiRunAsync(p: PackageHandle, inputs: Handle[]): Promise<Handle[]>;
  aotiMetadata(p: PackageHandle): Record<string, string>;
  aotiCallSpec(p: PackageHandle): string[];
  aotiConstantFqns(p: PackageHandle): string[];
  aotiDispose(p: PackageHandle): void;
}

/** @internal the addon's AOTInductor functions, or an Error saying why this build has none. */
export function aotiNative(): AotiAddon {
  const a = native as unknown as Partial<AotiAddon>;
  if (typeof a.aotiLoad === "function") return a as AotiAddon;
  const linked = versions().libtorch;
  if (!torchAtLeast(2, 6)) throw new Error(`torch.aoti.loadPackage needs libtorch >= 2.6; this build links ${linked}`);
  throw new Error(`torch.aoti: this addon was built without native/src/aoti.cc although it links libtorch ${linked}; rebuild it with \`npm run build:native\``);
}
