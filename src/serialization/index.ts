// torch.load / torch.save: PyTorch's checkpoint files (.pt, .pth), read and written in TypeScript.
export { load, LoadError, type LoadOptions, type MapLocation } from "./load.js";
export { save, type SaveOptions } from "./save.js";
