// torch.nn.functional's pooling functions that tstorch's generated surface has only in ATen's form
// (or not at all): max_pool1d/3d, adaptive_max_pool1d/2d/3d (each with its _with_indices form),
// fractional_max_pool2d/3d (with indices), lp_pool1d/2d and max_unpool1d, with PyTorch's Python
// signatures (its positional order, then one trailing options object). The pooling modules
// (pooling-nd.ts, fractional-pooling.ts) hold the argument checks and the ATen calls; these build the
// module PyTorch's functional matches and run it, so each computation has one home.
import { rand } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";
import { type IntN, tuple } from "./conv.js";
import {
  AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, type AdaptiveSize, LPPool1d, LPPool2d, LPPool3d, MaxPool1d, MaxPool3d, MaxUnpool1d,
  type MaxPoolOptions,
} from "./pooling-nd.js";

const aten = ops.aten;

type PoolOut<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/** F.max_pool1d/3d's order: stride, padding, dilation, ceil_mode, return_indices (the modules put return_indices before ceil_mode). */
export type MaxPoolFnArgs<R extends boolean> = PyArgs<[stride: IntN | null, padding: IntN, dilation: IntN, ceilMode: boolean, returnIndices: R], MaxPoolOptions<R>>;
const MAX_POOL_FN = ["stride", "padding", "dilation", "ceilMode", "returnIndices"];

/** F.max_pool1d: [N, C, L] or [C, L]; with returnIndices: true, [output, indices]. */
export function maxPool1d<R extends boolean = false>(input: Tensor, kernelSize: IntN, ...args: MaxPoolFnArgs<R>): PoolOut<R> {
  return new MaxPool1d<R>(kernelSize, pyArgs<MaxPoolOptions<R>>("maxPool1d", MAX_POOL_FN, args)).forward(input);
}
/** F.max_pool3d: [N, C, D, H, W] or [C, D, H, W]. */
export function maxPool3d<R extends boolean = false>(input: Tensor, kernelSize: IntN, ...args: MaxPoolFnArgs<R>): PoolOut<R> {
  return new MaxPool3d<R>(kernelSize, pyArgs<MaxPoolOptions<R>>("maxPool3d", MAX_POOL_FN, args)).forward(input);
}
/** F.max_pool1d_with_indices: always [output, indices]. */
export function maxPool1dWithIndices(input: Tensor, kernelSize: IntN, ...args: MaxPoolFnArgs<boolean>): [Tensor, Tensor] {
  const o = pyArgs<MaxPoolOptions>("maxPool1dWithIndices", MAX_POOL_FN, args);
  return new MaxPool1d(kernelSize, { ...o, returnIndices: true }).forward(input);
}

/** F.adaptive_max_pool1d: [N, C, L] → [N, C, outputSize]; returnIndices: true adds the indices. */
export function adaptiveMaxPool1d<R extends boolean = false>(input: Tensor, outputSize: AdaptiveSize, returnIndices: R = false as R): PoolOut<R> {
  return new AdaptiveMaxPool1d<R>(outputSize, returnIndices).forward(input);
}
/** F.adaptive_max_pool2d (PyTorch's Python signature; the ATen form always returned the indices). */
export function adaptiveMaxPool2d<R extends boolean = false>(input: Tensor, outputSize: AdaptiveSize, returnIndices: R = false as R): PoolOut<R> {
  return new AdaptiveMaxPool2d<R>(outputSize, returnIndices).forward(input);
}
/** F.adaptive_max_pool3d. */
export function adaptiveMaxPool3d<R extends boolean = false>(input: Tensor, outputSize: AdaptiveSize, returnIndices: R = false as R): PoolOut<R> {
  return new AdaptiveMaxPool3d<R>(outputSize, returnIndices).forward(input);
}
/** F.adaptive_max_pool1d_with_indices: always [output, indices]. */
export function adaptiveMaxPool1dWithIndices(input: Tensor, outputSize: AdaptiveSize): [Tensor, Tensor] {
  return adaptiveMaxPool1d(input, outputSize, true);
}
export function adaptiveMaxPool2dWithIndices(input: Tensor, outputSize: AdaptiveSize): [Tensor, Tensor] {
  return adaptiveMaxPool2d(input, outputSize, true);
}
export function adaptiveMaxPool3dWithIndices(input: Tensor, outputSize: AdaptiveSize): [Tensor, Tensor] {
  return adaptiveMaxPool3d(input, outputSize, true);
}

export interface FractionalMaxPoolFnOptions<R extends boolean = boolean> {
  /** The output's spatial size; give this or outputRatio. */
  outputSize?: IntN | null;
  /** The output's size as a fraction of the input's. */
  outputRatio?: number | readonly number[] | null;
  returnIndices?: R;
  /** Fixed samples [N, C, d] in [0, 1) instead of fresh ones (PyTorch's _random_samples). */
  randomSamples?: Tensor | null;
}
type FractionalArgs<R extends boolean> = PyArgs<
  [outputSize: IntN | null, outputRatio: number | readonly number[] | null, returnIndices: R, randomSamples: Tensor | null],
  FractionalMaxPoolFnOptions<R>
>;
const FRACTIONAL = ["outputSize", "outputRatio", "returnIndices", "randomSamples"];

