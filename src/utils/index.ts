// torch.utils: checkpoint (activation checkpointing).
export * as checkpoint from "./checkpoint.js";
