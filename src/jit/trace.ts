// torch.jit.trace: runs a tstorch model (or function) once on example inputs with libtorch's tracer
// recording every operator it dispatches, and returns the recording as a ScriptModule that save()
// writes and PyTorch's torch.jit.load runs. The module's parameters and buffers become the traced
// module's parameters and buffers (the same tensors: not constants baked into the graph), under
// the module's own names, so its state_dict keys are PyTorch's.
//
// As with PyTorch's tracer, only the path the example inputs take is recorded: control flow in
// JS is unrolled, and numbers read out of tensors become constants.
import type { Handle } from "../core/native.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Module, type AnyModule } from "../nn/module.js";
import { jitNative, type ModuleSpec } from "./native.js";
import { ScriptModule } from "./script-module.js";
import { fromNative, toNative, type JitValue } from "./values.js";

export interface TraceOptions {
  /** PyTorch's strict: when true (the default) a dict output is refused and a list output warned about. */
  strict?: boolean;
}

/** A TorchScript class name from a JS one ("Sequential", "Net"; anything else becomes "_"). */
function className(m: object): string {
  const n = (m.constructor?.name ?? "").replace(/[^A-Za-z0-9_]/g, "_");
  return n === "" || /^[0-9]/.test(n) ? `Module_${n}` : n;
}

function specOf(m: AnyModule, seen: Set<AnyModule>): ModuleSpec {
  if (seen.has(m)) throw new Error("tstorch: jit.trace: a module that appears twice in the tree is not supported");
  seen.add(m);
  const pairs = (slots: Map<string, Tensor | null>): [string, Handle][] =>
    [...slots].filter((kv): kv is [string, Tensor] => kv[1] !== null).map(([n, t]) => [n, t._h]);
  return {
    name: className(m),
    training: m.training,
    parameters: pairs(m._parameters),
    buffers: pairs(m._buffers),
    children: [...m.namedChildren()].map(([n, c]) => [n, specOf(c, seen)]),
  };
}

/**
 * Traces `target.forward(...exampleInputs)` (or `target(...exampleInputs)` for a function).
 * `exampleInputs` is one Tensor or the array of forward's arguments (Tensors, or arrays and objects
 * of Tensors). Outputs may be a Tensor, an array of them (a Tuple), or an object of them (strict: false).
 */
export function trace(
  target: AnyModule | ((...args: any[]) => JitValue),
  exampleInputs: Tensor | JitValue[],
  opts: TraceOptions = {},
): ScriptModule {
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs)) throw new Error("tstorch: jit.trace: exampleInputs must be a Tensor or an array of forward's arguments");
  const isModule = target instanceof Module;
  if (!isModule && typeof target !== "function") throw new Error("tstorch: jit.trace expects an nn.Module or a function");
  const spec: ModuleSpec = isModule
    ? specOf(target, new Set())
    : { name: "TracedFunction", training: false, parameters: [], buffers: [], children: [] };
  const run = (...handles: unknown[]): unknown => {
    const args = fromNative(handles) as JitValue[];
    const out = isModule ? (target as AnyModule).forward(...args) : (target as (...a: JitValue[]) => JitValue)(...args);
    return toNative(out);
  };
  // The scope frees the activations the JS forward made (the tracer holds what it needs).
  const handle = scope(() => jitNative.jitTrace(run, toNative(inputs) as unknown[], spec, opts.strict ?? true));
  return new ScriptModule(handle);
}
