// Elementwise Tensor arithmetic, comparison and logic (tch-rs's src/tensor/ops.rs) where the method
// adds to ATen: it picks the overload by the argument's type (a Tensor or a Scalar), takes Python's
// arguments in place (`alpha`, `roundingMode`), or a float Scalar. Each call names one overload by its
// dispatcher id (op-ids.ts): one N-API call, no overload resolution, its result in a recycled handle
// (handle-pool.ts). Methods that only forward to one overload (neg, exp, relu, maximum, where, ...)
// are the generated ones, with the same fast path (scripts/gen/fast-methods.mjs).
import { callInPlace, callPooled } from "./handle-pool.js";
import type { Handle } from "./native.js";
import { opIds } from "./op-ids.js";
import { scalar, Tensor, wrap, type Scalar } from "./tensor.js";
import { tensorHandle } from "./tensor-args.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds(
  "add_Tensor", "add_Scalar", "sub_Tensor", "sub_Scalar", "rsub_Scalar", "mul_Tensor", "mul_Scalar",
  "div_Scalar_mode", "div_Tensor_mode", "div_Tensor", "div_Scalar", "remainder_Tensor", "remainder_Scalar",
  "pow_Tensor_Tensor", "pow_Tensor_Scalar", "silu", "gelu", "leaky_relu", "round", "clamp", "add__Tensor", "add__Scalar",
  "sub__Tensor", "sub__Scalar", "mul__Tensor", "mul__Scalar", "div__Tensor", "div__Scalar", "addcmul_", "addcdiv_",
  "lerp__Scalar", "fill__Scalar", "copy_", "uniform_", "normal_", "clamp_", "eq_Tensor", "eq_Scalar", "ne_Tensor",
  "ne_Scalar", "lt_Tensor", "lt_Scalar", "le_Tensor", "le_Scalar", "gt_Tensor", "gt_Scalar", "ge_Tensor",
  "ge_Scalar"
);

export class TensorMath {
  declare _h: Handle;

