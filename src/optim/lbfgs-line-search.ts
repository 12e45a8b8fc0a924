// The strong-Wolfe line search and cubic interpolation of torch/optim/lbfgs.py, on scalars that
// remember whether PyTorch holds them as 0-d tensors or as Python floats. That matters for the
// bits: Python's `float / tensor` is tensor.reciprocal() * float (torch/_tensor.py), `tensor ** 2`
// is tensor * tensor, and a float32 tensor rounds every result to float32.
import type { Tensor } from "../core/tensor.js";
import { pyPow } from "./scalar-math.js";

/** A scalar as PyTorch's LBFGS holds it: a Python float, or a 0-d tensor of the parameters' dtype. */
export class PyNum {
  constructor(readonly v: number, readonly tensor: boolean) {}
}

/** Arithmetic with PyTorch's rules for floats and 0-d tensors; round is Math.fround for float32 parameters. */
export class PyScalars {
  constructor(private readonly round: (x: number) => number) {}
  float(v: number): PyNum {
    return new PyNum(v, false);
  }
  tensor(v: number): PyNum {
    return new PyNum(this.round(v), true);
  }
  private out(v: number, a: PyNum, b?: PyNum): PyNum {
    return a.tensor || (b !== undefined && b.tensor) ? this.tensor(v) : this.float(v);
  }
  /** The operands as the kernel sees them: a float meeting a float32 tensor is cast to float32 first. */
  private cast(a: PyNum, b: PyNum): [number, number] {
    return a.tensor || b.tensor ? [this.round(a.v), this.round(b.v)] : [a.v, b.v];
  }
  add(a: PyNum, b: PyNum): PyNum {
    const [x, y] = this.cast(a, b);
    return this.out(x + y, a, b);
  }
  sub(a: PyNum, b: PyNum): PyNum {
    const [x, y] = this.cast(a, b);
    return this.out(x - y, a, b);
  }
  mul(a: PyNum, b: PyNum): PyNum {
    const [x, y] = this.cast(a, b);
    return this.out(x * y, a, b);
  }
  div(a: PyNum, b: PyNum): PyNum {
    if (!a.tensor && b.tensor) return this.mul(this.tensor(1 / b.v), a); // float / tensor
    const [x, y] = this.cast(a, b);
    return this.out(x / y, a, b);
  }
  abs(a: PyNum): PyNum {
    return new PyNum(Math.abs(a.v), a.tensor);
  }
  neg(a: PyNum): PyNum {
    return new PyNum(-a.v, a.tensor);
  }
  /** Python's min(a, b): b only when b < a. */
  min(a: PyNum, b: PyNum): PyNum {
    return b.v < a.v ? b : a;
  }
  /** Python's max(a, b): b only when b > a. */
  max(a: PyNum, b: PyNum): PyNum {
    return b.v > a.v ? b : a;
  }
  n(v: number): PyNum {
    return this.float(v);
  }

  /** _cubic_interpolate: the minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), within bounds. */
  cubicInterpolate(x1: PyNum, f1: PyNum, g1: PyNum, x2: PyNum, f2: PyNum, g2: PyNum, bounds?: [PyNum, PyNum]): PyNum {
    const [xminBound, xmaxBound] = bounds ?? (x1.v <= x2.v ? [x1, x2] : [x2, x1]);
    const n = (v: number) => this.n(v);
    const d1 = this.sub(this.add(g1, g2), this.div(this.mul(n(3), this.sub(f1, f2)), this.sub(x1, x2)));
    // tensor ** 2 is ATen's pow with exponent 2: d1 * d1
    const d1sq = d1.tensor ? this.mul(d1, d1) : this.float(pyPow(d1.v, 2));
    const d2Square = this.sub(d1sq, this.mul(g1, g2));
    if (d2Square.v >= 0) {
      const d2 = this.tensor(Math.sqrt(d2Square.v));
      let minPos: PyNum;
      if (x1.v <= x2.v) {
        minPos = this.sub(x2, this.mul(this.sub(x2, x1), this.div(this.sub(this.add(g2, d2), d1), this.add(this.sub(g2, g1), this.mul(n(2), d2)))));
      } else {
        minPos = this.sub(x1, this.mul(this.sub(x1, x2), this.div(this.sub(this.add(g1, d2), d1), this.add(this.sub(g1, g2), this.mul(n(2), d2)))));
      }
      return this.min(this.max(minPos, xminBound), xmaxBound);
    }
    return this.div(this.add(xminBound, xmaxBound), n(2));
  }
}

