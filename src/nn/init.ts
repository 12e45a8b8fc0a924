// torch.nn.init, camelCased, plus the two default schemes layers use. Bounds are computed with the
// same double-precision expressions as PyTorch's Python code and drawn with uniform_ on the default
// generator, so after the same manualSeed the numbers are bit-identical to PyTorch's.
import { noGrad } from "../core/autograd.js";
import { Tensor } from "../core/tensor.js";

/**
 * "torch": PyTorch's module defaults (kaiming_uniform_(a=√5) weight, bias U(±1/√fan_in)).
 * "tch": tch-rs defaults as the seed ran them (weight U(±√(6/fan_in)); Linear bias U(±1/√fan_in);
 * Conv/ConvTranspose bias 0), following shared/reference/torch_reference.py `tch_init_`.
 */
export type InitScheme = "torch" | "tch";

export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** [fan_in, fan_out] as torch.nn.init._calculate_fan_in_and_fan_out: size(1)·receptive field, size(0)·receptive field. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  const s = t.shape;
  if (s.length < 2) throw new Error("tstorch: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions");
  let receptive = 1;
  for (let i = 2; i < s.length; i++) receptive *= s[i];
  return [s[1] * receptive, s[0] * receptive];
}

export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "tanh": return 5.0 / 3;
    case "relu": return Math.sqrt(2.0);
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case "selu": return 3.0 / 4;
    default: return 1;
  }
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => t.uniform_(a, b));
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}
export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}

export interface KaimingOptions {
  a?: number;
  mode?: "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity;
}
function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (o.mode ?? "fanIn") === "fanIn" ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3.0) * kaimingStd(t, o);
  return uniform_(t, -bound, bound);
}
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, o));
}
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = Math.sqrt(3.0) * (gain * Math.sqrt(2.0 / (fanIn + fanOut)));
  return uniform_(t, -a, a);
}
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2.0 / (fanIn + fanOut)));
}

/**
 * Initialises a Linear / Conv / ConvTranspose weight and bias with `scheme`, weight first, then
 * bias (the draw order of both PyTorch's reset_parameters and the reference's tch_init_).
 * `kind` selects tch's zero bias for convolutions.
 */
export function initWeightAndBias_(weight: Tensor, bias: Tensor | null, scheme: InitScheme, kind: "linear" | "conv"): void {
  const [fanIn] = calculateFanInAndFanOut(weight);
  if (scheme === "torch") {
    kaimingUniform_(weight, { a: Math.sqrt(5) });
    if (bias !== null && fanIn > 0) {
      const bound = 1 / Math.sqrt(fanIn);
      uniform_(bias, -bound, bound);
    } else if (bias !== null && kind === "linear") {
      uniform_(bias, 0, 0); // PyTorch's Linear draws with bound 0 when fan_in is 0
    }
    return;
  }
  if (scheme !== "tch") throw new Error(`tstorch: unknown init scheme '${scheme}' (expected 'torch' or 'tch')`);
  const b = Math.sqrt(6.0 / fanIn);
  uniform_(weight, -b, b);
  if (bias === null) return;
  if (kind === "linear") {
    const bb = 1.0 / Math.sqrt(fanIn);
    uniform_(bias, -bb, bb);
  } else {
    zeros_(bias);
  }
}

/**
 * torch.nn.init.dirac_: the identity for a 3-, 4- or 5-d convolution weight [out, in, ...kernel]
 * (a 1 at the kernel's centre for out channel g·(out/groups)+d and in channel d, d < min(out/groups,
 * in)), so the layer passes its input through (per group). In place, under noGrad; returns t.
 */
export function dirac_(t: Tensor, groups = 1): Tensor {
  const s = t.shape;
  if (s.length < 3 || s.length > 5) {
    throw new Error(`tstorch: dirac_: only tensors with 3, 4, or 5 dimensions are supported, got ${s.length} dimensions`);
  }
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`tstorch: dirac_: groups must be a positive integer, got ${groups}`);
  if (s[0] % groups !== 0) throw new Error(`tstorch: dirac_: dim 0 must be divisible by groups (size ${s[0]}, groups ${groups})`);
  const outPerGroup = s[0] / groups;
  const minDim = Math.min(outPerGroup, s[1]);
  const centre = s.slice(2).map((k) => Math.floor(k / 2));
  return noGrad(() => {
    t.zero_();
    // PyTorch's own loop: one element per (group, channel), written through a view of t
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) {
        let v = t.select(0, g * outPerGroup + d);
        for (const c of [d, ...centre]) {
          const next = v.select(0, c);
          v.dispose();
          v = next;
        }
        v.fill_(1);
        v.dispose();
      }
    }
    return t;
  });
}

// torchvision-style truncated normal (its own file: it follows the linked PyTorch's sampler)
export { truncNormal_ } from "./init-trunc-normal.js";
export { eye_, orthogonal_, sparse_ } from "./init-extra.js";
