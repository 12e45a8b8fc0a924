// Scalar arithmetic as PyTorch's Python code does it. Python's `a ** b` on floats is C's pow();
// V8's Math.pow and `**` differ from it in the last bit for about 1 value in 10 (measured over
// beta ** step), which would make float64 trajectories drift from PyTorch's. pyPow therefore asks
// libtorch's std::pow (the same libm as the Python next to it) through a one-element kernel.
import { native } from "../core/native.js";
import { full } from "../core/creation.js";
import { torchVersion } from "../core/runtime.js";

let powScalarId: number | undefined;

/** C's pow(base, exponent): Python's `base ** exponent` on floats, bit for bit. */
export function pyPow(base: number, exponent: number): number {
  if (exponent === 0) return 1;
  if (exponent === 1) return base;
  if (base === 1) return 1;
  powScalarId ??= native.opId("pow", "Scalar");
  const e = full([], exponent, { dtype: "float64" });
  try {
    // aten::pow(Scalar self, Tensor exponent): the element loop calls std::pow for a single element
    const h = native.call(powScalarId, base, e._h);
    try {
      return native.item(h) as number;
    } finally {
      native.disposeMany(h);
    }
  } finally {
    e.dispose();
  }
}

/**
 * PyTorch 2 updates first moments with exp_avg.lerp_(grad, 1 - beta1) where 1.13 wrote
 * exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1): equal in exact arithmetic, not in the last bit.
 * The optimisers follow the linked version so that trajectories stay PyTorch's to the bit.
 */
export function usesLerp(): boolean {
  return torchVersion()[0] >= 2;
}

const unary = new Map<string, number>();

/** C's libm on one double through libtorch's kernel (its element loop calls std::NAME for a single element). */
function libm(name: "cos" | "log", x: number): number {
  let id = unary.get(name);
  if (id === undefined) unary.set(name, (id = native.opId(name, "")));
  const t = full([], x, { dtype: "float64" });
  try {
    const h = native.call(id, t._h);
    try {
      return native.item(h) as number;
    } finally {
      native.disposeMany(h);
    }
  } finally {
    t.dispose();
  }
}

/** Python's math.cos (C's cos): V8's Math.cos may differ in the last bit. */
export function pyCos(x: number): number {
  return libm("cos", x);
}

/** Python's math.log(x, base) = log(x) / log(base), with C's log. */
export function pyLog(x: number, base?: number): number {
  return base === undefined ? libm("log", x) : libm("log", x) / libm("log", base);
}
