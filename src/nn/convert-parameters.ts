// torch.nn.utils.parameters_to_vector / vector_to_parameters: all parameters as one flat vector and
// back (second-order methods, evolution strategies, hypernetworks), with PyTorch's checks.
import { cat } from "../core/creation.js";
import { noGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";

function list(parameters: Iterable<Tensor> | Tensor, fn: string): Tensor[] {
  const ps = parameters instanceof Tensor ? [parameters] : [...parameters];
  for (const p of ps) if (!(p instanceof Tensor)) throw new Error(`tstorch: ${fn} expects Tensors, got ${typeof p}`);
  return ps;
}

function checkDevice(ps: Tensor[]): void {
  const dev = ps[0]?.device.toString();
  for (const p of ps) {
    if (p.device.toString() !== dev) throw new Error("tstorch: Found two parameters on different devices, this is currently not supported.");
  }
}

/** The parameters flattened and concatenated, in order (torch.nn.utils.parameters_to_vector; it is part of the graph). */
export function parametersToVector(parameters: Iterable<Tensor> | Tensor): Tensor {
  const ps = list(parameters, "parametersToVector");
  checkDevice(ps);
  return scope(() => cat(ps.map((p) => p.view([-1]))));
}

/** Copies consecutive slices of `vec` into the parameters, in place (torch.nn.utils.vector_to_parameters). */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor> | Tensor): void {
  if (!(vec instanceof Tensor)) throw new Error(`tstorch: expected torch.Tensor, but got: ${typeof vec}`);
  const ps = list(parameters, "vectorToParameters");
  checkDevice(ps);
  const total = ps.reduce((s, p) => s + p.numel(), 0);
  if (vec.ndim !== 1 || vec.numel() !== total) {
    throw new Error(`tstorch: vectorToParameters: vec must be a 1-D tensor of ${total} elements (the parameters' total), got shape [${vec.shape}]`);
  }
  noGrad(() => scope(() => {
    let at = 0;
    for (const p of ps) {
      const n = p.numel();
      p.copy_(vec.narrow(0, at, n).viewAs(p));
      at += n;
    }
  }));
}
