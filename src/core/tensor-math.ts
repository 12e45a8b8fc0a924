// Elementwise Tensor arithmetic, comparison and logic (tch-rs's src/tensor/ops.rs): the hot path.
// Each method names one overload by its dispatcher id (op-ids.ts), so a call is one N-API call
// with no overload resolution, its result in a recycled handle (handle-pool.ts).
import { callPooled } from "./handle-pool.js";
import { native, type Handle } from "./native.js";
import { K } from "./op-ids.js";
import { scalar, Tensor, wrap, type Scalar } from "./tensor.js";
import { tensorHandle } from "./tensor-args.js";

const callInPlace = native.callInPlace;

export class TensorMath {
  declare _h: Handle;

  // ---------------------------------------------------------------- arithmetic (broadcasting, promotion)
  add(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(K.add_Tensor, this._h, tensorHandle(o, "other", "add"), alpha) : callPooled(K.add_Scalar, this._h, o, alpha));
  }
  sub(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(K.sub_Tensor, this._h, tensorHandle(o, "other", "sub"), alpha) : callPooled(K.sub_Scalar, this._h, o, alpha));
  }
  /** `s - this` for a scalar s. */
  rsub(o: Scalar): Tensor {
    return wrap(callPooled(K.rsub_Scalar, this._h, o));
  }
  mul(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(K.mul_Tensor, this._h, tensorHandle(o, "other", "mul")) : callPooled(K.mul_Scalar, this._h, o));
  }
  div(o: Tensor | Scalar, roundingMode?: "trunc" | "floor"): Tensor {
    if (roundingMode !== undefined) {
      // (a scalar through div.Scalar_mode: a full_like tensor of an integer input would truncate 2.5 to 2)
      if (!(o instanceof Tensor)) return wrap(callPooled(K.div_Scalar_mode, this._h, o, roundingMode));
      return wrap(callPooled(K.div_Tensor_mode, this._h, tensorHandle(o, "other", "div"), roundingMode));
    }
    return wrap(o instanceof Tensor ? callPooled(K.div_Tensor, this._h, tensorHandle(o, "other", "div")) : callPooled(K.div_Scalar, this._h, o));
  }
  remainder(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(K.remainder_Tensor, this._h, tensorHandle(o, "other", "remainder")) : callPooled(K.remainder_Scalar, this._h, o));
  }
  pow(e: Tensor | Scalar): Tensor {
    return wrap(e instanceof Tensor ? callPooled(K.pow_Tensor_Tensor, this._h, tensorHandle(e, "exponent", "pow")) : callPooled(K.pow_Tensor_Scalar, this._h, e));
  }
  maximum(o: Tensor): Tensor { return wrap(callPooled(K.maximum, this._h, tensorHandle(o, "other", "maximum"))); }
  minimum(o: Tensor): Tensor { return wrap(callPooled(K.minimum, this._h, tensorHandle(o, "other", "minimum"))); }
  neg(): Tensor { return wrap(callPooled(K.neg, this._h)); }
  abs(): Tensor { return wrap(callPooled(K.abs, this._h)); }
  exp(): Tensor { return wrap(callPooled(K.exp, this._h)); }
  log(): Tensor { return wrap(callPooled(K.log, this._h)); }
  log2(): Tensor { return wrap(callPooled(K.log2, this._h)); }
  log1p(): Tensor { return wrap(callPooled(K.log1p, this._h)); }
  expm1(): Tensor { return wrap(callPooled(K.expm1, this._h)); }
  sqrt(): Tensor { return wrap(callPooled(K.sqrt, this._h)); }
  rsqrt(): Tensor { return wrap(callPooled(K.rsqrt, this._h)); }
  sin(): Tensor { return wrap(callPooled(K.sin, this._h)); }
  cos(): Tensor { return wrap(callPooled(K.cos, this._h)); }
  tan(): Tensor { return wrap(callPooled(K.tan, this._h)); }
  tanh(): Tensor { return wrap(callPooled(K.tanh, this._h)); }
  sigmoid(): Tensor { return wrap(callPooled(K.sigmoid, this._h)); }
  relu(): Tensor { return wrap(callPooled(K.relu, this._h)); }
  gelu(approximate: "none" | "tanh" = "none"): Tensor { return wrap(callPooled(K.gelu, this._h, approximate)); }
  silu(): Tensor { return wrap(callPooled(K.silu, this._h)); }
  leakyRelu(negativeSlope = 0.01): Tensor { return wrap(callPooled(K.leaky_relu, this._h, scalar(negativeSlope))); }
  erf(): Tensor { return wrap(callPooled(K.erf, this._h)); }
  floor(): Tensor { return wrap(callPooled(K.floor, this._h)); }
  ceil(): Tensor { return wrap(callPooled(K.ceil, this._h)); }
  round(): Tensor { return wrap(callPooled(K.round, this._h)); }
  sign(): Tensor { return wrap(callPooled(K.sign, this._h)); }
  reciprocal(): Tensor { return wrap(callPooled(K.reciprocal, this._h)); }
  square(): Tensor { return wrap(callPooled(K.square, this._h)); }
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor { return wrap(callPooled(K.clamp, this._h, min ?? null, max ?? null)); }

  // ---------------------------------------------------------------- in place
  // (native.callInPlace makes no alias handle; they return `this`, like PyTorch)
  add_(o: Tensor | Scalar, alpha?: Scalar): this {
    if (o instanceof Tensor) callInPlace(K.add__Tensor, this._h, tensorHandle(o, "other", "add_"), alpha);
    else callInPlace(K.add__Scalar, this._h, o, alpha);
    return this;
  }
  sub_(o: Tensor | Scalar, alpha?: Scalar): this {
    if (o instanceof Tensor) callInPlace(K.sub__Tensor, this._h, tensorHandle(o, "other", "sub_"), alpha);
    else callInPlace(K.sub__Scalar, this._h, o, alpha);
    return this;
  }
  mul_(o: Tensor | Scalar): this {
    if (o instanceof Tensor) callInPlace(K.mul__Tensor, this._h, tensorHandle(o, "other", "mul_"));
    else callInPlace(K.mul__Scalar, this._h, o);
    return this;
  }
  div_(o: Tensor | Scalar): this {
    if (o instanceof Tensor) callInPlace(K.div__Tensor, this._h, tensorHandle(o, "other", "div_"));
    else callInPlace(K.div__Scalar, this._h, o);
    return this;
  }
  addcmul_(a: Tensor, b: Tensor, value: Scalar = 1): this { callInPlace(K.addcmul_, this._h, tensorHandle(a, "a", "addcmul_"), tensorHandle(b, "b", "addcmul_"), value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value: Scalar = 1): this { callInPlace(K.addcdiv_, this._h, tensorHandle(a, "a", "addcdiv_"), tensorHandle(b, "b", "addcdiv_"), value); return this; }
  lerp_(end: Tensor, weight: Scalar): this { callInPlace(K.lerp__Scalar, this._h, tensorHandle(end, "end", "lerp_"), weight); return this; }
  zero_(): this { callInPlace(K.zero_, this._h); return this; }
  fill_(v: Scalar): this { callInPlace(K.fill__Scalar, this._h, v); return this; }
  copy_(src: Tensor): this { callInPlace(K.copy_, this._h, tensorHandle(src, "src", "copy_")); return this; }
  uniform_(from = 0, to = 1): this { callInPlace(K.uniform_, this._h, from, to, null); return this; }
  normal_(mean = 0, std = 1): this { callInPlace(K.normal_, this._h, mean, std, null); return this; }
  clamp_(min?: Scalar | null, max?: Scalar | null): this { callInPlace(K.clamp_, this._h, min ?? null, max ?? null); return this; }
  sqrt_(): this { callInPlace(K.sqrt_, this._h); return this; }
  relu_(): this { callInPlace(K.relu_, this._h); return this; }

  // ---------------------------------------------------------------- comparison and logic
  eq(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.eq_Tensor, this._h, tensorHandle(o, "other", "eq")) : callPooled(K.eq_Scalar, this._h, o)); }
  ne(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.ne_Tensor, this._h, tensorHandle(o, "other", "ne")) : callPooled(K.ne_Scalar, this._h, o)); }
  lt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.lt_Tensor, this._h, tensorHandle(o, "other", "lt")) : callPooled(K.lt_Scalar, this._h, o)); }
  le(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.le_Tensor, this._h, tensorHandle(o, "other", "le")) : callPooled(K.le_Scalar, this._h, o)); }
  gt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.gt_Tensor, this._h, tensorHandle(o, "other", "gt")) : callPooled(K.gt_Scalar, this._h, o)); }
  ge(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(K.ge_Tensor, this._h, tensorHandle(o, "other", "ge")) : callPooled(K.ge_Scalar, this._h, o)); }
  logicalAnd(o: Tensor): Tensor { return wrap(callPooled(K.logical_and, this._h, tensorHandle(o, "other", "logicalAnd"))); }
  logicalOr(o: Tensor): Tensor { return wrap(callPooled(K.logical_or, this._h, tensorHandle(o, "other", "logicalOr"))); }
  logicalNot(): Tensor { return wrap(callPooled(K.logical_not, this._h)); }
  isnan(): Tensor { return wrap(callPooled(K.isnan, this._h)); }
  /** Elementwise `cond ? this : other`. */
  where(cond: Tensor, other: Tensor): Tensor { return wrap(callPooled(K.where_self, tensorHandle(cond, "cond", "where"), this._h, tensorHandle(other, "other", "where"))); }
  maskedFill(mask: Tensor, value: Scalar): Tensor { return wrap(callPooled(K.masked_fill_Scalar, this._h, tensorHandle(mask, "mask", "maskedFill"), value)); }
  allclose(o: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return callPooled(K.allclose, this._h, tensorHandle(o, "other", "allclose"), rtol, atol, false) as boolean; }
  equal(o: Tensor): boolean { return callPooled(K.equal, this._h, tensorHandle(o, "other", "equal")) as boolean; }
}
