// torch.nn.init's eye_, orthogonal_ and sparse_, as PyTorch's Python writes them: the same ATen calls
// on the default generator in the same order, so after the same manualSeed the values match PyTorch's.
import { noGrad } from "../core/autograd.js";
import { empty, eye, randperm } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { scope } from "../core/scope.js";
import { shapeString } from "../core/shape.js";
import type { Tensor } from "../core/tensor.js";

/** Fills a 2-D tensor with the identity (ones on the diagonal of a possibly non-square matrix). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new Error(`tstorch: eye_: only tensors with 2 dimensions are supported, got ${shapeString(t.shape)}`);
  return noGrad(() => scope(() => { t.copy_(eye(t.shape[0], t.shape[1], { dtype: t.dtype, device: t.device })); return t; }));
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal sample (Saxe et al.), scaled by gain; dims past the first are flattened. */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2) throw new Error(`tstorch: orthogonal_: only tensors with 2 or more dimensions are supported, got ${shapeString(t.shape)}`);
  if (t.numel() === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  return noGrad(() => scope(() => {
    let flat = empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
    if (rows < cols) flat = flat.t();
    let [q, r] = ops.aten.linalg_qr(flat) as [Tensor, Tensor];
    // make Q uniform: multiply each column by the sign of R's diagonal
    q = q.mul(r.diagonal().sign());
    if (rows < cols) q = q.t();
    t.view(q.shape).copy_(q);
    t.mul_(gain);
    return t;
  }));
}

/** Each column gets ceil(sparsity·rows) zeros at random rows, the rest N(0, std) (Martens 2010). */
export function sparse_(t: Tensor, sparsity: number, std = 0.01): Tensor {
  if (t.ndim !== 2) throw new Error(`tstorch: sparse_: only tensors with 2 dimensions are supported, got ${shapeString(t.shape)}`);
  const [rows, cols] = t.shape;
  const numZeros = Math.ceil(sparsity * rows);
  return noGrad(() => {
    t.normal_(0, std);
    for (let c = 0; c < cols; c++) {
      scope(() => {
        const zeroRows = randperm(rows).slice(0, 0, numZeros);
        t.select(1, c).indexFill_(0, zeroRows, 0);
      });
    }
    return t;
  });
}
