// tstorch.optim: optimisers and learning-rate schedulers (`import { optim } from "tstorch"`).
export { Optimizer } from "./optimizer.js";
export type { ParamGroup, ParamState, ParamsInput, OptimizerStateDict, OptimizerMeta, ZeroGradOptions, Closure } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions, SGDGroup } from "./sgd.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamOptions, AdamGroup } from "./adam.js";
export { LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR } from "./lr-scheduler.js";
export type { OneCycleLROptions, SchedulerState } from "./lr-scheduler.js";
export { LambdaLR, LinearLR, SequentialLR } from "./lr-scheduler-composite.js";
export type { LrLambda, LambdaLROptions, LinearLROptions, SequentialLROptions } from "./lr-scheduler-composite.js";
// every scheduler under PyTorch's module name too: optim.lrScheduler.LambdaLR = torch.optim.lr_scheduler.LambdaLR
export * as lrScheduler from "./lr-scheduler-all.js";
export { Lookahead } from "./lookahead.js";
export { Adadelta } from "./adadelta.js";
export type { AdadeltaOptions, AdadeltaGroup } from "./adadelta.js";
