// torch.autograd.grad and torch.autograd.backward, bound to torch::autograd::grad / backward.
import { Tensor, wrap } from "../core/tensor.js";
import { zerosLike } from "../core/creation.js";
import type { Handle } from "../core/native.js";
import { ag } from "./native.js";

export type Tensors = Tensor | readonly Tensor[];

export interface GradOptions {
  /** The vector of the vector-Jacobian product, one per output (null: ones for a scalar output). */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Keep the graph for another backward (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward itself, for higher-order derivatives. */
  createGraph?: boolean;
  /** Inputs the outputs do not depend on get null instead of an error. */
  allowUnused?: boolean;
  /** Inputs the outputs do not depend on get zeros (implies allowUnused). */
  materializeGrads?: boolean;
}

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Accumulate into these tensors' .grad only. */
  inputs?: Tensors;
}

function list(ts: Tensors, what: string): Tensor[] {
  const arr = ts instanceof Tensor ? [ts] : ts;
  if (!Array.isArray(arr)) throw new Error(`tstorch: torch.autograd: ${what} must be a Tensor or an array of Tensors`);
  arr.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`tstorch: torch.autograd: ${what}[${i}] is not a Tensor`);
  });
  return arr as Tensor[];
}

function optList(ts: Tensor | readonly (Tensor | null)[] | null | undefined, what: string, n: number): (Handle | null)[] | null {
  if (ts === null || ts === undefined) return null;
  const arr = ts instanceof Tensor ? [ts] : ts;
  if (arr.length !== n) throw new Error(`tstorch: torch.autograd: ${what} has ${arr.length} entries but there are ${n} outputs`);
  return arr.map((t, i) => {
    if (t === null || t === undefined) return null;
    if (!(t instanceof Tensor)) throw new Error(`tstorch: torch.autograd: ${what}[${i}] is not a Tensor`);
    return t._h;
  });
}

/** libtorch names Python's keyword; say the tstorch option instead. */
function renameOptions(e: unknown): never {
  if (e instanceof Error) e.message = e.message.replace("Set allow_unused=True", "Pass { allowUnused: true }").replace("Specify retain_graph=True", "Pass { retainGraph: true }");
  throw e;
}

/**
 * The gradients of `outputs` with respect to `inputs` (PyTorch's torch.autograd.grad), one per input.
 * With `allowUnused`, inputs that do not reach the outputs get null.
 */
export function grad(outputs: Tensors, inputs: Tensors, opts?: GradOptions & { allowUnused?: false }): Tensor[];
export function grad(outputs: Tensors, inputs: Tensors, opts: GradOptions): (Tensor | null)[];
export function grad(outputs: Tensors, inputs: Tensors, opts: GradOptions = {}): (Tensor | null)[] {
  const outs = list(outputs, "outputs");
  const ins = list(inputs, "inputs");
  let allowUnused = opts.allowUnused;
  if (opts.materializeGrads) {
    if (allowUnused === false) throw new Error("tstorch: torch.autograd.grad: allowUnused must be true or left out with materializeGrads");
    allowUnused = true;
  }
  let hs: (Handle | null)[];
  try {
    hs = ag.autogradGrad(outs.map((t) => t._h), ins.map((t) => t._h), optList(opts.gradOutputs, "gradOutputs", outs.length),
      opts.retainGraph, opts.createGraph ?? false, allowUnused ?? false);
  } catch (e) {
    renameOptions(e);
  }
  return hs.map((h, i) => (h !== null ? wrap(h) : opts.materializeGrads ? zerosLike(ins[i]) : null));
}

/** Accumulates the gradients of `tensors` into the leaves' .grad (PyTorch's torch.autograd.backward). */
export function backward(tensors: Tensors, gradTensors?: Tensor | readonly (Tensor | null)[] | null, opts: BackwardOptions = {}): void {
  const ts = list(tensors, "tensors");
  const inputs = opts.inputs === undefined ? null : list(opts.inputs, "inputs");
  if (inputs !== null && inputs.length === 0) throw new Error("tstorch: backward: 'inputs' cannot be empty");
  try {
    ag.autogradBackward(ts.map((t) => t._h), optList(gradTensors, "gradTensors", ts.length), opts.retainGraph,
      opts.createGraph ?? false, inputs === null ? null : inputs.map((t) => t._h));
  } catch (e) {
    renameOptions(e);
  }
}
