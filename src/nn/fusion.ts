// torch.nn.utils.fusion: folds an evaluation-mode BatchNorm into the convolution or linear layer
// before it (inference speed-up), with PyTorch's formulas:
//   w' = w · γ/√(σ²+ε) (per output channel),  b' = (b − μ) · γ/√(σ²+ε) + β.
import { noGrad } from "../core/autograd.js";
import { onesLike, zerosLike } from "../core/creation.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { deepCopyModule } from "./module-copy.js";
import { replaceTensor } from "./module-attr.js";
import type { AnyModule } from "./module.js";
import { Parameter } from "./parameter.js";

/** Fused convolution weight and bias (torch.nn.utils.fuse_conv_bn_weights); `transpose` for ConvTranspose weights ([in, out, ...]). */
export function fuseConvBnWeights(
  convW: Tensor, convB: Tensor | null, bnRm: Tensor, bnRv: Tensor, bnEps: number, bnW: Tensor | null, bnB: Tensor | null, transpose = false,
): [Parameter, Parameter] {
  const [w, b] = noGrad(() => scope(() => {
    const cb = convB ?? zerosLike(bnRm);
    const gw = bnW ?? onesLike(bnRm);
    const gb = bnB ?? zerosLike(bnRm);
    const rsqrt = bnRv.add({ tstorchFloat: bnEps }).rsqrt();
    const shape = transpose ? [1, -1, ...Array(convW.ndim - 2).fill(1)] : [-1, 1, ...Array(convW.ndim - 2).fill(1)];
    return [convW.mul(gw.mul(rsqrt).reshape(shape)), cb.sub(bnRm).mul(rsqrt).mul(gw).add(gb)];
  }));
  const out: [Parameter, Parameter] = [new Parameter(w), new Parameter(b)];
  w.dispose();
  b.dispose();
  return out;
}

/** Fused linear weight and bias (torch.nn.utils.fusion.fuse_linear_bn_weights). */
export function fuseLinearBnWeights(
  linearW: Tensor, linearB: Tensor | null, bnRm: Tensor, bnRv: Tensor, bnEps: number, bnW: Tensor, bnB: Tensor,
): [Parameter, Parameter] {
  const [w, b] = noGrad(() => scope(() => {
    const lb = linearB ?? zerosLike(bnRm);
    const scale = bnW.mul(bnRv.add({ tstorchFloat: bnEps }).rsqrt());
    return [linearW.mul(scale.unsqueeze(-1)), lb.sub(bnRm).mul(scale).add(bnB)];
  }));
  const out: [Parameter, Parameter] = [new Parameter(w), new Parameter(b)];
  w.dispose();
  b.dispose();
  return out;
}

function bnParts(bn: AnyModule): [Tensor, Tensor, number, Tensor | null, Tensor | null] {
  const rm = bn._buffers.get("running_mean") ?? null;
  const rv = bn._buffers.get("running_var") ?? null;
  if (rm === null || rv === null) throw new Error(`tstorch: fusion needs a ${bn.constructor.name} that tracks running statistics`);
  return [rm, rv, (bn as unknown as { eps: number }).eps, bn._parameters.get("weight") ?? null, bn._parameters.get("bias") ?? null];
}

function fused<M extends AnyModule>(layer: M, bn: AnyModule, what: string, make: (w: Tensor, b: Tensor | null) => [Parameter, Parameter]): M {
  if (layer.training || bn.training) throw new Error("tstorch: Fusion only for eval!");
  const w = layer._parameters.get("weight") ?? null;
  if (w === null) throw new Error(`tstorch: ${what}: ${layer.constructor.name} has no weight`);
  const copy = deepCopyModule(layer);
  const [fw, fb] = make(w, layer._parameters.get("bias") ?? null);
  copy._parameters.get("weight")?.dispose();
  copy._parameters.get("bias")?.dispose();
  replaceTensor(copy, "weight", fw);
  replaceTensor(copy, "bias", fb);
  return copy;
}

/** A copy of `conv` (eval mode) that computes conv followed by `bn` (eval mode) (torch.nn.utils.fuse_conv_bn_eval). */
export function fuseConvBnEval<M extends AnyModule>(conv: M, bn: AnyModule, transpose = false): M {
  return fused(conv, bn, "fuseConvBnEval", (w, b) => {
    const [rm, rv, eps, gw, gb] = bnParts(bn);
    return fuseConvBnWeights(w, b, rm, rv, eps, gw, gb, transpose);
  });
}

/** A copy of `linear` (eval mode) that computes linear followed by `bn` (eval mode) (torch.nn.utils.fusion.fuse_linear_bn_eval). */
export function fuseLinearBnEval<M extends AnyModule>(linear: M, bn: AnyModule): M {
  return fused(linear, bn, "fuseLinearBnEval", (w, b) => {
    const [rm, rv, eps, gw, gb] = bnParts(bn);
    if (gw === null || gb === null) throw new Error("tstorch: fuseLinearBnEval needs an affine BatchNorm (weight and bias)");
    return fuseLinearBnWeights(w, b, rm, rv, eps, gw, gb);
  });
}
