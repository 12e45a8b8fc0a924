// torch.utils.checkpoint with random ops inside: the generator's state is saved in forward and put
// back for the recomputation (preserveRngState, default true, as PyTorch), so dropout draws the
// same mask twice and the gradients equal the un-checkpointed run's; the generator continues after
// backward as if nothing had been recomputed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";

const { nn } = torch;
const { checkpoint, CheckpointOptions } = torch.utils.checkpoint;

test("dropout inside a checkpointed segment: the same gradients as without checkpointing", () => {
  torch.manualSeed(3);
  const block = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(16, 8));
  const params = [...block.parameters()];
  const x0 = torch.randn([4, 8]);
  const run = (mode: "plain" | "ck" | "ck-no-rng") =>
    torch.scope(() => {
      for (const p of params) p.grad = null;
      torch.manualSeed(11);
      const x = x0.clone().requiresGrad_();
      const f = (t: Tensor) => block.forward(t);
      const h = mode === "plain" ? f(x) : mode === "ck" ? checkpoint(f, x) : checkpoint(f, x, new CheckpointOptions({ preserveRngState: false }));
      h.pow(2).sum().backward();
      const after = torch.rand(3).toArray() as number[]; // where the generator stands after backward
      return { grads: params.map((p) => p.grad!.reshape(-1).toArray() as number[]), xg: x.grad!.reshape(-1).toArray() as number[], after };
    });
  const plain = run("plain");
  const ck = run("ck");
  assert.deepEqual(ck.grads, plain.grads);
  assert.deepEqual(ck.xg, plain.xg);
  assert.deepEqual(ck.after, plain.after);
  // without preserving the state the recomputation draws another mask: other gradients
  const other = run("ck-no-rng");
  assert.notDeepEqual(other.grads, plain.grads);
  assert.throws(() => checkpoint((t: Tensor) => t.mul(2), x0, new CheckpointOptions({ useReentrant: false })), /useReentrant: false is not available/);
});
