// torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp, with PyTorch's semantics
// (torch/autograd/functional.py): inputs are detached copies that require grad, results are detached
// unless createGraph, unused inputs give zeros (or an error with strict). vectorize is not offered
// (PyTorch's vectorize=False path: one backward per output element).
import { Tensor } from "../core/tensor.js";
import { zerosLike, stack } from "../core/creation.js";
import { enableGrad } from "../core/autograd.js";
import { grad } from "./grad.js";

export interface FunctionalOptions {
  createGraph?: boolean;
  strict?: boolean;
}

type In = Tensor | readonly Tensor[];
type Out = Tensor | readonly Tensor[];

function asList(x: In | Out, what: string, fn: string): Tensor[] {
  const arr = x instanceof Tensor ? [x] : x;
  if (!Array.isArray(arr) || arr.some((t) => !(t instanceof Tensor))) {
    throw new Error(`tstorch: torch.autograd.functional.${fn}: the ${what} must be a Tensor or an array of Tensors`);
  }
  return [...arr];
}

// PyTorch's _grad_preprocess: with createGraph an input that requires grad is used through a view
// (so that the result stays connected), otherwise a detached copy that requires grad.
function preprocess(xs: Tensor[], createGraph: boolean): Tensor[] {
  return xs.map((x) => (createGraph && x.requiresGrad ? x.viewAs(x) : x.detach().requiresGrad_(true)));
}
function postprocess(xs: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? xs : xs.map((x) => x.detach());
}
function shaped<T>(list: T[], single: boolean): T | T[] {
  return single ? list[0] : list;
}

// torch.autograd.grad that fills unused inputs with null, and checks strict mode.
function autogradGrad(outs: Tensor[], ins: Tensor[], gradOutputs: (Tensor | null)[] | null, createGraph: boolean, retainGraph?: boolean): (Tensor | null)[] {
  const keep = outs.map((o) => o.requiresGrad);
  const o2 = outs.filter((_, i) => keep[i]);
  if (o2.length === 0) return ins.map(() => null);
  const g2 = gradOutputs === null ? null : gradOutputs.filter((_, i) => keep[i]);
  return grad(o2, ins, { gradOutputs: g2, createGraph, retainGraph, allowUnused: true });
}

function fillZeros(gs: (Tensor | null)[], refs: Tensor[], strict: boolean, fn: string, stage: string): Tensor[] {
  return gs.map((g, i) => {
    if (g !== null) return g;
    if (strict) {
      throw new Error(`tstorch: torch.autograd.functional.${fn}: ${stage === "back" ? `The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.` : `The gradient with respect to input ${i} is independent of the inputs of the user-provided function. This is not allowed in strict mode.`}`);
    }
    return zerosLike(refs[i]);
  });
}

function checkV(v: In | null | undefined, outs: Tensor[], fn: string, what: string): Tensor[] | null {
  if (v === null || v === undefined) {
    if (outs.length !== 1 || outs[0].numel() !== 1) {
      throw new Error(`tstorch: torch.autograd.functional.${fn}: The vector v can only be None if the ${what} is a single Tensor with a single element.`);
    }
    return null;
  }
  const vs = asList(v, "v", fn);
  if (vs.length !== outs.length) throw new Error(`tstorch: torch.autograd.functional.${fn}: v has ${vs.length} tensors but the ${what} has ${outs.length}`);
  vs.forEach((t, i) => {
    const a = t.shape.join(",");
    const b = outs[i].shape.join(",");
    if (a !== b) throw new Error(`tstorch: torch.autograd.functional.${fn}: Mismatch in size between v and ${what} at index ${i}: v has size [${a}] but ${what} has size [${b}]`);
  });
  return vs;
}

