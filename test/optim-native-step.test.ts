// The native SGD and Adam(W) steps (native/src/optim_step.cc) on what the trajectory tests do not
// reach: a parameter without a gradient is skipped and gets no state, and Adam's parameters at
// different step counts (one joined later) are updated each with its own bias correction, bit for
// bit as a fresh optimiser over that parameter alone would.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const { optim } = torch;

function leaf(values: number[]): torch.Tensor {
  return torch.persist(torch.tensor(values, { dtype: "float64" }).requiresGrad_(true));
}
const setGrad = (p: torch.Tensor, values: number[]): void => torch.scope(() => void (p.grad = torch.tensor(values, { dtype: "float64" })));

for (const foreach of [true, false]) {
  test(`SGD momentum (foreach ${foreach}): a parameter without a gradient is left as it is, without state`, () => {
    const a = leaf([1, -2, 3]);
    const b = leaf([4, 5]);
    const opt = new optim.SGD([a, b], 0.1, { momentum: 0.9, foreach });
    setGrad(a, [0.5, 0.25, -1]);
    torch.scope(() => opt.step());
    // first step: the buffer is the gradient, p -= lr * g
    const expected = torch.scope(() => torch.tensor([1, -2, 3], { dtype: "float64" }).add(torch.tensor([0.5, 0.25, -1], { dtype: "float64" }), -0.1).toArray());
    assert.deepEqual(a.toArray(), expected);
    assert.deepEqual(b.toArray(), [4, 5]);
    assert.equal(opt.state.has(b), false);
    assert.ok(opt.state.get(a)?.momentum_buffer instanceof torch.Tensor);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  test(`Adam (foreach ${foreach}): parameters at different step counts each get their own bias correction`, () => {
    const a = leaf([1, -2, 3]);
    const c = leaf([0.5, 0.75]);
    const cAlone = leaf([0.5, 0.75]);
    const opt = new optim.Adam([a, c], 0.01, { foreach });
    setGrad(a, [0.5, 0.25, -1]);
    torch.scope(() => opt.step()); // c has no gradient yet: skipped, no state
    assert.equal(opt.state.has(c), false);
    assert.deepEqual(c.toArray(), [0.5, 0.75]);
    setGrad(c, [-0.3, 0.2]);
    torch.scope(() => opt.step()); // a at step 2, c at step 1
    assert.equal(opt.state.get(a)?.step, 2);
    assert.equal(opt.state.get(c)?.step, 1);
    const ref = new optim.Adam([cAlone], 0.01, { foreach });
    setGrad(cAlone, [-0.3, 0.2]);
    torch.scope(() => ref.step());
    assert.deepEqual(c.toArray(), cAlone.toArray());
    assert.notDeepEqual(c.toArray(), [0.5, 0.75]);
    for (const x of [opt, ref]) x.dispose();
    for (const x of [a, c, cAlone]) x.dispose();
  });
}
