// torch.nn.functional's activations and channel dropouts that exist in tstorch as modules
// (logsigmoid, softsign, tanhshrink, softmin, dropout1d/2d/3d) with PyTorch's Python signatures, plus
// gumbel_softmax. Each runs the module PyTorch's functional matches, so the computation and its
// checks have one home; gumbel_softmax composes the ATen ops PyTorch's Python does, in its order.
import { emptyLike, zerosLike } from "../core/creation.js";
import type { DType } from "../core/dtype.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import type { Tensor } from "../core/tensor.js";
import { LogSigmoid, Softmin, Softsign, Tanhshrink } from "./activation-more.js";
import type { DropoutBase } from "./dropout-more.js";
import { Dropout3d } from "./dropout-more.js";
import { Dropout1d, Dropout2d } from "./shape-layers.js";

/** F.logsigmoid: log(1 / (1 + e^−x)). */
export function logsigmoid(input: Tensor): Tensor { return new LogSigmoid().forward(input); }
/** F.softsign: x / (1 + |x|). */
export function softsign(input: Tensor): Tensor { return new Softsign().forward(input); }
/** F.tanhshrink: x − tanh(x). */
export function tanhshrink(input: Tensor): Tensor { return new Tanhshrink().forward(input); }

/** F.softmin(input, dim?, { dtype }): softmax(−x); dim null is PyTorch's legacy implicit choice. dtype casts the input first. */
export function softmin(input: Tensor, ...args: PyArgs<[dim: number | null], { dim?: number | null; dtype?: DType | null }>): Tensor {
  const o = pyArgs<{ dim?: number | null; dtype?: DType | null }>("softmin", ["dim"], args);
  const m = new Softmin(o.dim ?? null);
  if (o.dtype === undefined || o.dtype === null) return m.forward(input);
  return scope(() => m.forward(input.to(o.dtype!)));
}

export interface FunctionalDropoutOptions {
  p?: number;
  /** Dropout only in training (default true; false returns the input). */
  training?: boolean;
  inplace?: boolean;
}
type DropoutFnArgs = PyArgs<[p: number, training: boolean, inplace: boolean], FunctionalDropoutOptions>;

function channelDropout(what: string, make: (p: number, inplace: boolean) => DropoutBase, input: Tensor, args: readonly unknown[]): Tensor {
  const o = pyArgs<FunctionalDropoutOptions>(what, ["p", "training", "inplace"], args);
  const m = make(o.p ?? 0.5, o.inplace ?? false);
  m.train(o.training ?? true);
  return m.forward(input) as Tensor;
}

/** F.dropout1d(input, p, training, inplace): zeroes whole channels of [N, C, L] or [C, L]. */
export function dropout1d(input: Tensor, ...args: DropoutFnArgs): Tensor {
  return channelDropout("dropout1d", (p, inplace) => new Dropout1d(p, inplace), input, args);
}
/** F.dropout2d: whole channels of [N, C, H, W] or [C, H, W]. */
export function dropout2d(input: Tensor, ...args: DropoutFnArgs): Tensor {
  return channelDropout("dropout2d", (p, inplace) => new Dropout2d(p, inplace), input, args);
}
/** F.dropout3d: whole channels of [N, C, D, H, W] or [C, D, H, W]. */
export function dropout3d(input: Tensor, ...args: DropoutFnArgs): Tensor {
  return channelDropout("dropout3d", (p, inplace) => new Dropout3d(p, inplace), input, args);
}

export interface GumbelSoftmaxOptions {
  /** The temperature (default 1). */
  tau?: number;
  /** One-hot samples whose gradient is the soft sample's (straight-through). */
  hard?: boolean;
  /** Deprecated in PyTorch and without effect; accepted for its positional order. */
  eps?: number;
  dim?: number;
}

/** F.gumbel_softmax(logits, tau, hard, eps, dim): samples from the Gumbel-softmax distribution. */
export function gumbelSoftmax(logits: Tensor, ...args: PyArgs<[tau: number, hard: boolean, eps: number, dim: number], GumbelSoftmaxOptions>): Tensor {
  const o = pyArgs<GumbelSoftmaxOptions>("gumbelSoftmax", ["tau", "hard", "eps", "dim"], args);
  const tau = o.tau ?? 1;
  const dim = o.dim ?? -1;
  return scope(() => {
    const gumbels = emptyLike(logits).exponential_().log().neg(); // ~Gumbel(0, 1)
    const ySoft = logits.add(gumbels).div(tau).softmax(dim);
    if (!(o.hard ?? false)) return ySoft;
    const index = ySoft.max(dim, true).indices;
    const yHard = zerosLike(logits).scatter_(dim, index, 1.0);
    return yHard.sub(ySoft.detach()).add(ySoft);
  });
}
