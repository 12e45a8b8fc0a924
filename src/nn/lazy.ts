// Lazy modules (torch.nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*):
// the input size (in_features, in_channels, num_features) is read from the first input. Until then
// their parameters are UninitializedParameters (empty); the first forward materializes them in place
// (same objects, so an optimiser built earlier stays valid), initialises them as the eager layer does
// (the same random draws in the same order as PyTorch's), and the module becomes the eager class
// (PyTorch's cls_to_become): a LazyLinear is a Linear from then on. One generic class (lazyClass) does
// all of that; what differs per layer (where the size comes from, the placeholders' shapes, the reset)
// is a recipe, and each lazy class is one row: a new one is a row plus its export line in index.ts.
import { empty } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { noGrad } from "../core/autograd.js";
import { DEAD } from "../core/handle-pool.js";
import { native } from "../core/native.js";
import { isOptionsObject } from "../core/py-args.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { Conv2d, ConvTranspose2d, type ConvBase } from "./conv.js";
import { Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d } from "./conv-nd.js";
import { InstanceNorm1d, InstanceNorm2d, InstanceNorm3d } from "./group-norm.js";
import type { InitScheme } from "./init.js";
import { Linear } from "./linear.js";
import { replaceTensor } from "./module-attr.js";
import type { AnyModule } from "./module.js";
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, normOptions, type NormBase } from "./normalization.js";
import { Parameter } from "./parameter.js";

/** Gives `t` the storage of a new uninitialised tensor of `shape` (same dtype, device, requires_grad), keeping the object. */
function swapIn(t: Tensor, shape: readonly number[], o: { dtype?: DType; device?: DeviceLike }): void {
  const fresh = empty(shape, { dtype: o.dtype ?? t.dtype, device: o.device ?? t.device });
  const rg = t.requiresGrad;
  const old = t._h;
  t._h = fresh._h;
  fresh._h = old;
  fresh.dispose();
  if (rg) native.setRequiresGrad(t._h, true);
}

/** A parameter whose shape is not known yet (torch.nn.UninitializedParameter); materialize() gives it one. */
export class UninitializedParameter extends Parameter {
  constructor(requiresGrad = true, opts: { dtype?: DType; device?: DeviceLike } = {}) {
    const e = empty([0], { dtype: opts.dtype ?? "float32", device: opts.device });
    super(e, requiresGrad);
    e.dispose();
  }
  /** Allocates `shape` (uninitialised values) in place; the object becomes a plain Parameter. */
  materialize(shape: readonly number[], opts: { dtype?: DType; device?: DeviceLike } = {}): void {
    swapIn(this, shape, opts);
    Object.setPrototypeOf(this, Parameter.prototype);
  }
}

/** A buffer whose shape is not known yet (torch.nn.UninitializedBuffer). */
export class UninitializedBuffer extends Tensor {
  constructor(requiresGrad = false, opts: { dtype?: DType; device?: DeviceLike } = {}) {
    const e = empty([0], { dtype: opts.dtype ?? "float32", device: opts.device });
    const h = e._h;
    e._h = DEAD;
    super(h);
    if (requiresGrad) this.requiresGrad_(true);
    persist(this);
  }
  /** Allocates `shape` in place; the object becomes a plain Tensor. */
  materialize(shape: readonly number[], opts: { dtype?: DType; device?: DeviceLike } = {}): void {
    swapIn(this, shape, opts);
    Object.setPrototypeOf(this, Tensor.prototype);
  }
}

/** Whether a module still has uninitialized parameters or buffers (PyTorch's has_uninitialized_params). */
export function hasUninitializedParams(m: AnyModule): boolean {
  for (const t of [...m._parameters.values(), ...m._buffers.values()]) {
    if (t instanceof UninitializedParameter || t instanceof UninitializedBuffer) return true;
  }
  return false;
}

/** Swaps the named parameters/buffers of `m` for uninitialized ones (the eager constructor made empty placeholders). */
function uninit(m: AnyModule, names: string[]): void {
  for (const n of names) {
    const cur = m._parameters.get(n) ?? m._buffers.get(n) ?? null;
    if (cur === null || cur === undefined) continue;
    const isParam = m._parameters.has(n);
    const u = isParam ? new UninitializedParameter(true, { dtype: cur.dtype, device: cur.device }) : new UninitializedBuffer(false, { dtype: cur.dtype, device: cur.device });
    replaceTensor(m, n, u);
    // fields that held the placeholder under another spelling (runningMean for running_mean) follow
    for (const k of Object.keys(m)) if ((m as unknown as Record<string, unknown>)[k] === cur) setField(m, k, u);
    cur.dispose();
  }
}

