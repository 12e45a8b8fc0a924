// torch/functional.py's Python-level signatures (issue 20 point 4): each call written as in PyTorch
// (int dims, varargs, option flags) gives PyTorch's result on the same inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { dedent, runPython } from "./helpers/python.js";

const skip = pyTorchSkipReason();

const A = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]; // [2, 3, 2]
const B = [[[1, 0, 2], [0, 1, 1]], [[2, 1, 0], [1, 1, 1]], [[0, 0, 1], [1, 2, 0]]]; // [3, 2, 3]
const M = [[4, 3, 1], [6, 3, 2], [1, 5, 7]];
const U = [3, 1, 2, 3, 1, 5, 3];
const SIG = Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7) + 0.25 * Math.cos(i * 1.9));

function close(a: unknown, b: unknown, what: string, tol = 1e-4): void {
  const fa = [a].flat(Infinity as 1) as number[];
  const fb = [b].flat(Infinity as 1) as number[];
  assert.equal(fa.length, fb.length, `${what}: sizes`);
  fa.forEach((v, i) => assert.ok(Math.abs(v - fb[i]) <= tol * (1 + Math.abs(fb[i])), `${what}[${i}]: ${v} vs ${fb[i]}`));
}

test("tensordot, einsum, meshgrid, split, atleast*, broadcastTensors, blockDiag, cartesianProd, chainMatmul, unique, cdist, norm, lu, stft/istft equal PyTorch's", { skip }, () => {
  const py = runPython(dedent(`
    import torch
    A = torch.tensor(INPUT["A"], dtype=torch.float64); B = torch.tensor(INPUT["B"], dtype=torch.float64)
    M = torch.tensor(INPUT["M"], dtype=torch.float64); U = torch.tensor(INPUT["U"])
    S = torch.tensor(INPUT["S"], dtype=torch.float64)
    x, y = torch.tensor([1., 2., 3.]), torch.tensor([4., 5.])
    out = {}
    out["td2"] = torch.tensordot(A, B, 2)
    out["td1"] = torch.tensordot(M, M, 1)
    out["tdl"] = torch.tensordot(A, B, ([1, 2], [0, 1]))
    out["ein"] = torch.einsum("ij,jk->ik", M, M)
    out["einl"] = torch.einsum("ii", [M])
    out["mg"] = [t for t in torch.meshgrid(x, y, indexing="xy")]
    out["mgij"] = [t for t in torch.meshgrid([x, y], indexing="ij")]
    out["split2"] = [t for t in torch.split(U, 3)]
    out["splitl"] = [t for t in torch.split(U, [2, 5])]
    out["a1"] = torch.atleast_1d(torch.tensor(3.)).shape
    out["a3"] = [t.shape for t in torch.atleast_3d(x, M)]
    out["bt"] = [t for t in torch.broadcast_tensors(x.view(3, 1), y)]
    out["bd"] = torch.block_diag(M[:2, :2], torch.tensor([[9.]], dtype=torch.float64))
    out["cp"] = torch.cartesian_prod(x, y)
    out["cm"] = torch.chain_matmul(M, M, M)
    out["u"] = torch.unique(U)
    out["uic"] = [t for t in torch.unique(U, sorted=True, return_inverse=True, return_counts=True)]
    out["ud"] = [t for t in torch.unique(torch.tensor([[1, 2], [1, 2], [3, 4]]), dim=0, return_counts=True)]
    out["cd"] = [torch.cdist(A[0], B[0].T, 2.0, m) for m in ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"]]
    out["cd1"] = torch.cdist(A[0], B[0].T, p=1.0)
    out["nfro"] = torch.norm(M)
    out["n1"] = torch.norm(M, 1, dim=1)
    out["nnuc"] = torch.norm(M, "nuc")
    out["n3k"] = torch.norm(A, 3, dim=[1, 2], keepdim=True)
    LU, piv = torch.lu(M)
    out["lu"] = [LU, piv]
    LU2, piv2, inf = torch.lu(M, pivot=True, get_infos=True)
    out["luinf"] = inf
    st = torch.stft(S, 8, hop_length=2, window=torch.hann_window(8, dtype=torch.float64), return_complex=True)
    out["stft"] = torch.view_as_real(st)
    out["stft_nc"] = torch.view_as_real(torch.stft(S, 8, hop_length=4, center=False, return_complex=True))
    out["istft"] = torch.istft(st, 8, hop_length=2, window=torch.hann_window(8, dtype=torch.float64), length=32)
    OUTPUT = out
  `), { A, B, M, U, S: SIG }) as Record<string, any>;

  torch.scope(() => {
    const f64 = { dtype: "float64" as const };
    const a = torch.tensor(A, f64);
    const b = torch.tensor(B, f64);
    const m = torch.tensor(M, f64);
    const u = torch.tensor(U, { dtype: "int64" });
    const s = torch.tensor(SIG, f64);
    const x = torch.tensor([1, 2, 3], { dtype: "float32" });
    const y = torch.tensor([4, 5], { dtype: "float32" });
    close(torch.tensordot(a, b, 2).toArray(), py.td2, "tensordot(a, b, 2)");
    close(torch.tensordot(m, m, 1).toArray(), py.td1, "tensordot(m, m, 1)");
    close(torch.tensordot(a, b, [[1, 2], [0, 1]]).toArray(), py.tdl, "tensordot(a, b, ([1, 2], [0, 1]))");
    close(torch.tensordot(a, b, [1, 2], [0, 1]).toArray(), py.tdl, "tensordot ATen form");
    close(torch.tensordot(a, b).toArray(), py.td2, "tensordot default dims=2");
    close(torch.einsum("ij,jk->ik", m, m).toArray(), py.ein, "einsum varargs");
    close(torch.einsum("ii", [m]).toArray(), py.einl, "einsum list");
    close(torch.meshgrid(x, y, { indexing: "xy" }).map((t) => t.toArray()), py.mg, "meshgrid xy");
    close(torch.meshgrid([x, y]).map((t) => t.toArray()), py.mgij, "meshgrid list, default ij");
    assert.deepEqual(torch.split(u, 3).map((t) => t.toArray()), py.split2);
    assert.deepEqual(torch.split(u, [2, 5]).map((t) => t.toArray()), py.splitl);
    const one: Tensor = torch.atleast1d(torch.tensor(3, { dtype: "float32" }));
    assert.deepEqual(one.shape, py.a1);
    assert.deepEqual(torch.atleast3d(x, m).map((t) => t.shape), py.a3);
    close(torch.broadcastTensors(x.view([3, 1]), y).map((t) => t.toArray()), py.bt, "broadcastTensors");
    close(torch.blockDiag(m.slice(0, 0, 2).slice(1, 0, 2), torch.tensor([[9]], f64)).toArray(), py.bd, "blockDiag");
    close(torch.cartesianProd(x, y).toArray(), py.cp, "cartesianProd");
    close(torch.chainMatmul(m, m, m).toArray(), py.cm, "chainMatmul");
    assert.deepEqual(torch.unique(u).toArray(), py.u);
    const [uo, ui, uc] = torch.unique(u, { sorted: true, returnInverse: true, returnCounts: true });
    assert.deepEqual([uo.toArray(), ui.toArray(), uc.toArray()], py.uic);
    const [dv, dc] = torch.unique(torch.tensor([[1, 2], [1, 2], [3, 4]], { dtype: "int64" }), { dim: 0, returnCounts: true });
    assert.deepEqual([dv.toArray(), dc.toArray()], py.ud);
    const modes = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"] as const;
    modes.forEach((mode, i) => close(torch.cdist(a.select(0, 0), b.select(0, 0).t(), 2.0, mode).toArray(), py.cd[i], `cdist ${mode}`, 1e-9));
    close(torch.cdist(a.select(0, 0), b.select(0, 0).t(), 1.0).toArray(), py.cd1, "cdist p=1");
    assert.throws(() => torch.cdist(a, a, 2, "fast" as any), /fast is not a valid value for compute_mode/);
    close(torch.norm(m).toArray(), py.nfro, "norm fro");
    close(torch.norm(m, 1, { dim: 1 }).toArray(), py.n1, "norm p=1 dim=1");
    close(torch.norm(m, "nuc").toArray(), py.nnuc, "norm nuc");
    close(torch.norm(a, 3, { dim: [1, 2], keepdim: true }).toArray(), py.n3k, "norm p=3 keepdim");
    const [LU, piv] = torch.lu(m);
    close([LU.toArray(), piv.toArray()], py.lu, "lu");
    const [, , infos] = torch.lu(m, { pivot: true, getInfos: true });
    assert.deepEqual(infos.toArray(), py.luinf);
    const win = torch.hannWindow(8, { dtype: "float64" });
    const st = torch.stft(s, 8, { hopLength: 2, window: win, returnComplex: true });
    close(torch.viewAsReal(st).toArray(), py.stft, "stft centred (reflect padding)", 1e-9);
    close(torch.viewAsReal(torch.stft(s, 8, { hopLength: 4, center: false, returnComplex: true })).toArray(), py.stft_nc, "stft center=false", 1e-9);
    close(torch.istft(st, 8, { hopLength: 2, window: win, length: 32 }).toArray(), py.istft, "istft", 1e-9);
    close(py.istft, SIG, "istft inverts stft", 1e-9);
  });
});

test("tensordot's dims are checked with PyTorch's message", () => {
  torch.scope(() => {
    const a = torch.zeros([2, 3]);
    assert.throws(() => torch.tensordot(a, a, -1), /^Error: tstorch: tensordot expects dims >= 0, but got dims=-1$/);
    assert.throws(() => torch.tensordot(a, a, 3), /tensordot expects dims <= the tensors' dimensions \(2, 2\), got dims=3/);
  });
});
