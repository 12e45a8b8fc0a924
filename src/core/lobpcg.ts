// torch.lobpcg: the k largest (or smallest) eigenpairs of a symmetric positive definite (generalised)
// eigenproblem A X = B X E by LOBPCG. PyTorch writes it in Python (torch/_lobpcg.py, 1.13's form) over
// ATen ops; this is a port over the same ops (linalg.eigh, linalg.cholesky, solve_triangular,
// geqrf/orgqr, randn from the default generator), so one seed and one X give PyTorch's numbers.
// Both of its methods ("ortho", the default, and "basic") are ported; PyTorch's backward through
// lobpcg (LOBPCGAutogradFunction) and its Python tracker callback are not.
import { randn } from "./creation.js";
import type { DType } from "./dtype.js";
import { ops } from "./ops.js";
import { keep, scope } from "./scope.js";
import type { Tensor } from "./tensor.js";

const aten = ops.aten as unknown as Record<string, (...args: unknown[]) => any>;

export interface LobpcgOptions {
  /** Number of eigenpairs wanted (default: X's columns, or 1). */
  k?: number | null;
  /** The right-hand side of A X = B X E (default: the identity). */
  B?: Tensor | null;
  /** Initial approximation of the eigenvectors, m × n (default: randn from the default generator). */
  X?: Tensor | null;
  /** Size of the approximation when X is not given (default k). */
  n?: number | null;
  /** A preconditioner (m × m), applied to the residual. */
  iK?: Tensor | null;
  /** Maximum iterations (default 1000; -1 for no limit until converged). */
  niter?: number | null;
  /** Residual tolerance (default sqrt of the dtype's epsilon). */
  tol?: number | null;
  /** Largest eigenvalues (default true) or smallest. */
  largest?: boolean | null;
  /** "ortho" (default; orthogonal basis selection) or "basic". */
  method?: "ortho" | "basic" | null;
  /** PyTorch's ortho_iparams: ortho_i_max, ortho_j_max (default 3 each). */
  orthoIparams?: { ortho_i_max?: number; ortho_j_max?: number } | null;
  /** PyTorch's ortho_fparams: ortho_tol, ortho_tol_drop, ortho_tol_replace (default tol). */
  orthoFparams?: { ortho_tol?: number; ortho_tol_drop?: number; ortho_tol_replace?: number } | null;
  /** PyTorch's ortho_bparams: ortho_use_drop (default false). */
  orthoBparams?: { ortho_use_drop?: boolean } | null;
}

const T = (A: Tensor): Tensor => A.transpose(A.ndim - 1, A.ndim - 2);
const mmB = (A: Tensor | null, B: Tensor): Tensor => (A === null ? B : A.matmul(B));
/** Sᵀ A S */
const qform = (A: Tensor | null, S: Tensor): Tensor => T(S).matmul(mmB(A, S));
const num = (t: Tensor): number => Number(t.item());
const frob = (t: Tensor): number => num(aten.linalg_vector_norm(t));

/** Eigenpairs of a symmetric A, ascending or (largest) descending. */
function symeig(A: Tensor, largest = false): [Tensor, Tensor] {
  const [E, Z] = aten.linalg_eigh(A, "U") as Tensor[];
  return largest ? [E.flip([-1]), Z.flip([-1])] : [E, Z];
}
/** An orthonormal basis of A's columns (geqrf + orgqr on the CPU, as PyTorch; linalg.qr elsewhere). */
function basis(A: Tensor): Tensor {
  if (A.device.type !== "cpu") return (aten.linalg_qr(A) as Tensor[])[0];
  const [a, tau] = aten.geqrf(A) as Tensor[];
  return aten.orgqr(a, tau);
}
/** Indices where a 1-d boolean mask holds (torch.where(mask)[0]). */
const where1 = (mask: Tensor): Tensor => mask.nonzero().flatten();
const cols = (S: Tensor, a: number, b?: number): Tensor => S.slice(1, a, b ?? null);

interface Params {
  m: number; n: number; k: number; niter: number; tol: number; largest: boolean;
  iMax: number; jMax: number; orthoTol: number; tolDrop: number; tolReplace: number; useDrop: boolean;
}

/** PyTorch's LOBPCG worker class: one eigenproblem, its iteration state. */
class Worker {
  X: Tensor;
  E: Tensor;
  R: Tensor;
  S: Tensor;
  private istep = 0;
  private iterationsLeft = 0;
  private convergedCount = 0;
  private convergedEnd = 0;
  private ANorm = 0;
  private BNorm = 0;