/** PyTorch's fractional_max_pool{2,3}d_with_indices: [output, indices] over pseudo-random regions. */
export function fractionalMaxPool(what: string, n: 2 | 3, input: Tensor, kernelSize: IntN, o: FractionalMaxPoolFnOptions): [Tensor, Tensor] {
  const k = tuple(kernelSize, n, `${what} kernelSize`);
  if (input.ndim !== n + 1 && input.ndim !== n + 2) throw new Error(`tstorch: ${what}: expected ${n + 1}-D or ${n + 2}-D input, got ${input.ndim}-D input`);
  let size: number[];
  if (o.outputSize !== undefined && o.outputSize !== null) size = tuple(o.outputSize, n, `${what} outputSize`);
  else if (o.outputRatio !== undefined && o.outputRatio !== null) {
    const r = typeof o.outputRatio === "number" ? new Array<number>(n).fill(o.outputRatio) : [...o.outputRatio];
    if (r.length !== n || r.some((v) => !(v > 0 && v < 1))) throw new Error(`tstorch: ${what}: outputRatio must be ${n} numbers between 0 and 1, got ${JSON.stringify(o.outputRatio)}`);
    size = r.map((v, d) => Math.trunc(input.shape[input.ndim - n + d] * v));
  } else {
    throw new Error(`tstorch: ${what} requires specifying either an outputSize or an outputRatio`);
  }
  return scope(() => {
    const samples = o.randomSamples
      ?? rand([input.ndim === n + 1 ? 1 : input.shape[0], input.shape[input.ndim - n - 1], n], { dtype: input.dtype, device: input.device });
    return n === 2 ? aten.fractional_max_pool2d(input, k, size, samples) : aten.fractional_max_pool3d(input, k, size, samples);
  }) as [Tensor, Tensor];
}

function dropIndices<R extends boolean>(pair: [Tensor, Tensor], returnIndices: boolean | undefined): PoolOut<R> {
  if (returnIndices === true) return pair as PoolOut<R>;
  pair[1].dispose();
  return pair[0] as PoolOut<R>;
}

/** F.fractional_max_pool2d(input, kernelSize, outputSize?, outputRatio?, returnIndices?, randomSamples?). */
export function fractionalMaxPool2d<R extends boolean = false>(input: Tensor, kernelSize: IntN, ...args: FractionalArgs<R>): PoolOut<R> {
  const o = pyArgs<FractionalMaxPoolFnOptions<R>>("fractionalMaxPool2d", FRACTIONAL, args);
  return dropIndices<R>(fractionalMaxPool("fractionalMaxPool2d", 2, input, kernelSize, o), o.returnIndices);
}
export function fractionalMaxPool3d<R extends boolean = false>(input: Tensor, kernelSize: IntN, ...args: FractionalArgs<R>): PoolOut<R> {
  const o = pyArgs<FractionalMaxPoolFnOptions<R>>("fractionalMaxPool3d", FRACTIONAL, args);
  return dropIndices<R>(fractionalMaxPool("fractionalMaxPool3d", 3, input, kernelSize, o), o.returnIndices);
}
export function fractionalMaxPool2dWithIndices(input: Tensor, kernelSize: IntN, ...args: FractionalArgs<boolean>): [Tensor, Tensor] {
  return fractionalMaxPool("fractionalMaxPool2dWithIndices", 2, input, kernelSize, pyArgs("fractionalMaxPool2dWithIndices", FRACTIONAL, args));
}
export function fractionalMaxPool3dWithIndices(input: Tensor, kernelSize: IntN, ...args: FractionalArgs<boolean>): [Tensor, Tensor] {
  return fractionalMaxPool("fractionalMaxPool3dWithIndices", 3, input, kernelSize, pyArgs("fractionalMaxPool3dWithIndices", FRACTIONAL, args));
}

export interface LPPoolFnOptions {
  stride?: IntN | null;
  ceilMode?: boolean;
}
/** F.lp_pool1d(input, normType, kernelSize, stride?, ceilMode?). */
export function lpPool1d(input: Tensor, normType: number, kernelSize: number, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolFnOptions>): Tensor {
  return new LPPool1d(normType, kernelSize, pyArgs<LPPoolFnOptions>("lpPool1d", ["stride", "ceilMode"], args)).forward(input);
}
/** F.lp_pool2d(input, normType, kernelSize, stride?, ceilMode?). */
export function lpPool2d(input: Tensor, normType: number, kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolFnOptions>): Tensor {
  return new LPPool2d(normType, kernelSize, pyArgs<LPPoolFnOptions>("lpPool2d", ["stride", "ceilMode"], args)).forward(input);
}

/** F.lp_pool3d(input, normType, kernelSize, stride?, ceilMode?) (PyTorch 2.2+). */
export function lpPool3d(input: Tensor, normType: number, kernelSize: IntN, ...args: PyArgs<[stride: IntN | null, ceilMode: boolean], LPPoolFnOptions>): Tensor {
  return new LPPool3d(normType, kernelSize, pyArgs<LPPoolFnOptions>("lpPool3d", ["stride", "ceilMode"], args)).forward(input);
}

export interface MaxUnpoolFnOptions {
  stride?: IntN | null;
  padding?: IntN;
  outputSize?: readonly number[] | null;
}
/** F.max_unpool1d(input, indices, kernelSize, stride?, padding?, outputSize?). */
export function maxUnpool1d(
  input: Tensor, indices: Tensor, kernelSize: IntN,
  ...args: PyArgs<[stride: IntN | null, padding: IntN, outputSize: readonly number[] | null], MaxUnpoolFnOptions>
): Tensor {
  const o = pyArgs<MaxUnpoolFnOptions>("maxUnpool1d", ["stride", "padding", "outputSize"], args);
  return new MaxUnpool1d(kernelSize, { stride: o.stride, padding: o.padding }).forward(input, indices, o.outputSize ?? null);
}