function materialize(m: AnyModule, name: string, shape: readonly number[]): void {
  const t = m._parameters.get(name) ?? m._buffers.get(name) ?? null;
  if (t instanceof UninitializedParameter || t instanceof UninitializedBuffer) t.materialize(shape);
}

function setField(m: object, name: string, value: unknown): void {
  Object.defineProperty(m, name, { value, writable: true, configurable: true, enumerable: true });
}

// ---------------------------------------------------------------- one lazy class, many recipes

/** What a lazy class needs to know about its eager layer: how the first input sizes it (PyTorch's LazyModuleMixin). */
interface LazyRecipe<M> {
  /** The field the size read from the first input goes into (in_features, in_channels, num_features). */
  sizeField: "inFeatures" | "inChannels" | "numFeatures";
  /** The tensors the eager constructor registered as placeholders, in PyTorch's materialization order. */
  tensors: readonly string[];
  /** The eager constructor's optional arguments, for lazy classes whose PyTorch defaults differ from the eager one's. */
  args?: (name: string, args: unknown[]) => unknown[];
  /** The size the first input gives; throws naming the module on an input it cannot size from. */
  sizeOf(m: M, x: Tensor, name: string): number;
  /** The shape of each placeholder for that size. */
  shape(m: M, tensor: string, size: number): number[];
  /** PyTorch's reset_parameters on the materialized module (the same random draws in the same order). */
  reset(m: M, init: InitScheme): void;
}

type EagerClass = new (size: number, ...rest: any[]) => AnyModule & { resetParameters?(...a: unknown[]): void };
type Tail<P> = P extends [unknown, ...infer R] ? R : never;
/** What a lazy module adds to its eager class until its first call. */
export interface LazyMembers {
  /** The initialisation scheme the first call uses ("torch" unless the options say otherwise). */
  readonly lazyInit: InitScheme;
  /** Materializes the parameters for `input` (called by the first forward). */
  initializeParameters(input: Tensor): void;
}
/** A lazy class: the eager class's constructor less its first argument, the size the first input gives. */
export type LazyClass<C extends EagerClass> = new (...args: Tail<ConstructorParameters<C>>) => InstanceType<C> & LazyMembers;

/**
 * The lazy twin of `Eager` ("Lazy" + its name): constructed with the eager arguments less the first (in
 * PyTorch's positional order or as options), its placeholders uninitialized; the first forward sizes and
 * materializes them, resets them as the eager layer does, and the module becomes an `Eager` (PyTorch's cls_to_become).
 */
function lazyClass<C extends EagerClass, M = InstanceType<C>>(Eager: C, recipe: LazyRecipe<M>): LazyClass<C> {
  const name = `Lazy${Eager.name}`;
  const size = (m: object): number => (m as Record<string, number>)[recipe.sizeField];
  const Lazy = class extends (Eager as EagerClass) {
    readonly lazyInit: InitScheme;
    constructor(...args: unknown[]) {
      const rest = recipe.args ? recipe.args(name, args) : args;
      super(0, ...rest);
      const opts = rest.filter(isOptionsObject).pop() as { init?: InitScheme } | undefined;
      this.lazyInit = opts?.init ?? "torch";
      uninit(this, [...recipe.tensors]);
    }
    override resetParameters(...a: unknown[]): void {
      if (!hasUninitializedParams(this) && size(this) !== 0) super.resetParameters?.(...a);
    }
    initializeParameters(input: Tensor): void {
      if (!hasUninitializedParams(this) && size(this) !== 0) return;
      const m = this as unknown as M;
      const c = recipe.sizeOf(m, input, name);
      noGrad(() => {
        setField(this, recipe.sizeField, c);
        for (const t of recipe.tensors) materialize(this, t, recipe.shape(m, t, c));
      });
      Object.setPrototypeOf(this, Eager.prototype);
      recipe.reset(m, this.lazyInit);
    }
    override forward(...args: any[]): any {
      this.initializeParameters(args[0]);
      // the eager class's forward (Module's is abstract, so TypeScript does not let super name it)
      return (Eager.prototype as { forward(...a: unknown[]): unknown }).forward.apply(this, args);
    }
  };
  return Lazy as unknown as LazyClass<C>;
}

const LINEAR: LazyRecipe<Linear> = {
  sizeField: "inFeatures",
  tensors: ["weight", "bias"],
  sizeOf(_m, x, name) {
    if (x.ndim < 1) throw new Error(`tstorch: ${name}: the input needs at least one dimension (its last is in_features)`);
    return x.shape[x.ndim - 1];
  },
  shape: (m, t, c) => (t === "weight" ? [m.outFeatures, c] : [m.outFeatures]),
  reset: (m, init) => m.resetParameters(init),
};