  constructor(private A: Tensor, private B: Tensor | null, X: Tensor, private iK: Tensor | null, private p: Params, private method: "ortho" | "basic") {
    const opts = { dtype: X.dtype, device: X.device };
    this.X = X;
    this.E = aten.zeros([p.n], opts);
    this.R = aten.zeros([p.m, p.n], opts);
    this.S = aten.zeros([p.m, 3 * p.n], opts);
  }

  run(): void {
    this.update();
    while (!(this.iterationsLeft === 0 || this.convergedCount >= this.p.k)) this.update();
  }

  private update(): void {
    if (this.istep === 0) {
      const iXNorm = frob(this.X) ** -1;
      this.ANorm = frob(mmB(this.A, this.X)) * iXNorm;
      this.BNorm = frob(mmB(this.B, this.X)) * iXNorm;
      this.iterationsLeft = this.p.niter;
      this.convergedCount = 0;
      this.convergedEnd = 0;
    }
    scope(() => (this.method === "ortho" ? this.updateOrtho() : this.updateBasic()));
    this.iterationsLeft--;
    this.istep++;
  }

  /** Keeps a tensor made inside update()'s scope as the worker's state, freeing the one it replaces. */
  private keep(name: "X" | "E" | "R" | "S", t: Tensor): void {
    if (this[name] === t) return;
    this[name].dispose();
    this[name] = keep(t);
  }

  private updateResidual(): void {
    this.keep("R", mmB(this.A, this.X).sub(mmB(this.B, this.X).mul(this.E)));
  }

  /** The number of leading eigenpairs whose backward-stable residual is below tol (DuerschEtal2018, 4.3). */
  private updateConvergedCount(): number {
    const { E, X, R } = this;
    const rerr = aten.linalg_vector_norm(R, 2, [0]).mul(
      aten.linalg_vector_norm(X, 2, [0]).mul(E.slice(0, 0, X.shape[1]).mul(this.BNorm).add(this.ANorm)).pow(-1),
    );
    const converged = rerr.lt(this.p.tol).toArray() as boolean[];
    let count = 0;
    while (count < converged.length && converged[count]) count++;
    if (count < this.convergedCount) throw new Error(`lobpcg: the number of converged eigenpairs (was ${this.convergedCount}, got ${count}) cannot decrease`);
    this.convergedCount = count;
    return count;
  }

  private updateOrtho(): void {
    let ns = this.convergedEnd;
    let nc = this.convergedCount;
    const { n, largest } = this.p;
    if (this.istep === 0) {
      const Ri = this.rayleighRitzTransform(this.X);
      const [E, Z] = symeig(qform(qform(this.A, this.X), Ri), largest);
      this.keep("X", this.X.matmul(Ri.matmul(Z)));
      this.updateResidual();
      nc = this.updateConvergedCount();
      cols(this.S, 0, n).copy_(this.X);
      const W = this.ortho(this.R, this.X);
      ns = this.convergedEnd = n + W.shape[1];
      cols(this.S, n, ns).copy_(W);
      void E; // PyTorch leaves E at zeros after the first step too: the next step's Rayleigh-Ritz sets it
    } else {
      const S_ = cols(this.S, nc, ns);
      const [E_, Z] = symeig(qform(this.A, S_), largest);
      cols(this.X, nc).copy_(S_.matmul(cols(Z, 0, n - nc)));
      this.E.slice(0, nc).copy_(E_.slice(0, 0, n - nc));
      const P = S_.matmul(cols(Z, n - nc).matmul(basis(T(Z.slice(0, 0, n - nc).slice(1, n - nc)))));
      const np = P.shape[1];
      this.updateResidual();
      nc = this.updateConvergedCount();
      cols(this.S, 0, n).copy_(this.X);
      cols(this.S, n, n + np).copy_(P);
      const W = this.ortho(cols(this.R, nc), cols(this.S, 0, n + np));
      ns = this.convergedEnd = n + np + W.shape[1];
      cols(this.S, n + np, ns).copy_(W);
    }
  }

