// The addon's optimiser-step functions (native/src/optim_step.cc), typed: whole SGD and Adam(W)
// updates of a parameter group in one call, the same ATen operations as the per-op TypeScript form.
import type { Handle } from "../core/native.js";
import { nativePart } from "../core/native-part.js";

export interface OptimStepAddon {
  /** Per parameter: 0 without a gradient, 1 dense gradient, 2 sparse gradient. */
  optimGradKinds(params: Handle[]): Uint8Array;
  /**
   * One SGD step of a group's params (their .grad; those without one are skipped). false: a gradient
   * is sparse, nothing was done; else the momentum buffers it made, index-aligned (null: none made).
   */
  optimSgd(
    params: Handle[], buffers: (Handle | null)[], lr: number, momentum: number, dampening: number,
    nesterov: boolean, weightDecay: number, maximize: boolean, foreach: boolean,
  ): false | null | (Handle | null | undefined)[];
  /** One Adam/AdamW step of params that share a step count (hyper: see optim_step.cc). */
  optimAdam(
    params: Handle[], expAvgs: Handle[], expAvgSqs: Handle[], maxExpAvgSqs: Handle[] | null,
    hyper: [number, number, number, number, number, number, number, boolean, boolean, boolean, boolean], foreach: boolean,
  ): void;
}

/** @internal */
export const optimNative: OptimStepAddon = nativePart<OptimStepAddon>("optimSgd", "optimiser steps (native/src/optim_step.cc)");
