// torch.nn.utils.parametrizations: spectralNorm and weightNorm as parametrizations (parametrize.ts),
// written after torch/nn/utils/parametrizations.py: the same buffers (_u, _v), the same random
// draws in the same order (so a seeded run matches PyTorch's), the same power iterations.
import { noGrad } from "../core/autograd.js";
import { empty } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { ConvTranspose2d } from "./conv.js";
import { ConvTranspose1d, ConvTranspose3d } from "./conv-nd.js";
import { Module, type AnyModule } from "./module.js";
import { normalize } from "./normalize.js";
import { registerParametrization } from "./parametrize.js";

const aten = ops.aten;

/** weight with `dim` moved first, flattened to a matrix (PyTorch's _reshape_weight_to_matrix). */
export function weightToMatrix(weight: Tensor, dim: number): Tensor {
  const w = dim === 0 ? weight : weight.permute([dim, ...Array.from({ length: weight.ndim }, (_, d) => d).filter((d) => d !== dim)]);
  return w.flatten(1);
}

/** The parametrization spectralNorm registers: weight / σ(weight), σ by power iteration. */
export class SpectralNormParametrization extends Module<[Tensor], Tensor> {
  readonly dim: number;
  readonly eps: number;
  readonly nPowerIterations: number;

  constructor(weight: Tensor, nPowerIterations = 1, dim = 0, eps = 1e-12) {
    super();
    const ndim = weight.ndim;
    if (dim >= ndim || dim < -ndim) throw new Error(`tstorch: Dimension out of range (expected to be in range of [-${ndim}, ${ndim - 1}] but got ${dim})`);
    if (!(nPowerIterations > 0)) throw new Error(`tstorch: Expected n_power_iterations to be positive, but got n_power_iterations=${nPowerIterations}`);
    this.dim = dim >= 0 ? dim : dim + ndim;
    this.eps = eps;
    this.nPowerIterations = nPowerIterations;
    if (ndim > 1) {
      noGrad(() => scope(() => {
        const mat = weightToMatrix(weight, this.dim);
        const [h, w] = mat.shape;
        const o = { dtype: mat.dtype, device: mat.device };
        const u = empty([h], o).normal_(0, 1);
        const v = empty([w], o).normal_(0, 1);
        this.registerBuffer("_u", normalize(u, 2, 0, eps));
        this.registerBuffer("_v", normalize(v, 2, 0, eps));
        this.powerMethod(mat, 15);
      }));
    }
  }

  private powerMethod(mat: Tensor, n: number): void {
    noGrad(() => scope(() => {
      const u = this._buffers.get("_u")!;
      const v = this._buffers.get("_v")!;
      for (let i = 0; i < n; i++) {
        u.copy_(normalize(mat.mv(v), 2, 0, this.eps));
        v.copy_(normalize(mat.t().mv(u), 2, 0, this.eps));
      }
    }));
  }

  forward(weight: Tensor): Tensor {
    if (weight.ndim === 1) return normalize(weight, 2, 0, this.eps);
    return scope(() => {
      const mat = weightToMatrix(weight, this.dim);
      if (this.training) this.powerMethod(mat, this.nPowerIterations);
      const u = this._buffers.get("_u")!.clone();
      const v = this._buffers.get("_v")!.clone();
      const sigma = u.vdot(mat.mv(v));
      return weight.div(sigma);
    });
  }

  rightInverse(value: Tensor): Tensor {
    return value;
  }
}

function defaultDim(module: AnyModule): number {
  return module instanceof ConvTranspose1d || module instanceof ConvTranspose2d || module instanceof ConvTranspose3d ? 1 : 0;
}

export interface SpectralNormOptions {
  /** default 1 */
  nPowerIterations?: number;
  /** default 1e-12 */
  eps?: number;
  /** the output dimension (default 0; 1 for ConvTranspose) */
  dim?: number | null;
}

/**
 * Divides `module[name]` by its spectral norm, recomputed at every access (one power iteration per
 * access in training mode) (torch.nn.utils.parametrizations.spectral_norm).
 */
export function spectralNorm<M extends AnyModule>(module: M, name = "weight", opts: SpectralNormOptions = {}): M {
  const weight = module._parameters.get(name) ?? module._buffers.get(name) ?? null;
  if (!(weight instanceof Tensor)) throw new Error(`tstorch: Module '${module.constructor.name}' has no parameter or buffer with name '${name}'`);
  const dim = opts.dim ?? defaultDim(module);
  registerParametrization(module, name, new SpectralNormParametrization(weight, opts.nPowerIterations ?? 1, dim, opts.eps ?? 1e-12));
  return module;
}

/** The parametrization weightNorm registers: g · v / ‖v‖ (libtorch's _weight_norm), from original0 = g, original1 = v. */
export class WeightNormParametrization extends Module<[Tensor, Tensor], Tensor> {
  readonly dim: number;
  constructor(dim: number | null = 0) {
    super();
    this.dim = dim ?? -1;
  }
  forward(weightG: Tensor, weightV: Tensor): Tensor {
    return aten._weight_norm(weightV, weightG, this.dim);
  }
  rightInverse(weight: Tensor): Tensor[] {
    return [aten.norm_except_dim(weight, 2, this.dim), weight];
  }
}

/**
 * Reparametrizes `module[name]` as magnitude g (original0) times direction v (original1)
 * (torch.nn.utils.parametrizations.weight_norm, PyTorch 2's replacement of nn.utils.weight_norm).
 */
export function weightNorm<M extends AnyModule>(module: M, name = "weight", dim: number | null = 0): M {
  registerParametrization(module, name, new WeightNormParametrization(dim), { unsafe: true });
  return module;
}
export { orthogonal, OrthogonalParametrization } from "./parametrization-orthogonal.js";
