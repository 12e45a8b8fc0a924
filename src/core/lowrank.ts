// torch.svd_lowrank and torch.pca_lowrank: Halko et al.'s randomized low-rank SVD, a Python algorithm
// in PyTorch (torch/_lowrank.py, 1.13's form) over ATen ops; ported here over the same ops (randn from
// the default generator, linalg.qr, matmul, linalg.svd), so one seed gives PyTorch 1.13's numbers.
import * as linalg from "../generated/linalg.js";
import { randn } from "./creation.js";
import { DType } from "./dtype.js";
import { scope } from "./scope.js";
import { Tensor } from "./tensor.js";

type Triple = [U: Tensor, S: Tensor, V: Tensor];

function floatingDtype(A: Tensor): DType {
  const d = A.dtype;
  return d === "float16" || d === "float32" || d === "float64" ? d : "float32";
}
const transpose = (A: Tensor): Tensor => A.transpose(A.ndim - 1, A.ndim - 2);
const conjugate = (A: Tensor): Tensor => (A.isComplex() ? A.conj() : A);
const transjugate = (A: Tensor): Tensor => conjugate(transpose(A));
const minus = (a: Tensor, M: Tensor | null, b: Tensor): Tensor => (M === null ? a : a.sub(M.matmul(b)));

/** An orthonormal basis Q (m×q) approximating the range of A - M, after `niter` subspace iterations. */
function approximateBasis(A: Tensor, q: number, niter: number, M: Tensor | null): Tensor {
  const n = A.shape[A.ndim - 1];
  const R = randn([n, q], { dtype: floatingDtype(A), device: A.device });
  const AH = transjugate(A);
  const MH = M === null ? null : transjugate(M);
  let Q = linalg.qr(minus(A.matmul(R), M, R)).Q;
  for (let i = 0; i < niter; i++) {
    Q = linalg.qr(minus(AH.matmul(Q), MH, Q)).Q;
    Q = linalg.qr(minus(A.matmul(Q), M, Q)).Q;
  }
  return Q;
}

function svdLowrankImpl(A: Tensor, q: number, niter: number, M: Tensor | null): Triple {
  const [m, n] = A.shape.slice(-2);
  const Mt = M === null ? null : transpose(M);
  const At = transpose(A);
  if (m < n || n > q) {
    const Q = approximateBasis(At, q, niter, Mt);
    const Qc = conjugate(Q);
    const Bt = minus(A.matmul(Qc), M, Qc);
    const [U, S, Vh] = linalg.svd(Bt, false);
    return [U, S, Q.matmul(Vh.transpose(-2, -1).conj())];
  }
  const Q = approximateBasis(A, q, niter, M);
  const Qc = conjugate(Q);
  const Bt = transpose(minus(At.matmul(Qc), Mt, Qc));
  const [U, S, Vh] = linalg.svd(Bt, false);
  return [Q.matmul(U), S, Vh.transpose(-2, -1).conj()];
}

/** [U, S, V] with A ≈ U diag(S) Vᴴ (of A - M when M is given), q (default 6) singular triplets. */
export function svdLowrank(A: Tensor, q: number | null = 6, niter: number | null = 2, M: Tensor | null = null): Triple {
  return scope(() => svdLowrankImpl(A, q ?? 6, niter ?? 2, M));
}

/** PCA of A's rows: svdLowrank of A minus its column means (center: true), q = min(6, m, n) by default. */
export function pcaLowrank(A: Tensor, q: number | null = null, center = true, niter = 2): Triple {
  const [m, n] = A.shape.slice(-2);
  const k = q ?? Math.min(6, m, n);
  if (q !== null && !(Number.isInteger(q) && q >= 0 && q <= Math.min(m, n))) {
    throw new Error(`tstorch: pcaLowrank: q(=${q}) must be non-negative integer and not greater than min(m, n)=${Math.min(m, n)}`);
  }
  if (!(niter >= 0)) throw new Error(`tstorch: pcaLowrank: niter(=${niter}) must be non-negative integer`);
  if (!center) return svdLowrank(A, k, niter);
  return scope(() => svdLowrankImpl(A.sub(A.mean([-2], true)), k, niter, null));
}
