// Every learning-rate scheduler in one module: optim.lrScheduler, as PyTorch's torch.optim.lr_scheduler.
export { LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR } from "./lr-scheduler.js";
export type { OneCycleLROptions, SchedulerState } from "./lr-scheduler.js";
export { LambdaLR, LinearLR, SequentialLR, ChainedScheduler } from "./lr-scheduler-composite.js";
export type { LrLambda, LambdaLROptions, LinearLROptions, SequentialLROptions } from "./lr-scheduler-composite.js";
export { MultiplicativeLR, MultiStepLR, ConstantLR, ExponentialLR, PolynomialLR } from "./lr-scheduler-simple.js";
export type { MultiplicativeLambda, MultiplicativeLROptions, MultiStepLROptions, ConstantLROptions, ExponentialLROptions, PolynomialLROptions } from "./lr-scheduler-simple.js";
export { CyclicLR, CosineAnnealingWarmRestarts } from "./lr-scheduler-cyclic.js";
export type { CyclicLROptions, CosineAnnealingWarmRestartsOptions } from "./lr-scheduler-cyclic.js";
export { ReduceLROnPlateau } from "./lr-scheduler-plateau.js";
export type { ReduceLROnPlateauOptions, ReduceLROnPlateauState } from "./lr-scheduler-plateau.js";
