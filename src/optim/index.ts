// tstorch.optim: optimisers and learning-rate schedulers (`import { optim } from "tstorch"`).
export { Optimizer } from "./optimizer.js";
export type { ParamGroup, ParamState, ParamsInput, OptimizerStateDict, OptimizerMeta } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions, SGDGroup } from "./sgd.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamOptions, AdamGroup } from "./adam.js";
export { LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR } from "./lr-scheduler.js";
export type { OneCycleLROptions, SchedulerState } from "./lr-scheduler.js";