/** PyTorch's _LazyConvXdMixin: in_channels is dim 1 of a batched input, dim 0 of an unbatched one. */
const CONV: LazyRecipe<ConvBase> = {
  sizeField: "inChannels",
  tensors: ["weight", "bias"],
  sizeOf(m, x, name) {
    const n = m.n;
    if (x.ndim !== n + 1 && x.ndim !== n + 2) {
      throw new Error(`tstorch: Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${name}, but got input of size: [${x.shape}]`);
    }
    const c = x.ndim === n + 2 ? x.shape[1] : x.shape[0];
    if (c % m.groups !== 0) throw new Error("tstorch: in_channels must be divisible by groups");
    return c;
  },
  shape(m, t, c) {
    if (t === "bias") return [m.outChannels];
    return m.transposed ? [c, m.outChannels / m.groups, ...m.kernelSize] : [m.outChannels, c / m.groups, ...m.kernelSize];
  },
  reset: (m, init) => m.resetParameters(init),
};

/** PyTorch's _LazyNormBase for inputs of `ranks` dimensions; channels are dim 0 of an `unbatched`-rank input, else dim 1. */
function norm(ranks: number[], unbatched = 0, defaults?: object): LazyRecipe<NormBase> {
  return {
    sizeField: "numFeatures",
    tensors: ["weight", "bias", "running_mean", "running_var"],
    args: defaults && ((name, args) => [{ ...defaults, ...normOptions<object>(name, args) }]),
    sizeOf(_m, x, name) {
      if (!(x instanceof Tensor) || !ranks.includes(x.ndim)) {
        throw new Error(`tstorch: ${name} expected ${ranks.map((r) => `${r}D`).join(" or ")} input (got ${x instanceof Tensor ? `${x.ndim}D` : typeof x} input)`);
      }
      return x.shape[x.ndim === unbatched ? 0 : 1];
    },
    shape: (_m, _t, c) => [c],
    // PyTorch's reset_parameters: running stats 0 / 1, weight 1, bias 0
    reset: (m) => noGrad(() => {
      m._parameters.get("weight")?.fill_(1);
      m._parameters.get("bias")?.zero_();
      m._buffers.get("running_mean")?.zero_();
      m._buffers.get("running_var")?.fill_(1);
      m._buffers.get("num_batches_tracked")?.zero_();
    }),
  };
}
/** PyTorch's lazy instance norms default to affine and tracked running statistics (the eager ones do not). */
const instanceNorm = (spatial: number) => norm([spatial + 1, spatial + 2], spatial + 1, { affine: true, trackRunningStats: true });

// ---------------------------------------------------------------- the lazy classes: one row each

/** Linear whose inFeatures is the last dimension of the first input: `new nn.LazyLinear(10)`. */
export class LazyLinear extends lazyClass(Linear, LINEAR) {}
/** Conv1d whose inChannels comes from the first input: `new nn.LazyConv1d(16, 3)`. */
export class LazyConv1d extends lazyClass(Conv1d, CONV) {}
/** Conv2d whose inChannels comes from the first input: `new nn.LazyConv2d(16, 3)`. */
export class LazyConv2d extends lazyClass(Conv2d, CONV) {}
/** Conv3d whose inChannels comes from the first input. */
export class LazyConv3d extends lazyClass(Conv3d, CONV) {}
/** ConvTranspose1d whose inChannels comes from the first input. */
export class LazyConvTranspose1d extends lazyClass(ConvTranspose1d, CONV) {}
/** ConvTranspose2d whose inChannels comes from the first input. */
export class LazyConvTranspose2d extends lazyClass(ConvTranspose2d, CONV) {}
/** ConvTranspose3d whose inChannels comes from the first input. */
export class LazyConvTranspose3d extends lazyClass(ConvTranspose3d, CONV) {}
/** BatchNorm1d whose numFeatures comes from the first input ([N, C] or [N, C, L]). */
export class LazyBatchNorm1d extends lazyClass(BatchNorm1d, norm([2, 3])) {}
/** BatchNorm2d whose numFeatures comes from the first input. */
export class LazyBatchNorm2d extends lazyClass(BatchNorm2d, norm([4])) {}
/** BatchNorm3d whose numFeatures comes from the first input. */
export class LazyBatchNorm3d extends lazyClass(BatchNorm3d, norm([5])) {}
/** InstanceNorm1d whose numFeatures comes from the first input. */
export class LazyInstanceNorm1d extends lazyClass(InstanceNorm1d, instanceNorm(1)) {}
/** InstanceNorm2d whose numFeatures comes from the first input. */
export class LazyInstanceNorm2d extends lazyClass(InstanceNorm2d, instanceNorm(2)) {}
/** InstanceNorm3d whose numFeatures comes from the first input. */
export class LazyInstanceNorm3d extends lazyClass(InstanceNorm3d, instanceNorm(3)) {}
