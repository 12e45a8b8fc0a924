// torch.load's options and its one error class: what callers see, apart from the readers that use them.
import type { DeviceLike } from "../core/device.js";

/** Where loaded tensors go: one device for all, a map from saved locations ("cuda:1") to devices, or a function of the saved location. */
export type MapLocation = DeviceLike | Record<string, DeviceLike> | ((location: string) => DeviceLike);

export interface LoadOptions {
  /** PyTorch's map_location: by default each tensor goes where it was saved. */
  mapLocation?: MapLocation;
  /** Only weights are read (PyTorch's weights_only=True); false is refused, since it would run the file's code. */
  weightsOnly?: boolean;
  /**
   * Map the file's storages into memory (private, copy-on-write) instead of reading them: pages are
   * read when used and stay evictable. CPU tensors only; needs the storages aligned to their
   * element size (as torch.save aligns them), others are read.
   */
  mmap?: boolean;
}

/** Every failure of torch.load: a refused global, a corrupt or truncated file, a storage that cannot be placed. */
export class LoadError extends Error {
  override name = "LoadError";
}
