// The older torch.nn.utils.weight_norm / spectral_norm (and remove_*), which PyTorch implements with
// a forward pre-hook that recomputes module.weight from weight_g/weight_v (or weight_orig, weight_u,
// weight_v) before each forward. tstorch makes module[name] a computed attribute instead
// (module-attr.ts): the same parameters, buffers and state_dict names, the same arithmetic; the value
// is computed when read (forward reads it once, so a spectral norm's power iteration runs once per
// forward in training mode, as with PyTorch's hook).
import { noGrad } from "../core/autograd.js";
import { empty } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { defineComputed, deleteTensor, setTensor } from "./module-attr.js";
import type { AnyModule } from "./module.js";
import { normalize } from "./normalize.js";
import { weightToMatrix } from "./parametrizations.js";
import { ConvTranspose2d } from "./conv.js";
import { ConvTranspose1d, ConvTranspose3d } from "./conv-nd.js";

const aten = ops.aten;
const hooks = new WeakMap<AnyModule, Map<string, "weight_norm" | "spectral_norm">>();

function param(m: AnyModule, name: string): Tensor {
  const t = m._parameters.get(name) ?? null;
  if (!(t instanceof Tensor)) throw new Error(`tstorch: ${m.constructor.name} has no parameter "${name}"`);
  return t;
}

function mark(m: AnyModule, name: string, kind: "weight_norm" | "spectral_norm"): void {
  let per = hooks.get(m);
  if (per === undefined) hooks.set(m, (per = new Map()));
  if (per.has(name)) throw new Error(`tstorch: Cannot register two ${kind} hooks on the same parameter ${name}`);
  per.set(name, kind);
}

/**
 * Replaces parameter `name` by name_g (magnitude, norm over every dim but `dim`) and name_v
 * (direction) with module[name] = g · v / ‖v‖ (torch.nn.utils.weight_norm; dim null: the whole tensor).
 */
export function weightNorm<M extends AnyModule>(module: M, name = "weight", dim: number | null = 0): M {
  const d = dim ?? -1;
  const weight = param(module, name);
  mark(module, name, "weight_norm");
  const g = noGrad(() => aten.norm_except_dim(weight, 2, d).detach());
  const v = noGrad(() => weight.detach().clone());
  deleteTensor(module, name); // the old tensor stays valid for whoever holds it (PyTorch's v shares it)
  setTensor(module, `${name}_g`, g, "_parameters");
  setTensor(module, `${name}_v`, v, "_parameters");
  defineComputed(module, name, () => aten._weight_norm(param(module, `${name}_v`), param(module, `${name}_g`), d));
  return module;
}

/** Undoes weightNorm: module[name] becomes a parameter again with the current value (torch.nn.utils.remove_weight_norm). */
export function removeWeightNorm<M extends AnyModule>(module: M, name = "weight"): M {
  if (hooks.get(module)?.get(name) !== "weight_norm") throw new Error(`tstorch: weight_norm of '${name}' not found in ${module.constructor.name}`);
  const w = noGrad(() => (module as unknown as Record<string, Tensor>)[name].detach());
  delete (module as unknown as Record<string, unknown>)[name];
  for (const k of [`${name}_g`, `${name}_v`]) deleteTensor(module, k)?.dispose();
  setTensor(module, name, w, "_parameters");
  hooks.get(module)!.delete(name);
  return module;
}

export interface SpectralNormHookOptions {
  nPowerIterations?: number;
  eps?: number;
  dim?: number | null;
}

/**
 * Spectral normalisation with PyTorch's older layout (torch.nn.utils.spectral_norm): parameter
 * name_orig, buffers name_u and name_v; module[name] = name_orig / σ, one power iteration per read
 * in training mode.
 */
export function spectralNorm<M extends AnyModule>(module: M, name = "weight", opts: SpectralNormHookOptions = {}): M {
  const n = opts.nPowerIterations ?? 1;
  const eps = opts.eps ?? 1e-12;
  const isT = module instanceof ConvTranspose1d || module instanceof ConvTranspose2d || module instanceof ConvTranspose3d;
  const dim = opts.dim ?? (isT ? 1 : 0);
  if (!(n >= 0)) throw new Error(`tstorch: Expected n_power_iterations to be non-negative, but got n_power_iterations=${n}`);
  const weight = param(module, name);
  mark(module, name, "spectral_norm");
  const [u, v] = noGrad(() => scope(() => {
    const mat = weightToMatrix(weight, dim);
    const [h, w] = mat.shape;
    const o = { dtype: weight.dtype, device: weight.device };
    return [normalize(empty([h], o).normal_(0, 1), 2, 0, eps), normalize(empty([w], o).normal_(0, 1), 2, 0, eps)];
  }));
  deleteTensor(module, name);
  setTensor(module, `${name}_orig`, weight, "_parameters");
  setTensor(module, `${name}_u`, u, "_buffers");
  setTensor(module, `${name}_v`, v, "_buffers");
  defineComputed(module, name, () => {
    const orig = param(module, `${name}_orig`);
    const bu = module._buffers.get(`${name}_u`)!;
    const bv = module._buffers.get(`${name}_v`)!;
    return scope(() => {
      const mat = weightToMatrix(orig, dim);
      let cu = bu;
      let cv = bv;
      if (module.training) {
        noGrad(() => {
          for (let i = 0; i < n; i++) {
            bv.copy_(normalize(mat.t().mv(bu), 2, 0, eps));
            bu.copy_(normalize(mat.mv(bv), 2, 0, eps));
          }
        });
        if (n > 0) [cu, cv] = [bu.clone(), bv.clone()];
      }
      return orig.div(cu.dot(mat.mv(cv)));
    });
  });
  return module;
}

/** Undoes spectralNorm: module[name] becomes a parameter holding the current normalised value (torch.nn.utils.remove_spectral_norm). */
export function removeSpectralNorm<M extends AnyModule>(module: M, name = "weight"): M {
  if (hooks.get(module)?.get(name) !== "spectral_norm") throw new Error(`tstorch: spectral_norm of '${name}' not found in ${module.constructor.name}`);
  // PyTorch's remove computes the weight without a power iteration
  const training = module.training;
  module.training = false;
  const w = noGrad(() => (module as unknown as Record<string, Tensor>)[name].detach());
  module.training = training;
  delete (module as unknown as Record<string, unknown>)[name];
  deleteTensor(module, `${name}_orig`)?.dispose();
  deleteTensor(module, `${name}_u`)?.dispose();
  deleteTensor(module, `${name}_v`)?.dispose();
  setTensor(module, name, w, "_parameters");
  hooks.get(module)!.delete(name);
  return module;
}