  // ---------------------------------------------------------------- arithmetic (broadcasting, promotion)
  add(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    // alpha left out when not given: the addon then takes the default without asking N-API what it is
    if (alpha === undefined) return wrap(o instanceof Tensor ? callPooled(aten.add_Tensor, this._h, o._h) : callPooled(aten.add_Scalar, this._h, o));
    return wrap(o instanceof Tensor ? callPooled(aten.add_Tensor, this._h, o._h, alpha) : callPooled(aten.add_Scalar, this._h, o, alpha));
  }
  sub(o: Tensor | Scalar, alpha?: Scalar): Tensor {
    if (alpha === undefined) return wrap(o instanceof Tensor ? callPooled(aten.sub_Tensor, this._h, o._h) : callPooled(aten.sub_Scalar, this._h, o));
    return wrap(o instanceof Tensor ? callPooled(aten.sub_Tensor, this._h, o._h, alpha) : callPooled(aten.sub_Scalar, this._h, o, alpha));
  }
  /** `s - this` for a scalar s. */
  rsub(o: Scalar): Tensor {
    return wrap(callPooled(aten.rsub_Scalar, this._h, o));
  }
  mul(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(aten.mul_Tensor, this._h, o._h) : callPooled(aten.mul_Scalar, this._h, o));
  }
  div(o: Tensor | Scalar, roundingMode?: "trunc" | "floor"): Tensor {
    if (roundingMode !== undefined) {
      // (a scalar through div.Scalar_mode: a full_like tensor of an integer input would truncate 2.5 to 2)
      if (!(o instanceof Tensor)) return wrap(callPooled(aten.div_Scalar_mode, this._h, o, roundingMode));
      return wrap(callPooled(aten.div_Tensor_mode, this._h, tensorHandle(o, "other", "div"), roundingMode));
    }
    return wrap(o instanceof Tensor ? callPooled(aten.div_Tensor, this._h, tensorHandle(o, "other", "div")) : callPooled(aten.div_Scalar, this._h, o));
  }
  remainder(o: Tensor | Scalar): Tensor {
    return wrap(o instanceof Tensor ? callPooled(aten.remainder_Tensor, this._h, tensorHandle(o, "other", "remainder")) : callPooled(aten.remainder_Scalar, this._h, o));
  }
  pow(e: Tensor | Scalar): Tensor {
    return wrap(e instanceof Tensor ? callPooled(aten.pow_Tensor_Tensor, this._h, tensorHandle(e, "exponent", "pow")) : callPooled(aten.pow_Tensor_Scalar, this._h, e));
  }
  /** (aten::silu has no method variant in ATen; PyTorch's Tensor has none either, torch.nn.functional.silu does.) */
  silu(): Tensor { return wrap(callPooled(aten.silu, this._h)); }
  gelu(approximate: "none" | "tanh" = "none"): Tensor { return wrap(callPooled(aten.gelu, this._h, approximate)); }
  leakyRelu(negativeSlope = 0.01): Tensor { return wrap(callPooled(aten.leaky_relu, this._h, scalar(negativeSlope))); }
  round(): Tensor { return wrap(callPooled(aten.round, this._h)); }
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor { return wrap(callPooled(aten.clamp, this._h, min ?? null, max ?? null)); }

  // ---------------------------------------------------------------- in place
  // (native.callInPlace makes no alias handle; they return `this`, like PyTorch)
  add_(o: Tensor | Scalar, alpha?: Scalar): this {
    if (o instanceof Tensor) callInPlace(aten.add__Tensor, this._h, tensorHandle(o, "other", "add_"), alpha);
    else callInPlace(aten.add__Scalar, this._h, o, alpha);
    return this;
  }
  sub_(o: Tensor | Scalar, alpha?: Scalar): this {
    if (o instanceof Tensor) callInPlace(aten.sub__Tensor, this._h, tensorHandle(o, "other", "sub_"), alpha);
    else callInPlace(aten.sub__Scalar, this._h, o, alpha);
    return this;
  }
  mul_(o: Tensor | Scalar): this {
    if (o instanceof Tensor) callInPlace(aten.mul__Tensor, this._h, tensorHandle(o, "other", "mul_"));
    else callInPlace(aten.mul__Scalar, this._h, o);
    return this;
  }
  div_(o: Tensor | Scalar): this {
    if (o instanceof Tensor) callInPlace(aten.div__Tensor, this._h, tensorHandle(o, "other", "div_"));
    else callInPlace(aten.div__Scalar, this._h, o);
    return this;
  }
  addcmul_(a: Tensor, b: Tensor, value: Scalar = 1): this { callInPlace(aten.addcmul_, this._h, tensorHandle(a, "a", "addcmul_"), tensorHandle(b, "b", "addcmul_"), value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value: Scalar = 1): this { callInPlace(aten.addcdiv_, this._h, tensorHandle(a, "a", "addcdiv_"), tensorHandle(b, "b", "addcdiv_"), value); return this; }
  lerp_(end: Tensor, weight: Scalar): this { callInPlace(aten.lerp__Scalar, this._h, tensorHandle(end, "end", "lerp_"), weight); return this; }
  fill_(v: Scalar): this { callInPlace(aten.fill__Scalar, this._h, v); return this; }
  copy_(src: Tensor): this { callInPlace(aten.copy_, this._h, tensorHandle(src, "src", "copy_")); return this; }
  uniform_(from = 0, to = 1): this { callInPlace(aten.uniform_, this._h, from, to, null); return this; }
  normal_(mean = 0, std = 1): this { callInPlace(aten.normal_, this._h, mean, std, null); return this; }
  clamp_(min?: Scalar | null, max?: Scalar | null): this { callInPlace(aten.clamp_, this._h, min ?? null, max ?? null); return this; }

  // ---------------------------------------------------------------- comparison and logic
  eq(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.eq_Tensor, this._h, tensorHandle(o, "other", "eq")) : callPooled(aten.eq_Scalar, this._h, o)); }
  ne(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.ne_Tensor, this._h, tensorHandle(o, "other", "ne")) : callPooled(aten.ne_Scalar, this._h, o)); }
  lt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.lt_Tensor, this._h, tensorHandle(o, "other", "lt")) : callPooled(aten.lt_Scalar, this._h, o)); }
  le(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.le_Tensor, this._h, tensorHandle(o, "other", "le")) : callPooled(aten.le_Scalar, this._h, o)); }
  gt(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.gt_Tensor, this._h, tensorHandle(o, "other", "gt")) : callPooled(aten.gt_Scalar, this._h, o)); }
  ge(o: Tensor | Scalar): Tensor { return wrap(o instanceof Tensor ? callPooled(aten.ge_Tensor, this._h, tensorHandle(o, "other", "ge")) : callPooled(aten.ge_Scalar, this._h, o)); }
}
