// Module hooks (registerForwardPreHook, registerForwardHook, registerFullBackwardHook) against PyTorch's
// on a Linear layer with the same weights.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { runPython } from "./helpers/python.js";

const W = [[0.5, -0.25, 1.0], [0.75, 0.1, -0.6]];
const B = [0.05, -0.2];
const X = [[1.0, 2.0, -1.0], [0.5, -0.5, 0.25]];

const py = runPython(`
import torch, torch.nn as nn
m = nn.Linear(3, 2).double()
with torch.no_grad():
    m.weight.copy_(torch.tensor(INPUT["W"], dtype=torch.float64)); m.bias.copy_(torch.tensor(INPUT["B"], dtype=torch.float64))
log = {}
def pre(mod, args): return (args[0] * 2,)
def fwd(mod, args, out):
    log["fwd_in"] = args[0].detach().clone(); return out + 1
def bwd(mod, gin, gout):
    log["gin"] = [g.clone() for g in gin]; log["gout"] = [g.clone() for g in gout]
    return (gin[0] * 10,)
hs = [m.register_forward_pre_hook(pre), m.register_forward_hook(fwd), m.register_full_backward_hook(bwd)]
x = torch.tensor(INPUT["X"], dtype=torch.float64, requires_grad=True)
y = m(x)
(y ** 2).sum().backward()
out = {"y": y, "xgrad": x.grad, "wgrad": m.weight.grad.clone(), "fwd_in": log["fwd_in"], "gin": log["gin"], "gout": log["gout"]}
for h in hs: h.remove()
x.grad = None
m(x).sum().backward()
out["xgrad_removed"] = x.grad.clone()
# a module whose input does not require grad: grad_input is (None,)
m.register_full_backward_hook(lambda mod, gin, gout: log.__setitem__("gin_none", [g is None for g in gin]))
m(torch.tensor(INPUT["X"], dtype=torch.float64)).sum().backward()
out["gin_none"] = log["gin_none"]
OUTPUT = out
`, { W, B, X }) as Record<string, any>;

function close(a: unknown, b: unknown, what: string): void {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  assert.equal(fa.length, fb.length, `${what}: count`);
  fa.forEach((v, i) => assert.ok(Math.abs(v - fb[i]) <= 1e-12 * (1 + Math.abs(fb[i])), `${what}[${i}]: tstorch ${v} vs PyTorch ${fb[i]}`));
}

test("forward pre hook, forward hook and full backward hook change inputs, outputs and gradients as PyTorch's", () => {
  torch.scope(() => {
    const m = new torch.nn.Linear(3, 2);
    m.to("float64");
    torch.noGrad(() => {
      m.weight.copy_(torch.tensor(W, { dtype: "float64" }));
      m.bias!.copy_(torch.tensor(B, { dtype: "float64" }));
    });
    const log: Record<string, unknown> = {};
    const hs = [
      m.registerForwardPreHook((_m, args) => [(args[0] as Tensor).mul(2)]),
      m.registerForwardHook((_m, args, out: Tensor) => {
        log.fwdIn = (args[0] as Tensor).toArray();
        return out.add(1);
      }),
      m.registerFullBackwardHook((_m, gin, gout) => {
        log.gin = gin.map((g) => g!.toArray());
        log.gout = gout.map((g) => g!.toArray());
        return [gin[0]!.mul(10)];
      }),
    ];
    const x = torch.tensor(X, { dtype: "float64" }).requiresGrad_();
    const y = m.call(x);
    y.pow(2).sum().backward();
    close(y.toArray(), py.y, "output");
    close(log.fwdIn, py.fwd_in, "forward hook's args");
    close(log.gin, py.gin, "gradInput");
    close(log.gout, py.gout, "gradOutput");
    close(x.grad!.toArray(), py.xgrad, "x.grad (replaced gradInput)");
    close(m.weight.grad!.toArray(), py.wgrad, "weight.grad");
    for (const h of hs) h.remove();
    x.grad = null;
    m.call(x).sum().backward();
    close(x.grad!.toArray(), py.xgrad_removed, "after remove()");
    let ginNone: boolean[] = [];
    m.registerFullBackwardHook((_m, gin) => void (ginNone = gin.map((g) => g === null)));
    m.call(torch.tensor(X, { dtype: "float64" })).sum().backward();
    assert.deepEqual(ginNone, py.gin_none);
  });
});