/** obj_func(x, t, d): the loss (a Python float) and the flat gradient at x + t·d (parameters restored to x after). */
export type DirectionalEvaluate = (t: PyNum) => [number, Tensor];

/**
 * _strong_wolfe: a step t along d satisfying the strong Wolfe conditions. Returns the loss and flat
 * gradient there (the gradient is a new tensor the caller owns; all others are disposed), t, and
 * the number of evaluations. gtd is g·d (a 0-d tensor in PyTorch).
 */
export function strongWolfe(
  S: PyScalars, objFunc: DirectionalEvaluate, t: PyNum, d: Tensor, f: number, g: Tensor, gtd: PyNum,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25,
): { f: number; g: Tensor; t: PyNum; evals: number } {
  const n = (v: number) => S.n(v);
  const dot = (a: Tensor, b: Tensor): PyNum => S.tensor(a.dot(b).item() as number);
  const dNorm = S.tensor(d.abs().max().item() as number);
  g = g.clone();
  let [fNew, gNew] = objFunc(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev: PyNum = n(0);
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: PyNum[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: PyNum[] = [];
  const armijo = (tt: PyNum, fn: number): boolean => fn > S.add(n(f), S.mul(S.mul(n(c1), tt), gtd)).v;
  while (lsIter < maxLs) {
    // check conditions
    if (armijo(t, fNew) || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (S.abs(gtdNew).v <= S.mul(n(-c2), gtd).v) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew.v >= 0) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // interpolate
    const minStep = S.add(t, S.mul(n(0.01), S.sub(t, tPrev)));
    const maxStep = S.mul(t, n(10));
    const tmp = t;
    t = S.cubicInterpolate(tPrev, n(fPrev), gtdPrev, t, n(fNew), gtdNew, [minStep, maxStep]);
    // next step
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.clone();
    gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(t);
    evals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  // reached the maximum number of iterations?
  if (lsIter === maxLs) {
    bracket = [n(0), t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
  }
  // zoom phase: a point satisfying the criteria inside the bracket
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  const bmax = (): PyNum => S.max(bracket[0], bracket[1]);
  const bmin = (): PyNum => S.min(bracket[0], bracket[1]);
  while (!done && lsIter < maxLs) {
    // line-search bracket is so small
    if (S.mul(S.abs(S.sub(bracket[1], bracket[0])), dNorm).v < toleranceChange) break;
    t = S.cubicInterpolate(bracket[0], n(bracketF[0]), bracketGtd[0], bracket[1], n(bracketF[1]), bracketGtd[1]);
    // enough progress, or too close to a boundary: move away from it
    const eps = S.mul(n(0.1), S.sub(bmax(), bmin()));
    if (S.min(S.sub(bmax(), t), S.sub(t, bmin())).v < eps.v) {
      if (insufProgress || t.v >= bmax().v || t.v <= bmin().v) {
        if (S.abs(S.sub(t, bmax())).v < S.abs(S.sub(t, bmin())).v) t = S.sub(bmax(), eps);
        else t = S.add(bmin(), eps);
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    [fNew, gNew] = objFunc(t);
    evals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
    if (armijo(t, fNew) || fNew >= bracketF[lowPos]) {
      // Armijo condition not satisfied or not lower than the lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.clone();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (S.abs(gtdNew).v <= S.mul(n(-c2), gtd).v) done = true; // Wolfe conditions satisfied
      else if (S.mul(gtdNew, S.sub(bracket[highPos], bracket[lowPos])).v >= 0) {
        // old high becomes new low
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      // new point becomes new low
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.clone();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return { f: bracketF[lowPos], g: bracketG[lowPos], t: bracket[lowPos], evals };
}
