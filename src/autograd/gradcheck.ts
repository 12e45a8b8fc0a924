// torch.autograd.gradcheck / gradgradcheck: the analytical Jacobian (from backward) against central
// finite differences, PyTorch's slow mode with its tolerances and messages.
import { Tensor } from "../core/tensor.js";
import { fromTypedArray, randnLike } from "../core/creation.js";
import { scope } from "../core/scope.js";
import { grad } from "./grad.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a GradcheckError on failure (default); with false, return false. */
  raiseException?: boolean;
  /** Tolerance between two runs of backward (reentrancy check). */
  nondetTol?: number;
}

/** PyTorch's GradcheckError. */
export class GradcheckError extends Error {
  override name = "GradcheckError";
}

type Fn = (...args: any[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: unknown[]): Tensor[] {
  const r = fn(...inputs);
  return r instanceof Tensor ? [r] : [...r];
}

function flatValues(t: Tensor): Float64Array {
  return Float64Array.from(t.double().toTypedArray() as Float64Array);
}

function fmt(m: number[][]): string {
  return "tensor([" + m.map((r) => "[" + r.map((v) => v.toFixed(4)).join(", ") + "]").join(",\n        ") + "])";
}

/** The numerical Jacobians: [input i][output j] as rows per input element, columns per output element. */
function numerical(fn: Fn, inputs: unknown[], diff: number[], eps: number): number[][][][] {
  return diff.map((i) => {
      const x = inputs[i] as Tensor;
      const base = flatValues(x);
      const perOut: number[][][] = [];
      for (let k = 0; k < base.length; k++) {
        const at = (delta: number): Float64Array[] =>
          scope(() => {
            const v = Float64Array.from(base);
            v[k] += delta;
            // requiring grad as the input does: fn may itself differentiate (gradgradcheck's)
            const xi = fromTypedArray(v, x.shape).to(x.dtype).requiresGrad_(x.requiresGrad);
            const args = inputs.map((a, j) => (j === i ? xi : a));
            return outputsOf(fn, args).map((o) => flatValues(o));
          });
        const plus = at(eps);
        const minus = at(-eps);
        plus.forEach((p, j) => {
          perOut[j] ??= [];
          perOut[j][k] = Array.from(p, (pv, e) => (pv - minus[j][e]) / (2 * eps));
        });
      }
      return perOut;
    });
}

/** The analytical Jacobians, same layout, from one vector-Jacobian product per output element. */
function analytical(outputs: Tensor[], inputs: Tensor[]): number[][][][] {
  const jac: number[][][][] = inputs.map((x) => outputs.map(() => Array.from({ length: x.numel() }, () => [] as number[])));
  outputs.forEach((o, j) => {
    const n = o.numel();
    for (let e = 0; e < n; e++) {
      scope(() => {
        const v = new Float64Array(n);
        v[e] = 1;
        const gOut = fromTypedArray(v, o.shape).to(o.dtype);
        const gs = o.requiresGrad ? grad([o], inputs, { gradOutputs: [gOut], retainGraph: true, allowUnused: true }) : inputs.map(() => null);
        gs.forEach((g, i) => {
          const vals = g === null ? new Float64Array(inputs[i].numel()) : flatValues(g);
          for (let k = 0; k < vals.length; k++) jac[i][j][k][e] = vals[k];
        });
      });
    }
  });
  return jac;
}

/**
 * Checks the gradients of `fn` at `inputs` against finite differences (PyTorch's gradcheck, slow mode).
 * Inputs that require grad should be float64. Returns true, or throws a GradcheckError.
 */
export function gradcheck(fn: Fn, inputs: unknown | readonly unknown[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const nondetTol = opts.nondetTol ?? 0;
  const args = Array.isArray(inputs) ? [...inputs] : [inputs];
  const fail = (msg: string): boolean => {
    if (opts.raiseException === false) return false;
    throw new GradcheckError(msg);
  };
  const diff = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
  if (diff.length === 0) throw new Error("tstorch: gradcheck expects at least one input tensor to require gradient, but none of them have requiresGrad: true");
  for (const i of diff) {
    const dt = (args[i] as Tensor).dtype;
    if (dt !== "float64" && dt !== "complex128") {
      process.emitWarning(`Input #${i} requires gradient and is not a double precision floating point. This check will likely fail if all the inputs are not of double precision floating point.`);
    }
  }
  return scope(() => {
    const outputs = outputsOf(fn, args);
    const diffInputs = diff.map((i) => args[i] as Tensor);
    const num = numerical(fn, args, diff, eps);
    const ana = analytical(outputs, diffInputs);
    const again = analytical(outputsOf(fn, args), diffInputs);
    for (let ii = 0; ii < diff.length; ii++) {
      for (let j = 0; j < outputs.length; j++) {
        if (!outputs[j].requiresGrad) {
          // a non-differentiable output: its numerical Jacobian must be zero
          if (num[ii][j].some((r) => r.some((v) => v !== 0))) return fail(`Jacobian computed with forward mode mismatch for output ${j} with respect to input ${diff[ii]}: the output does not require grad but its finite differences are not zero`);
          continue;
        }
        const n = num[ii][j];
        const a = ana[ii][j];
        const ok = n.every((row, k) => row.every((v, e) => Math.abs(a[k][e] - v) <= atol + rtol * Math.abs(v)));
        if (!ok) {
          return fail(`Jacobian mismatch for output ${j} with respect to input ${diff[ii]},\nnumerical:${fmt(n)}\nanalytical:${fmt(a)}\n`);
        }
        const r = again[ii][j];
        if (!a.every((row, k) => row.every((v, e) => Math.abs(r[k][e] - v) <= nondetTol))) {
          return fail(`Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different values, although analytical gradient matches numerical gradient. The tolerance for nondeterminism was ${nondetTol}.`);
        }
      }
    }
    return true;
  });
}

/**
 * Checks second derivatives: gradcheck of the function (inputs, gradOutputs) -> grad(fn(inputs),
 * inputs, gradOutputs, createGraph) with random float64 gradOutputs (PyTorch's gradgradcheck).
 */
export function gradgradcheck(fn: Fn, inputs: unknown | readonly unknown[], gradOutputs?: readonly Tensor[] | null, opts: GradcheckOptions = {}): boolean {
  const args = Array.isArray(inputs) ? [...inputs] : [inputs];
  const diff = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
  const gOuts =
    gradOutputs ??
    scope(() => outputsOf(fn, args).filter((o) => o.requiresGrad).map((o) => randnLike(o).requiresGrad_(true)));
  const n = args.length;
  const newFn = (...all: unknown[]): Tensor[] => {
    const ins = all.slice(0, n);
    const gs = all.slice(n) as Tensor[];
    const outs = outputsOf(fn, ins).filter((o) => o.requiresGrad);
    const diffIns = diff.map((i) => ins[i] as Tensor);
    const r = grad(outs, diffIns, { gradOutputs: gs, createGraph: true, allowUnused: true });
    return r.filter((g): g is Tensor => g !== null);
  };
  try {
    return gradcheck(newFn, [...args, ...gOuts], opts);
  } finally {
    if (!gradOutputs) for (const g of gOuts) g.dispose();
  }
}
