// Every learning-rate scheduler in one module: optim.lrScheduler, as PyTorch's torch.optim.lr_scheduler.
export { LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR } from "./lr-scheduler.js";
export type { OneCycleLROptions, SchedulerState } from "./lr-scheduler.js";
export { LambdaLR, LinearLR, SequentialLR } from "./lr-scheduler-composite.js";
export type { LrLambda, LambdaLROptions, LinearLROptions, SequentialLROptions } from "./lr-scheduler-composite.js";
