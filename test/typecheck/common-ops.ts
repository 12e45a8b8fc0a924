// Thirty common PyTorch operations by their camelCased names, as a user writes them: every one is
// a generated, typed function or method (no casts, no `any` in the inferred types; checked by
// test/generated-surface.test.ts, which also compares each value with PyTorch's).
import * as torch from "../../src/index.js";

export function commonOps(): Record<string, torch.Tensor | number | boolean> {
  const a = torch.arange(12, 0, -1, { dtype: "float32" }).sin().reshape(3, 4); // deterministic data
  const b = torch.arange(8, { dtype: "float32" }).cos().reshape(4, 2);
  const idx = torch.tensor([[0n, 2n], [1n, 3n], [3n, 0n]]);
  const sq = torch.mm(a.T, a).add(torch.eye(4));
  const out: Record<string, torch.Tensor | number | boolean> = {};
  out.einsum = torch.einsum("ij,jk->ik", [a, b]);
  const tril = torch.tril(a, -1);
  out.tril = tril;
  out.triu = a.triu(1);
  out.roll = torch.roll(a, [1], [1]);
  out.scatter = torch.zeros(3, 4).scatter(1, idx, torch.ones(3, 2));
  out.nonzero = torch.nonzero(tril);
  out.cdist = torch.cdist(a, a.flip([0]));
  out.cumprod = a.cumprod(1);
  out.logcumsumexp = torch.logcumsumexp(a, 0);
  out.diff = torch.diff(a, 1, 1);
  out.kron = torch.kron(b, torch.eye(2));
  out.outer = torch.outer(a.flatten(), b.flatten()).sum(0);
  out.cross = torch.linalg.cross(a.narrow(1, 0, 3), a.narrow(1, 1, 3));
  out.inv = torch.linalg.inv(sq);
  out.det = torch.linalg.det(sq);
  out.eigvalsh = torch.linalg.eigvalsh(sq);
  const { Q, R } = torch.linalg.qr(sq);
  const qr = Q.matmul(R);
  out.qr = qr;
  out.fftAbs = torch.fft.rfft(a).abs();
  out.erfinv = torch.special.erfinv(a.mul(0.5));
  out.clampMin = a.clampMin(0);
  out.hardtanh = torch.functional.hardtanh(a.mul(3));
  out.softplus = torch.functional.softplus(a, 2);
  out.baddbmm = torch.baddbmm(a.unsqueeze(0), a.unsqueeze(0), torch.eye(4).unsqueeze(0), { beta: 0.5, alpha: 2 });
  out.where = torch.where(a.gt(0), a, b.sum());
  out.topk = a.topk(2, { largest: false }).values;
  out.sortIdx = torch.sort(a, 1, true).indices;
  out.argsort = a.argsort(0);
  out.unique = torch.uniqueConsecutive(torch.tensor([1n, 1n, 2n, 2n, 3n, 1n]))[0];
  out.countNonzero = torch.countNonzero(tril, 0);
  out.isclose = torch.isclose(a, a.add(1e-9), torch.scalar(1e-5), torch.scalar(1e-8)).all();
  out.var = torch.var(a, [1], { correction: 0 });
  out.meanEmpty = torch.mean(a, []);
  out.trace = a.matmul(a.T).trace().item();
  out.allclose = torch.allclose(qr, sq, 1e-4, 1e-4);
  return out;
}

/** The same program in PyTorch (test/generated-surface.test.ts runs it with /usr/bin/python3). */
export const COMMON_OPS_PY = `
import torch
a = torch.arange(12, 0, -1, dtype=torch.float32).sin().reshape(3, 4)
b = torch.arange(8, dtype=torch.float32).cos().reshape(4, 2)
idx = torch.tensor([[0, 2], [1, 3], [3, 0]])
sq = torch.mm(a.T, a) + torch.eye(4)
out = {}
out["einsum"] = torch.einsum("ij,jk->ik", a, b)
out["tril"] = torch.tril(a, -1)
out["triu"] = a.triu(1)
out["roll"] = torch.roll(a, [1], [1])
out["scatter"] = torch.zeros(3, 4).scatter(1, idx, torch.ones(3, 2))
out["nonzero"] = torch.nonzero(out["tril"])
out["cdist"] = torch.cdist(a, a.flip([0]))
out["cumprod"] = a.cumprod(1)
out["logcumsumexp"] = torch.logcumsumexp(a, 0)
out["diff"] = torch.diff(a, 1, 1)
out["kron"] = torch.kron(b, torch.eye(2))
out["outer"] = torch.outer(a.flatten(), b.flatten()).sum(0)
out["cross"] = torch.linalg.cross(a.narrow(1, 0, 3), a.narrow(1, 1, 3))
out["inv"] = torch.linalg.inv(sq)
out["det"] = torch.linalg.det(sq)
out["eigvalsh"] = torch.linalg.eigvalsh(sq)
Q, R = torch.linalg.qr(sq)
out["qr"] = Q @ R
out["fftAbs"] = torch.fft.rfft(a).abs()
out["erfinv"] = torch.special.erfinv(a * 0.5)
out["clampMin"] = a.clamp_min(0)
out["hardtanh"] = torch.nn.functional.hardtanh(a * 3)
out["softplus"] = torch.nn.functional.softplus(a, 2)
out["baddbmm"] = torch.baddbmm(a.unsqueeze(0), a.unsqueeze(0), torch.eye(4).unsqueeze(0), beta=0.5, alpha=2)
out["where"] = torch.where(a > 0, a, b.sum())
out["topk"] = a.topk(2, largest=False).values
out["sortIdx"] = torch.sort(a, 1, True).indices
out["argsort"] = a.argsort(0)
out["unique"] = torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1]))
out["countNonzero"] = torch.count_nonzero(out["tril"], 0)
out["isclose"] = torch.isclose(a, a + 1e-9, 1e-5, 1e-8).all()
out["var"] = torch.var(a, [1], correction=0)
out["meanEmpty"] = torch.mean(a, [])
out["trace"] = (a @ a.T).trace().item()
out["allclose"] = torch.allclose(out["qr"], sq, 1e-4, 1e-4)
`;
