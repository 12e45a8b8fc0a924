// F.instance_norm with PyTorch's Python signature: aten::instance_norm, after PyTorch's check that
// a normalised channel has more than one element when the input's statistics are used.
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { ops } from "../core/ops.js";
import { shapeString } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";

export interface InstanceNormFnOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with the input's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}
const NAMES = ["runningMean", "runningVar", "weight", "bias", "useInputStats", "momentum", "eps"];

/** F.instance_norm(input, runningMean?, runningVar?, weight?, bias?, useInputStats?, momentum?, eps?) over [N, C, ...]. */
export function instanceNorm(
  input: Tensor,
  ...args: PyArgs<[
    runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, useInputStats: boolean, momentum: number,
    eps: number,
  ], InstanceNormFnOptions>
): Tensor {
  const o = pyArgs<InstanceNormFnOptions>("instanceNorm", NAMES, args);
  const useInputStats = o.useInputStats ?? true;
  if (useInputStats && input.shape.slice(2).reduce((a, b) => a * b, 1) === 1) {
    throw new Error(`tstorch: instanceNorm: expected more than 1 spatial element when training, got input size ${shapeString(input.shape)}`);
  }
  return ops.aten.instance_norm(
    input, o.weight ?? null, o.bias ?? null, o.runningMean ?? null, o.runningVar ?? null, useInputStats, o.momentum ?? 0.1, o.eps ?? 1e-5, false,
  );
}
