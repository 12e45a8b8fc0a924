// The WGAN-GP example's gradient penalty (examples/wgan-gp-model.ts) against PyTorch's reference
// formulation on the same weights, data and seed: its value, and its gradient with respect to the
// critic's parameters (a double backward through torch.autograd.grad's createGraph).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { critic, generator, gradientPenalty } from "../examples/wgan-gp-model.js";
import { runPython } from "./helpers/python.js";

test("gradient penalty and its gradient in the critic's parameters equal PyTorch's", () => {
  torch.manualSeed(2);
  const D = critic(8);
  const real = torch.rand([3, 3, 32, 32]).mul(2).sub(1);
  const fake = generator(16, 8).forward(torch.randn([3, 16])).detach();
  const params = [...D.parameters()];
  torch.manualSeed(9);
  const gp = gradientPenalty(D, real, fake);
  gp.backward();
  const ref = runPython(`
import torch
from torch import nn
w = 8
D = nn.Sequential(nn.Conv2d(3, w // 2, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w // 2, w, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * w * 16, 1))
with torch.no_grad():
    for p, v in zip(D.parameters(), INPUT["params"]): p.copy_(torch.tensor(v))
real, fake = torch.tensor(INPUT["real"]), torch.tensor(INPUT["fake"])
torch.manual_seed(9)
# the reference implementation's formulation (Gulrajani et al.'s code, ported to PyTorch)
alpha = torch.rand(real.size(0), 1, 1, 1)
interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
out = D(interp)
g = torch.autograd.grad(outputs=out, inputs=interp, grad_outputs=torch.ones_like(out), create_graph=True, retain_graph=True)[0]
gp = ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean() * 10
gp.backward()
OUTPUT = {"gp": gp.item(), "grads": [torch.zeros(p.numel()) if p.grad is None else p.grad.reshape(-1) for p in D.parameters()]}
`, { params: params.map((p) => p.detach().toArray()), real: real.toArray(), fake: fake.toArray() }) as { gp: number; grads: number[][] };
  assert.ok(Math.abs(gp.item() - ref.gp) <= 1e-4 * Math.abs(ref.gp), `penalty ${gp.item()} vs PyTorch ${ref.gp}`);
  assert.ok(ref.gp > 0.1, "a penalty that is not trivially zero");
  assert.equal(params[params.length - 1].grad, null);
  params.forEach((p, i) => {
    // the last bias does not reach the input gradient: no .grad at all, in both
    const g = p.grad === null ? new Array<number>(p.numel()).fill(0) : (p.grad.reshape(-1).toArray() as number[]);
    const scale = Math.max(...ref.grads[i].map(Math.abs));
    g.forEach((v, k) => assert.ok(Math.abs(v - ref.grads[i][k]) <= 1e-4 * scale + 1e-7, `param ${i}[${k}]: ${v} vs ${ref.grads[i][k]}`));
  });
});