  private updateBasic(): void {
    let ns = this.convergedEnd;
    let nc = this.convergedCount;
    const { n, largest } = this.p;
    if (this.istep === 0) {
      const Ri = this.rayleighRitzTransform(this.X);
      const [E, Z] = symeig(qform(qform(this.A, this.X), Ri), largest);
      this.X.copy_(this.X.matmul(Ri.matmul(Z)));
      this.E.copy_(E);
      this.updateResidual();
      nc = this.updateConvergedCount();
      cols(this.S, 0, n).copy_(this.X);
      const W = mmB(this.iK, this.R);
      ns = this.convergedEnd = n + W.shape[1];
      cols(this.S, n, ns).copy_(W);
    } else {
      const S_ = cols(this.S, nc, ns);
      const Ri = this.rayleighRitzTransform(S_);
      const [E_, Z] = symeig(qform(qform(this.A, S_), Ri), largest);
      cols(this.X, nc).copy_(S_.matmul(Ri.matmul(cols(Z, 0, n - nc))));
      this.E.slice(0, nc).copy_(E_.slice(0, 0, n - nc));
      const P = S_.matmul(Ri.matmul(cols(Z, n, 2 * n - nc)));
      const np = P.shape[1];
      this.updateResidual();
      nc = this.updateConvergedCount();
      cols(this.S, 0, n).copy_(this.X);
      cols(this.S, n, n + np).copy_(P);
      const W = mmB(this.iK, cols(this.R, nc));
      ns = this.convergedEnd = n + np + W.shape[1];
      cols(this.S, n + np, ns).copy_(W);
    }
  }

  /** Ri with (Ri ᵀ Sᵀ A S Ri) Z = Z E the standard form of the projected generalised problem. */
  private rayleighRitzTransform(S: Tensor): Tensor {
    const SBS = qform(this.B, S);
    const dRow = SBS.diagonal(0, -2, -1).pow(-0.5);
    const dCol = dRow.reshape(dRow.shape[0], 1);
    const R = aten.linalg_cholesky(SBS.mul(dRow).mul(dCol), { upper: true });
    return aten.linalg_solve_triangular(R, dRow.diagEmbed(), { upper: true, left: false });
  }

  /** B-orthonormal U (Algorithm 4 of DuerschPhD2015), its weak columns dropped when `drop`. */
  private svqb(U: Tensor, drop: boolean, tau: number): Tensor {
    if (U.numel() === 0) return U;
    let UBU = qform(this.B, U);
    let d = UBU.diagonal(0, -2, -1);
    const nz = where1(d.abs().ne(0));
    if (nz.numel() < d.numel()) {
      // exact zero columns would make d ** -0.5 infinite: PyTorch drops them first
      U = U.indexSelect(1, nz);
      if (U.numel() === 0) return U;
      UBU = qform(this.B, U);
      d = UBU.diagonal(0, -2, -1);
    }
    let dCol = d.pow(-0.5).reshape(d.shape[0], 1);
    let [E, Z] = symeig(UBU.mul(dCol).mul(T(dCol)));
    const t = tau * num(E.abs().max());
    if (drop) {
      const keep = where1(E.gt(t));
      E = E.indexSelect(0, keep);
      Z = Z.indexSelect(1, keep);
      dCol = dCol.indexSelect(0, keep);
    } else {
      E = aten.clamp_min(E, t); // PyTorch's E[E < t] = t
    }
    return U.mul(T(dCol)).matmul(Z.mul(E.pow(-0.5)));
  }

  /** B-orthonormal U whose columns are B-orthogonal to V (Algorithms 3 / 6 of DuerschPhD2015). */
  private ortho(U: Tensor, V: Tensor): Tensor {
    const { m, iMax, jMax, orthoTol, tolDrop, tolReplace, useDrop } = this.p;
    const BVNorm = frob(mmB(this.B, V));
    let BU = mmB(this.B, U);
    let VBU = T(V).matmul(BU);
    for (let i = 0; i < iMax; i++) {
      U = U.sub(V.matmul(VBU));
      let drop = false;
      let tauSvqb = tolDrop;
      for (let j = 0; j < jMax; j++) {
        if (useDrop) {
          U = this.svqb(U, drop, tauSvqb);
          drop = true;
          tauSvqb = tolReplace;
        } else {
          U = this.svqb(U, false, tolReplace);
        }
        if (U.numel() === 0) return U; // every column of U is B-collinear to V
        BU = mmB(this.B, U);
        const UBU = T(U).matmul(BU);
        const RNorm = frob(UBU.sub(aten.eye(UBU.shape[1], { dtype: UBU.dtype, device: UBU.device })));
        if (RNorm * (frob(BU) * frob(U)) ** -1 < orthoTol) break;
      }
      VBU = T(V).matmul(BU);
      if (frob(VBU) * (BVNorm * frob(U)) ** -1 < orthoTol) break;
      if (m < U.shape[1] + V.shape[1]) {
        throw new Error(`lobpcg: overdetermined shape of U: #B-cols(=${m}) >= #U-cols(=${U.shape[1]}) + #V-cols(=${V.shape[1]}) must hold`);
      }
    }
    return U;
  }
}

