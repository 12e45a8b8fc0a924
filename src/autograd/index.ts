// torch.autograd: `torch.autograd.grad(...)`, `class F extends torch.autograd.Function`, gradcheck,
// functional, forwardAd, anomaly detection; grad mode (noGrad, ...) as in PyTorch's namespace too.
import "./hooks.js"; // Tensor.registerHook, Tensor.registerPostAccumulateGradHook
export { grad, backward } from "./grad.js";
export type { GradOptions, BackwardOptions, Tensors } from "./grad.js";
export type { RemovableHandle, TensorHook, PostAccumulateGradHook } from "./hooks.js";
export { setMultithreadingEnabled, isMultithreadingEnabled, enforceGradLayoutPolicy, isGradLayoutEnforcementEnabled } from "./engine-switches.js";
export { Function, FunctionCtx } from "./function.js";
export { gradcheck, gradgradcheck, GradcheckError } from "./gradcheck.js";
export type { GradcheckOptions } from "./gradcheck.js";
export { detectAnomaly, detectAnomalyGuard, setDetectAnomaly, isAnomalyEnabled, isAnomalyCheckNanEnabled } from "./anomaly.js";
export * as functional from "./functional.js";
export * as forwardAd from "./forward-ad.js";
export { noGrad, enableGrad, noGradGuard, isGradEnabled, setGradEnabled } from "../core/autograd.js";
export { inferenceMode, inferenceModeGuard, isInferenceModeEnabled } from "./inference-mode.js";
