// nn.FractionalMaxPool2d and nn.FractionalMaxPool3d (Graham's fractional max pooling) over
// aten::fractional_max_pool2d/3d: pseudo-random pooling regions drawn from `randomSamples`, uniform
// [N, C, d] in [0, 1) drawn per call unless fixed at construction (PyTorch's _random_samples).
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { IntN, tuple } from "./conv.js";
import { fractionalMaxPool } from "./functional-pooling.js";
import { Module } from "./module.js";

export interface FractionalMaxPoolOptions<R extends boolean = boolean> {
  /** The output's spatial size; give this or outputRatio. */
  outputSize?: IntN | null;
  /** The output's size as a fraction (in (0, 1)) of the input's. */
  outputRatio?: number | readonly number[] | null;
  returnIndices?: R;
  /** Fixed samples [N, C, d] in [0, 1) instead of fresh ones per call (PyTorch's _random_samples). */
  randomSamples?: Tensor | null;
}

type PoolOut<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

abstract class FractionalMaxPoolNd<R extends boolean> extends Module<[Tensor], PoolOut<R>> {
  readonly kernelSize: number[];
  readonly outputSize: number[] | null;
  readonly outputRatio: number[] | null;
  readonly returnIndices: R;
  declare randomSamples: Tensor | null;
  constructor(private readonly spatial: 2 | 3, kernelSize: IntN, o: FractionalMaxPoolOptions<R>) {
    super();
    const name = this.constructor.name;
    this.kernelSize = tuple(kernelSize, spatial, `${name} kernelSize`);
    this.outputSize = o.outputSize === undefined || o.outputSize === null ? null : tuple(o.outputSize, spatial, `${name} outputSize`);
    const r = o.outputRatio;
    this.outputRatio = r === undefined || r === null ? null : typeof r === "number" ? new Array<number>(spatial).fill(r) : [...r];
    this.returnIndices = (o.returnIndices ?? false) as R;
    // a buffer, as in PyTorch (state_dict "_random_samples" when given)
    this.randomSamples = this.registerBuffer("_random_samples", o.randomSamples ?? null);
    if (this.outputSize === null && this.outputRatio === null) {
      throw new Error(`tstorch: ${name} requires specifying either an output size, or a pooling ratio`);
    }
    if (this.outputSize !== null && this.outputRatio !== null) throw new Error(`tstorch: ${name}: only one of outputSize and outputRatio may be specified`);
    if (this.outputRatio !== null && (this.outputRatio.length !== spatial || this.outputRatio.some((v) => !(v > 0 && v < 1)))) {
      throw new Error(`tstorch: ${name}: outputRatio must be between 0 and 1 (got ${JSON.stringify(r)})`);
    }
  }
  forward(x: Tensor): PoolOut<R> {
    const o = { outputSize: this.outputSize, outputRatio: this.outputRatio, randomSamples: this.randomSamples };
    const [out, indices] = fractionalMaxPool(this.constructor.name, this.spatial, x, this.kernelSize, o);
    if (this.returnIndices) return [out, indices] as PoolOut<R>;
    indices.dispose();
    return out as PoolOut<R>;
  }
}

/** What follows kernelSize in PyTorch's FractionalMaxPool2d/3d: output_size, output_ratio, return_indices, _random_samples. */
type FractionalArgs<R extends boolean> = PyArgs<
  [outputSize: IntN | null, outputRatio: number | readonly number[] | null, returnIndices: R, randomSamples: Tensor | null],
  FractionalMaxPoolOptions<R>
>;
const NAMES = ["outputSize", "outputRatio", "returnIndices", "randomSamples"];

export class FractionalMaxPool2d<R extends boolean = false> extends FractionalMaxPoolNd<R> {
  constructor(kernelSize: IntN, ...args: FractionalArgs<R>) { super(2, kernelSize, pyArgs("FractionalMaxPool2d", NAMES, args)); }
}
export class FractionalMaxPool3d<R extends boolean = false> extends FractionalMaxPoolNd<R> {
  constructor(kernelSize: IntN, ...args: FractionalArgs<R>) { super(3, kernelSize, pyArgs("FractionalMaxPool3d", NAMES, args)); }
}