function floatingDtype(A: Tensor): DType {
  const d = A.dtype;
  return d === "float32" || d === "float64" ? d : "float32";
}

/**
 * PyTorch's `torch.lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None,
 * method=None, tracker=None, ortho_iparams, ortho_fparams, ortho_bparams)`: [E, X], the k eigenvalues
 * (largest first by default) and their eigenvectors (m × k), of a batch of problems too (A: (*, m, m)).
 */
export function lobpcg(A: Tensor, opts: LobpcgOptions = {}): [E: Tensor, X: Tensor] {
  if (A.requiresGrad || (opts.B?.requiresGrad ?? false)) {
    throw new Error("lobpcg: gradients through lobpcg are not supported in tstorch (PyTorch's LOBPCGAutogradFunction is not ported); call it on A.detach() (and B.detach())");
  }
  const method = opts.method ?? "ortho";
  if (method !== "ortho" && method !== "basic") throw new Error(`lobpcg: unknown method '${String(method)}' (ortho or basic)`);
  if (A.ndim < 2 || A.shape[A.ndim - 2] !== A.shape[A.ndim - 1]) throw new Error(`lobpcg: A must be square (…, m, m), got [${A.shape.join(", ")}]`);
  const B = opts.B ?? null;
  if (B !== null && B.shape.join() !== A.shape.join()) throw new Error(`lobpcg: A and B must have the same shape, got [${A.shape.join(", ")}] and [${B.shape.join(", ")}]`);
  const X0 = opts.X ?? null;
  const dtype = floatingDtype(A);
  const tol = opts.tol ?? (dtype === "float64" ? 2.23e-16 : 1.2e-7) ** 0.5;
  const m = A.shape[A.ndim - 1];
  const k = opts.k ?? (X0 === null ? 1 : X0.shape[X0.ndim - 1]);
  const n = X0 === null ? opts.n ?? k : X0.shape[X0.ndim - 1];
  if (m < 3 * n) {
    throw new Error(`lobpcg: LOBPCG is not applicable when the number of A rows (=${m}) is smaller than 3 x the number of requested eigenpairs (=${n})`);
  }
  const p: Params = {
    m, n, k, tol, niter: opts.niter ?? 1000, largest: opts.largest ?? true,
    iMax: opts.orthoIparams?.ortho_i_max ?? 3, jMax: opts.orthoIparams?.ortho_j_max ?? 3,
    orthoTol: opts.orthoFparams?.ortho_tol ?? tol, tolDrop: opts.orthoFparams?.ortho_tol_drop ?? tol,
    tolReplace: opts.orthoFparams?.ortho_tol_replace ?? tol, useDrop: opts.orthoBparams?.ortho_use_drop ?? false,
  };
  const iK = opts.iK ?? null;
  const solve = (A_: Tensor, B_: Tensor | null, X_: Tensor | null): [Tensor, Tensor] => {
    const X = X_ ?? randn([m, n], { dtype, device: A.device });
    if (X.ndim !== 2 || X.shape[0] !== m || X.shape[1] !== n) throw new Error(`lobpcg: X must be ${m} × ${n}, got [${X.shape.join(", ")}]`);
    // the worker writes into X in place (as PyTorch's does into the caller's X): work on a copy
    const w = new Worker(A_, B_, X.clone(), iK, p, method);
    w.run();
    return [w.E.slice(0, 0, k), cols(w.X, 0, k)];
  };
  return scope(() => {
    if (A.ndim === 2) return solve(A, B, X0);
    const batch = A.shape.slice(0, -2);
    const N = batch.reduce((a, b) => a * b, 1);
    const bA = A.reshape(N, m, m);
    const bB = B?.reshape(N, m, m) ?? null;
    const bX = X0?.reshape(N, m, n) ?? null;
    const Es: Tensor[] = [];
    const Xs: Tensor[] = [];
    for (let i = 0; i < N; i++) {
      const [E, X] = solve(bA.get(i), bB?.get(i) ?? null, bX?.get(i) ?? null);
      Es.push(E);
      Xs.push(X);
    }
    return [aten.stack(Es).reshape([...batch, k]), aten.stack(Xs).reshape([...batch, m, k])];
  });
}
