// torch.amp: mixed precision. autocast (also torch.autocast) and GradScaler for float16.
export { autocast } from "./core/amp.js";
export type { AutocastOptions } from "./core/amp.js";
export { GradScaler } from "./optim/grad-scaler.js";
export type { GradScalerOptions } from "./optim/grad-scaler.js";
