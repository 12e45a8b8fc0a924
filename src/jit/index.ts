// torch.jit: TorchScript modules in (load, run, fine-tune, serve with forwardAsync) and out (trace, save).
export { load, type LoadOptions } from "./load.js";
export { trace, type TraceOptions } from "./trace.js";
export { ScriptModule, type MethodInfo } from "./script-module.js";
export type { JitValue } from "./values.js";