/** The vector-Jacobian product vᵀ·J of `func` at `inputs`: `[outputs, vjp]`. */
export function vjp(func: (...xs: Tensor[]) => Out, inputs: In, v?: In | null, opts: FunctionalOptions = {}): [Out, In] {
  const cg = opts.createGraph ?? false;
  const single = inputs instanceof Tensor;
  const ins = preprocess(asList(inputs, "inputs", "vjp"), cg);
  return enableGrad(() => {
    const raw = func(...ins);
    const outs = asList(raw, "outputs", "vjp");
    const vs = checkV(v, outs, "vjp", "output");
    const gs = fillZeros(autogradGrad(outs, ins, vs, cg), ins, opts.strict ?? false, "vjp", "back");
    const outP = postprocess(outs, cg);
    return [raw instanceof Tensor ? outP[0] : outP, shaped(postprocess(gs, cg), single)] as [Out, In];
  });
}

/** The Jacobian-vector product J·v of `func` at `inputs` (through double backward): `[outputs, jvp]`. */
export function jvp(func: (...xs: Tensor[]) => Out, inputs: In, v?: In | null, opts: FunctionalOptions = {}): [Out, Out] {
  const cg = opts.createGraph ?? false;
  const ins = preprocess(asList(inputs, "inputs", "jvp"), cg);
  const vs = v === null || v === undefined ? null : asList(v, "v", "jvp");
  if (vs === null && (ins.length !== 1 || ins[0].numel() !== 1)) {
    throw new Error("tstorch: torch.autograd.functional.jvp: The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.");
  }
  return enableGrad(() => {
    const raw = func(...ins);
    const outs = asList(raw, "outputs", "jvp");
    const u = outs.map((o) => zerosLike(o).requiresGrad_(true));
    const gu = autogradGrad(outs, ins, u, true);
    const gIns = fillZeros(gu, ins, opts.strict ?? false, "jvp", "back");
    const r = autogradGrad(gIns, u, vs, cg);
    const res = r.map((g, i) => {
      if (g === null) {
        if (opts.strict) throw new Error(`tstorch: torch.autograd.functional.jvp: The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
        return zerosLike(outs[i]);
      }
      return g;
    });
    const outP = postprocess(outs, cg);
    const resP = postprocess(res, cg);
    return [raw instanceof Tensor ? outP[0] : outP, raw instanceof Tensor ? resP[0] : resP] as [Out, Out];
  });
}

/**
 * The Jacobian of `func` at `inputs`: for one input and one output a Tensor of shape
 * output.shape + input.shape; for arrays, nested arrays [output i][input j].
 */
export function jacobian(func: (...xs: Tensor[]) => Out, inputs: In, opts: FunctionalOptions & { vectorize?: boolean; strategy?: "reverse-mode" } = {}): Tensor | Tensor[] | Tensor[][] {
  if (opts.vectorize) throw new Error("tstorch: torch.autograd.functional.jacobian: vectorize=true is not supported (PyTorch's vmap path); leave it false");
  if (opts.strategy !== undefined && opts.strategy !== "reverse-mode") throw new Error(`tstorch: torch.autograd.functional.jacobian: strategy '${opts.strategy}' is not supported; only 'reverse-mode'`);
  const cg = opts.createGraph ?? false;
  const singleIn = inputs instanceof Tensor;
  const ins = preprocess(asList(inputs, "inputs", "jacobian"), cg);
  return enableGrad(() => {
    const raw = func(...ins);
    const outs = asList(raw, "outputs", "jacobian");
    const singleOut = raw instanceof Tensor;
    const jac: Tensor[][] = outs.map((o, i) => {
      const rows: Tensor[][] = ins.map(() => []);
      const flat = o.reshape(-1);
      const n = flat.numel();
      for (let k = 0; k < n; k++) {
        const gs = flat.requiresGrad ? grad([flat.select(0, k)], ins, { retainGraph: true, createGraph: cg, allowUnused: true }) : ins.map(() => null);
        gs.forEach((g, j) => {
          if (g === null && opts.strict) {
            throw new Error(`tstorch: torch.autograd.functional.jacobian: Output ${i} of the user-provided function is independent of input ${j}. This is not allowed in strict mode.`);
          }
          rows[j].push(g ?? zerosLike(ins[j]));
        });
      }
      return ins.map((x, j) => {
        const st = n === 0 ? zerosLike(x).reshape([0, ...x.shape]) : stack(rows[j], 0);
        return st.view([...o.shape, ...x.shape]);
      });
    });
    const post = jac.map((row) => postprocess(row, cg));
    if (singleOut && singleIn) return post[0][0];
    if (singleOut) return post[0];
    if (singleIn) return post.map((row) => row[0]);
    return post;
  });
}

function scalarOut(raw: Out, fn: string): Tensor {
  const outs = asList(raw, "outputs", fn);
  if (!(raw instanceof Tensor) || outs.length !== 1) throw new Error(`tstorch: torch.autograd.functional.${fn}: The function given to ${fn} should return a single Tensor`);
  if (outs[0].numel() !== 1) throw new Error(`tstorch: torch.autograd.functional.${fn}: The Tensor returned by the function given to ${fn} should contain a single element`);
  return outs[0];
}

/** The Hessian of a scalar function: shape input.shape + input.shape (nested arrays for several inputs). */
export function hessian(func: (...xs: Tensor[]) => Tensor, inputs: In, opts: FunctionalOptions & { vectorize?: boolean } = {}): Tensor | Tensor[][] {
  const singleIn = inputs instanceof Tensor;
  const jacFunc = (...xs: Tensor[]): Out => {
    const out = scalarOut(func(...xs), "hessian");
    const gs = grad([out], xs, { createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(xs[i]));
  };
  const r = jacobian(jacFunc, singleIn ? [inputs as Tensor] : inputs, opts) as Tensor[][];
  return singleIn ? r[0][0] : r;
}

/** The gradient `jac` of a scalar function at `ins` (made with a graph) to vhp's or hvp's product with `vs`. */
type SecondOrderProduct = (jac: Tensor[], ins: Tensor[], vs: Tensor[] | null, createGraph: boolean, strict: boolean) => Tensor[];

/** vhp and hvp: their checks of the function and v, the first backward, and the result's shape; `product` is what differs. */
function scalarSecondOrder(fn: "vhp" | "hvp", func: (...xs: Tensor[]) => Tensor, inputs: In, v: In | null | undefined, opts: FunctionalOptions, product: SecondOrderProduct): [Tensor, In] {
  const cg = opts.createGraph ?? false;
  const strict = opts.strict ?? false;
  const single = inputs instanceof Tensor;
  const ins = preprocess(asList(inputs, "inputs", fn), cg);
  return enableGrad(() => {
    const out = scalarOut(func(...ins), fn);
    const vs = v === null || v === undefined ? null : checkV(v, ins, fn, "input");
    if (vs === null && (ins.length !== 1 || ins[0].numel() !== 1)) throw new Error(`tstorch: torch.autograd.functional.${fn}: The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.`);
    const jac = fillZeros(autogradGrad([out], ins, null, true), ins, strict, fn, "back");
    const r = product(jac, ins, vs, cg, strict);
    return [postprocess([out], cg)[0], shaped(postprocess(r, cg), single)] as [Tensor, In];
  });
}

/** vᵀ·H of a scalar function: `[output, vhp]`. */
export function vhp(func: (...xs: Tensor[]) => Tensor, inputs: In, v?: In | null, opts: FunctionalOptions = {}): [Tensor, In] {
  return scalarSecondOrder("vhp", func, inputs, v, opts, (jac, ins, vs, cg, strict) => fillZeros(autogradGrad(jac, ins, vs, cg), ins, strict, "vhp", "double"));
}

/** H·v of a scalar function (through double backward, as PyTorch): `[output, hvp]`. */
export function hvp(func: (...xs: Tensor[]) => Tensor, inputs: In, v?: In | null, opts: FunctionalOptions = {}): [Tensor, In] {
  return scalarSecondOrder("hvp", func, inputs, v, opts, (jac, ins, vs, cg, strict) => {
    const gradJac = ins.map((x) => zerosLike(x).requiresGrad_(true));
    const doubleBack = fillZeros(autogradGrad(jac, ins, gradJac, true), ins, strict, "hvp", "double");
    return fillZeros(autogradGrad(doubleBack, gradJac, vs, cg), ins, strict, "hvp", "double");
  });
}
