// torch.lobpcg against PyTorch's on fixed symmetric positive definite problems (the same A, B, X and
// preconditioner on both sides, so the same iterates), and against linalg.eigh's exact eigenvalues.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { pyTorchSkipReason } from "./helpers/parity.js";

const m = 24;
/** A fixed SPD matrix: Mᵀ M / m + diag(1..m), M from a sine pattern. */
function spd(seed: number): number[][] {
  const M = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => Math.sin(seed * (i + 1) * (j + 2) + i)));
  return M.map((_, i) => M.map((__, j) => M.reduce((s, row) => s + row[i] * row[j], 0) / m + (i === j ? i + 1 : 0)));
}
const X0 = (n: number): number[][] => Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => Math.cos(i * 0.7 + j * 1.3) + (i === j ? 1 : 0)));

interface Case {
  name: string;
  k: number;
  n: number; // X's columns
  largest: boolean;
  method: "ortho" | "basic";
  B?: boolean;
  iK?: boolean;
  niter?: number;
}
const cases: Case[] = [
  { name: "ortho, 3 largest", k: 3, n: 3, largest: true, method: "ortho" },
  { name: "ortho, 2 smallest from 4 columns", k: 2, n: 4, largest: false, method: "ortho" },
  { name: "ortho, generalised with B", k: 2, n: 2, largest: true, method: "ortho", B: true },
  { name: "ortho, preconditioned, 3 iterations", k: 2, n: 3, largest: true, method: "ortho", iK: true, niter: 3 },
  { name: "basic, 2 largest", k: 2, n: 2, largest: true, method: "basic" },
  { name: "basic, generalised, smallest", k: 1, n: 2, largest: false, method: "basic", B: true, niter: 20 },
];

const PY = `
import torch
A = torch.tensor(INPUT["A"], dtype=torch.float64)
B = torch.tensor(INPUT["B"], dtype=torch.float64)
out = []
for c in INPUT["cases"]:
    X = torch.tensor(c["X"], dtype=torch.float64)
    E, V = torch.lobpcg(A, k=c["k"], X=X, B=B if c.get("B") else None, iK=torch.linalg.inv(A) if c.get("iK") else None,
                        largest=c["largest"], method=c["method"], niter=c.get("niter"))
    out.append({"E": E, "V": V})
OUTPUT = out
`;

const close = (got: torch.Tensor, want: number[] | number[][], tol: number, what: string) => {
  const w = torch.tensor(want, { dtype: "float64" });
  const err = got.sub(w).abs().max().item() as number;
  assert.ok(err <= tol, `${what}: max |tstorch - PyTorch| = ${err} > ${tol}`);
};

test("lobpcg gives PyTorch's eigenpairs (ortho and basic, B, iK, k < n)", { skip: pyTorchSkipReason() }, () => {
  const A = spd(0.37);
  const B = spd(0.91).map((row, i) => row.map((v, j) => v / m + (i === j ? 1 : 0)));
  const want = runPython(PY, { A, B, cases: cases.map((c) => ({ ...c, X: X0(c.n) })) }) as { E: number[]; V: number[][] }[];
  torch.scope(() => {
    const tA = torch.tensor(A, { dtype: "float64" });
    const tB = torch.tensor(B, { dtype: "float64" });
    cases.forEach((c, i) => {
      const X = torch.tensor(X0(c.n), { dtype: "float64" });
      const [E, V] = torch.lobpcg(tA, {
        k: c.k, X, B: c.B ? tB : null, iK: c.iK ? torch.linalg.inv(tA) : null, largest: c.largest, method: c.method, niter: c.niter,
      });
      assert.deepEqual(E.shape, [c.k], c.name);
      assert.deepEqual(V.shape, [m, c.k], c.name);
      close(E, want[i].E, 1e-9, `${c.name}: eigenvalues`);
      close(V, want[i].V, 1e-7, `${c.name}: eigenvectors`);
      assert.deepEqual(X.toArray(), X0(c.n), `${c.name}: the caller's X is left as it was`);
    });
  });
});

test("lobpcg converges to linalg.eigh's extreme eigenvalues; batches; float32 from a random start", () => {
  torch.scope(() => {
    const A = torch.tensor(spd(0.37), { dtype: "float64" });
    const exact = torch.linalg.eigvalsh(A).toArray() as number[];
    const [E] = torch.lobpcg(A, { k: 3 });
    (E.toArray() as number[]).forEach((v, i) => assert.ok(Math.abs(v - exact[m - 1 - i]) < 1e-6, `largest ${i}: ${v} vs ${exact[m - 1 - i]}`));
    const [Es] = torch.lobpcg(A, { k: 2, largest: false, method: "basic" });
    (Es.toArray() as number[]).forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 1e-6, `smallest ${i}: ${v} vs ${exact[i]}`));
    // a batch of two: each solved on its own
    const A2 = torch.tensor(spd(0.53), { dtype: "float64" });
    const [Eb, Vb] = torch.lobpcg(torch.stack([A, A2]), { k: 1 });
    assert.deepEqual(Eb.shape, [2, 1]);
    assert.deepEqual(Vb.shape, [2, m, 1]);
    assert.ok(Math.abs((Eb.get(0).item() as number) - exact[m - 1]) < 1e-6);
    assert.ok(Math.abs((Eb.get(1).item() as number) - (torch.linalg.eigvalsh(A2).get(m - 1).item() as number)) < 1e-6);
    const [E32] = torch.lobpcg(A.float(), { k: 1 });
    assert.equal(E32.dtype, "float32");
    assert.ok(Math.abs((E32.item() as number) - exact[m - 1]) < 1e-3);
  });
});

test("lobpcg refuses what it cannot do, with the reason", () => {
  torch.scope(() => {
    const A = torch.eye(6, 6, { dtype: "float64" });
    assert.throws(() => torch.lobpcg(A, { k: 3 }), /smaller than 3 x the number of requested eigenpairs/);
    assert.throws(() => torch.lobpcg(torch.ones([4, 5]), {}), /A must be square/);
    assert.throws(() => torch.lobpcg(A, { method: "lanczos" as "basic" }), /unknown method 'lanczos'/);
    assert.throws(() => torch.lobpcg(A.clone().requiresGrad_(true), {}), /gradients through lobpcg are not supported.*detach/);
  });
});
