// torch.nn.utils.parametrizations.orthogonal: a matrix (or batch) kept orthogonal (or with orthonormal
// columns / rows) by parametrizing it as the matrix exponential or Cayley map of a skew-symmetric
// matrix, or as a product of Householder reflections; PyTorch's _Orthogonal, op for op. With
// useTrivialization (the default) the parametrization keeps an orthogonal `base` buffer and the
// original starts at −I, so the weight is unchanged by registering it.
import { noGrad } from "../core/autograd.js";
import { eye, randn, zerosLike } from "../core/creation.js";
import { isFloatingDType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { Module, type AnyModule } from "./module.js";
import { registerParametrization } from "./parametrize.js";

const aten = ops.aten;
export type OrthogonalMap = "matrix_exp" | "cayley" | "householder";

/** The Q of A = QR with R's diagonal made non-negative (PyTorch's _make_orthogonal). */
function makeOrthogonal(a: Tensor): Tensor {
  return scope(() => {
    const [x, tau] = aten.geqrf(a) as [Tensor, Tensor];
    return aten.linalg_householder_product(x, tau).mul(x.diagonal(0, -2, -1).sgn().unsqueeze(-2));
  });
}

function isOrthogonal(q: Tensor): boolean {
  return scope(() => {
    const [n, k] = [q.shape[q.ndim - 2], q.shape[q.ndim - 1]];
    const epsOf = q.dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
    return aten.allclose(q.transpose(-2, -1).matmul(q), eye(k, k, { dtype: q.dtype, device: q.device }), { atol: 10 * n * epsOf }) as boolean;
  });
}

export class OrthogonalParametrization extends Module<[Tensor], Tensor> {
  readonly shape: number[];
  declare base: Tensor | null;
  private readonly trivial: boolean;
  constructor(weight: Tensor, readonly orthogonalMap: OrthogonalMap, useTrivialization = true) {
    super();
    this.shape = [...weight.shape];
    this.trivial = useTrivialization;
    if (useTrivialization) this.base = this.registerBuffer("base", null);
  }
  forward(x0: Tensor): Tensor {
    return scope(() => {
      let x = x0;
      let [n, k] = [x.shape[x.ndim - 2], x.shape[x.ndim - 1]];
      const transposed = n < k;
      if (transposed) {
        x = x.transpose(-2, -1);
        [n, k] = [k, n];
      }
      let q: Tensor;
      if (this.orthogonalMap !== "householder") {
        x = x.tril();
        if (n !== k) x = aten.cat([x, x.newZeros([n, n - k]).expand([...x.shape.slice(0, -2), -1, -1])], -1) as Tensor;
        const a = x.sub(x.transpose(-2, -1));
        if (this.orthogonalMap === "matrix_exp") q = aten.matrix_exp(a);
        else {
          const id = eye(n, n, { dtype: a.dtype, device: a.device });
          q = aten.linalg_solve(id.add(a, -0.5), id.add(a, 0.5));
        }
        if (n !== k) q = q.slice(-1, 0, k);
      } else {
        const a = x.tril(-1);
        const tau = a.mul(a).sum(-2).add(1).reciprocal().mul(2);
        q = aten.linalg_householder_product(a, tau).mul(x.diagonal(0, -2, -1).to("int32").unsqueeze(-2));
      }
      if (this.trivial && this.base !== null) q = this.base.matmul(q);
      return transposed ? q.transpose(-2, -1) : q;
    });
  }
  rightInverse(q0: Tensor): Tensor {
    if (!sameShape(q0.shape, this.shape)) throw new Error(`tstorch: orthogonal: expected a matrix or batch of matrices of shape ${shapeString(this.shape)}, got a tensor of shape ${shapeString(q0.shape)}`);
    return noGrad(() => scope(() => {
      let q = q0;
      const [n, k] = [q.shape[q.ndim - 2], q.shape[q.ndim - 1]];
      if (n < k) q = q.transpose(-2, -1);
      const [rows, cols] = n < k ? [k, n] : [n, k];
      if (!this.trivial) {
        if (this.orthogonalMap !== "householder") throw new Error("tstorch: orthogonal: it is not possible to assign to the matrix exponential or the Cayley parametrizations when useTrivialization is false");
        const [a, tau] = aten.geqrf(q) as [Tensor, Tensor];
        const d = a.diagonal(0, -2, -1);
        d.sign_();
        d.copy_(d.where(tau.ne(0), d.neg()));
        return n < k ? a.transpose(-2, -1) : a;
      }
      let base: Tensor;
      if (rows === cols) base = isOrthogonal(q) ? q.clone() : makeOrthogonal(q);
      else base = makeOrthogonal(aten.cat([q, randn([...q.shape.slice(0, -2), rows, rows - cols], { dtype: q.dtype, device: q.device })], -1) as Tensor);
      this.registerBuffer("base", base.detach().clone());
      this.base = this._buffers.get("base") as Tensor;
      const negId = zerosLike(q0);
      negId.diagonal(0, -2, -1).fill_(-1);
      return negId;
    }));
  }
}

/** Registers an orthogonal parametrization of `module[name]` (a matrix or a batch of them). */
export function orthogonal<M extends AnyModule>(module: M, name = "weight", orthogonalMap: OrthogonalMap | null = null, o: { useTrivialization?: boolean } = {}): M {
  const weight = module._parameters.get(name) ?? module._buffers.get(name) ?? null;
  if (!(weight instanceof Tensor)) throw new Error(`tstorch: Module '${module.constructor.name}' has no parameter or buffer with name '${name}'`);
  if (weight.ndim < 2) throw new Error(`tstorch: orthogonal: expected a matrix or batch of matrices, got a tensor of ${weight.ndim} dimensions`);
  if (!isFloatingDType(weight.dtype)) throw new Error(`tstorch: orthogonal: expected a floating point weight, got ${weight.dtype}`);
  const map = orthogonalMap ?? (weight.shape[weight.ndim - 2] === weight.shape[weight.ndim - 1] ? "matrix_exp" : "householder");
  if (!["matrix_exp", "cayley", "householder"].includes(map)) throw new Error(`tstorch: orthogonal: orthogonalMap has to be one of "matrix_exp", "cayley", "householder", got: ${map}`);
  registerParametrization(module, name, new OrthogonalParametrization(weight, map, o.useTrivialization ?? true), { unsafe: true });
  return module;
}
