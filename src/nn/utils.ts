// nn.utils: gradient clipping over a model's parameters, with PyTorch's semantics (the total norm
// over all gradients is returned; gradients are scaled in place by min(1, maxNorm / (norm + 1e-6))),
// computed with libtorch's multi-tensor ops where it has them.
import { fullLike, stack, tensor } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { keep, scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";

const aten = ops.aten;

// the sub-namespaces of torch.nn.utils, each in a file of its own
export * as rnn from "./packed-sequence.js";
export * as parametrize from "./parametrize.js";
export * as parametrizations from "./parametrizations.js";
export * as fusion from "./fusion.js";
export { fuseConvBnEval, fuseConvBnWeights, fuseLinearBnEval, fuseLinearBnWeights } from "./fusion.js";
export { parametersToVector, vectorToParameters } from "./convert-parameters.js";
export { weightNorm, removeWeightNorm, spectralNorm, removeSpectralNorm } from "./norm-hooks.js";
export { skipInit, convertConv2dWeightMemoryFormat, convertConv3dWeightMemoryFormat } from "./skip-init.js";

export interface ClipGradNormOptions {
  /** Order of the norm (default 2; Infinity for the max-norm). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
  /** Use the multi-tensor `_foreach_*` kernels (default: when libtorch has them). */
  foreach?: boolean | null;
}

function gradsOf(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  const out: Tensor[] = [];
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new Error(`tstorch: clip_grad expects tensors, got ${typeof p}`);
    const g = p.grad;
    if (g !== null) out.push(g);
  }
  return out;
}

export type TotalNormOptions = ClipGradNormOptions;

/**
 * The `normType`-norm of `tensors` taken together, as if concatenated into one vector (a 0-d tensor;
 * torch.nn.utils.get_total_norm of PyTorch 2.6+). Computed without gradient tracking.
 */
export function getTotalNorm(tensors: Iterable<Tensor> | Tensor, o: TotalNormOptions | number = {}): Tensor {
  const opts = typeof o === "number" ? { normType: o } : o;
  const list = tensors instanceof Tensor ? [tensors] : [...tensors];
  for (const t of list) if (!(t instanceof Tensor)) throw new Error(`tstorch: getTotalNorm expects tensors, got ${typeof t}`);
  return totalNorm(list, opts);
}

function totalNorm(tensors: Tensor[], opts: TotalNormOptions): Tensor {
  const normType = opts.normType ?? 2;
  return scope(() => {
    if (tensors.length === 0) return keep(tensor(0, { dtype: "float32" }));
    const ts = tensors.map((t) => t.detach());
    const foreach = (opts.foreach ?? true) && normType !== Infinity && "_foreach_norm" in aten;
    let norms: Tensor[];
    if (normType === Infinity) norms = ts.map((g) => g.abs().max());
    else if (foreach) norms = aten._foreach_norm.Scalar(ts, { tstorchFloat: normType }) as Tensor[];
    else norms = ts.map((g) => aten.linalg_vector_norm(g, { tstorchFloat: normType }, null, false) as Tensor);
    const total: Tensor = normType === Infinity
      ? (norms.length === 1 ? norms[0] : stack(norms).max())
      : aten.linalg_vector_norm(stack(norms), { tstorchFloat: normType }, null, false);
    if (opts.errorIfNonfinite === true && !Number.isFinite(total.item())) {
      throw new Error(
        `tstorch: the total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
          "To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false",
      );
    }
    return keep(total);
  });
}

/**
 * Scales the gradients of `parameters` in place by min(1, maxNorm / (totalNorm + 1e-6)), a total norm
 * computed before (torch.nn.utils.clip_grads_with_norm_ of PyTorch 2.6+; clipGradNorm_ is getTotalNorm
 * of the gradients, then this).
 */
export function clipGradsWithNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, totalNorm: Tensor, o: { foreach?: boolean | null } | boolean | null = {}): void {
  const foreachOpt = typeof o === "object" && o !== null ? o.foreach : o;
  if (!(maxNorm >= 0)) throw new Error(`tstorch: clipGradsWithNorm_ maxNorm must be a non-negative number, got ${maxNorm}`);
  if (!(totalNorm instanceof Tensor)) throw new Error(`tstorch: clipGradsWithNorm_ totalNorm must be a Tensor (from getTotalNorm), got ${typeof totalNorm}`);
  scope(() => {
    const grads = gradsOf(parameters);
    if (grads.length === 0) return;
    // no host sync: the coefficient stays a tensor (clamped to 1, so small gradients are untouched)
    const coef = fullLike(totalNorm, { tstorchFloat: maxNorm }).div(totalNorm.add({ tstorchFloat: 1e-6 })).clamp(null, { tstorchFloat: 1.0 });
    if ((foreachOpt ?? true) && "_foreach_mul_" in aten) aten._foreach_mul_.List(grads, grads.map(() => coef));
    else for (const g of grads) g.mul_(coef);
  });
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType`-norm is at most
 * `maxNorm`; returns that total norm (before clipping) as a 0-d tensor, as torch.nn.utils.clip_grad_norm_.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, o: ClipGradNormOptions | number = {}): Tensor {
  const opts = typeof o === "number" ? { normType: o } : o;
  if (!(maxNorm >= 0)) throw new Error(`tstorch: clipGradNorm_ maxNorm must be a non-negative number, got ${maxNorm}`);
  return scope(() => {
    const grads = gradsOf(parameters);
    const total = totalNorm(grads, opts);
    if (grads.length > 0) clipGradsWithNorm_(parameters, maxNorm, total, { foreach: opts.foreach });
    return total;
  });
}

/** Clamps every gradient of `parameters` into [-clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!Number.isFinite(clipValue)) throw new Error(`tstorch: clipGradValue_ clipValue must be a finite number, got ${clipValue}`);
  scope(() => {
    const grads = gradsOf(parameters);
    const v = Math.abs(clipValue);
    if (grads.length === 0) return;
    if ("_foreach_clamp_min_" in aten && "_foreach_clamp_max_" in aten) {
      // libtorch 2.x only (not in the generated 1.13 operator types)
      const dyn = aten as unknown as Record<string, { Scalar: (...a: unknown[]) => unknown }>;
      dyn._foreach_clamp_min_.Scalar(grads, { tstorchFloat: -v });
      dyn._foreach_clamp_max_.Scalar(grads, { tstorchFloat: v });
    } else {
      for (const g of grads) g.clamp_({ tstorchFloat: -v }, { tstorchFloat: v });
    }
  });
}

/** Number of elements over `parameters` (what `sum(p.numel() for p in model.parameters())` gives). */
export function numParameters(parameters: Iterable<Tensor>, onlyTrainable = false): number {
  let n = 0;
  for (const p of parameters) if (!onlyTrainable || p.requiresGrad) n += p.numel();
  return n;
}
