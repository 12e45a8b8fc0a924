// Trial (#23): a new optimiser and a new module, as a newcomer adds them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

test("SignSGD single and foreach move by -lr·sign(grad); Scale multiplies per feature", () => {
  torch.scope(() => {
    for (const foreach of [false, true]) {
      const p = torch.tensor([1, -2, 3], { dtype: "float64" }).requiresGrad_(true);
      const opt = new torch.optim.SignSGD([p], 0.5, { foreach });
      p.mul(torch.tensor([2, 3, -1], { dtype: "float64" })).sum().backward();
      opt.step();
      assert.deepEqual(p.detach().toArray(), [0.5, -2.5, 3.5]);
      opt.dispose();
    }
    const m = new torch.nn.Scale(3);
    assert.deepEqual(m.forward(torch.tensor([[1, 2, 3]])).toArray(), [[1, 2, 3]]);
    assert.equal(m.parameters().length, 1);
  });
});
