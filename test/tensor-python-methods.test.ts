// Tensor methods PyTorch defines in Python: t.lu() (torch.lu), the deprecated out-of-place
// t.resize(...) / t.resizeAs(o).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("t.lu() is torch.lu(t): P A = L U with the pivots LAPACK gives, infos on request", () => {
  torch.scope(() => {
    const A = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 10]], { dtype: "float64" });
    const [LU, piv] = A.lu();
    const [LU2, piv2] = torch.lu(A);
    assert.deepEqual(LU.toArray(), LU2.toArray());
    assert.deepEqual(piv.toArray(), piv2.toArray());
    // the largest first column entry (7, row 3) is the first pivot, as partial pivoting must choose
    assert.deepEqual(piv.toArray(), [3, 3, 3]);
    assert.deepEqual(LU.get(0).toArray(), [7, 8, 10]);
    const [, , infos] = torch.zeros([3, 3], { dtype: "float64" }).lu({ getInfos: true });
    assert.ok((infos.item() as number) > 0, "a singular matrix reports its zero pivot in infos");
  });
});

test("t.resize(...) / t.resizeAs(o): the same elements in the new shape, differentiable; the count must stay", () => {
  torch.scope(() => {
    const x = torch.arange(6, { dtype: "float64" }).requiresGrad_(true);
    const y = x.resize(2, 3);
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual(y.toArray(), [[0, 1, 2], [3, 4, 5]]);
    y.mul(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" })).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(x.detach().resize([3, 2]).shape, [3, 2]);
    assert.deepEqual(x.detach().resizeAs(torch.zeros([1, 6, 1])).shape, [1, 6, 1]);
    assert.throws(() => x.detach().resize(4, 2), /requested resize to \[4, 2\] \(8 elements in total\).*\[6\] \(6 elements\).*resize_/);
  });
});
