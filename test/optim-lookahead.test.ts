// optim.Lookahead against airbench's Lookahead done in PyTorch with lerp_ on the same weights:
// ema.lerp_(net, 1 - decay); net.copy_(ema) over every floating state-dict entry (buffers too);
// integer buffers untouched. Bit-identical (the same lerp kernel on the same numbers).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat, fromPy } from "./helpers/seed-models.js";

const { nn, optim } = torch;

function model(): torch.nn.Sequential {
  return new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));
}

/** Four random state dicts for that model: floats from randn, num_batches_tracked = 10·i. */
function weights(): Record<string, number[] | number>[] {
  torch.manualSeed(11);
  const m = model();
  const keys = torch.scope(() => [...m.stateDict()].map(([k, v]) => [k, v.shape, v.dtype] as const));
  m.dispose();
  return [0, 1, 2, 3].map((i) =>
    Object.fromEntries(keys.map(([k, shape, dtype]) => [k, dtype === "int64" ? 10 * i : torch.scope(() => flat(torch.randn(shape)))])),
  );
}

function load(m: torch.nn.Module, w: Record<string, number[] | number>): void {
  torch.scope(() => {
    const cur = m.stateDict();
    m.loadStateDict(
      Object.fromEntries([...cur].map(([k, v]) => [k, v.dtype === "int64" ? torch.full([], w[k] as number, { dtype: "int64" }) : fromPy(w[k]).view(v.shape)])),
    );
  });
}

function snapshot(m: torch.nn.Module): Record<string, number[]> {
  return torch.scope(() => Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, v.dtype === "int64" ? [v.item()] : flat(v)])));
}

test("Lookahead: update / updateEma / copyTo equal PyTorch's lerp_ and copy_ on the same weights, bit for bit", () => {
  const W = weights();
  const py = runPython(
    dedent(`
    import torch, torch.nn as nn
    m = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    def load(w):
        sd = m.state_dict()
        m.load_state_dict({k: (torch.tensor(w[k]) if v.dtype == torch.int64 else torch.tensor(w[k], dtype=torch.float32).view(v.shape)) for k, v in sd.items()})
    def snap(sd):
        return {k: (v.flatten().clone() if v.is_floating_point() else [v.item()]) for k, v in sd.items()}
    W = INPUT
    load(W[0])
    ema = {k: v.clone() for k, v in m.state_dict().items() if v.is_floating_point()}
    def update(decay, copy_back):
        with torch.no_grad():
            for k, v in m.state_dict().items():
                if k in ema:
                    ema[k].lerp_(v, 1 - decay)
                    if copy_back: v.copy_(ema[k])
    OUTPUT = []
    load(W[1]); update(0.8, True); OUTPUT.append(snap(m.state_dict()))
    load(W[2]); update(0.5, False); OUTPUT.append(snap(m.state_dict()))
    load(W[3]); update(0.3, True); OUTPUT.append(snap(m.state_dict()))
    OUTPUT.append(snap(ema))
    `),
    W,
  ) as Record<string, number[]>[];
  const m = model();
  load(m, W[0]);
  const la = new optim.Lookahead(m);
  assert.deepEqual(la.keys, ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"]);
  load(m, W[1]);
  la.update(0.8);
  const s1 = snapshot(m);
  load(m, W[2]);
  la.updateEma(0.5);
  const s2 = snapshot(m);
  load(m, W[3]);
  la.update(0.3);
  const s3 = snapshot(m);
  const other = model();
  la.copyTo(other);
  const emaOut = snapshot(other);
  delete emaOut["1.num_batches_tracked"];
  assert.deepEqual(s1, py[0], "after update(0.8)");
  assert.deepEqual(s2, py[1], "after updateEma(0.5): the model keeps W2");
  assert.deepEqual(s3, py[2], "after update(0.3)");
  assert.deepEqual(emaOut, py[3], "the slow copy");
  // num_batches_tracked left alone: the model's own value (30), the other model's untouched 0
  assert.deepEqual(s3["1.num_batches_tracked"], [30]);
  assert.deepEqual(snapshot(other)["1.num_batches_tracked"], [0]);
  // sanity: update really moved the weights off W[1]
  assert.notDeepEqual(s1["0.weight"], W[1]["0.weight"]);
  // the parameters kept their identity and trainability
  assert.ok(m.parameters().every((p) => p.requiresGrad));
  la.dispose();
  assert.throws(() => la.update(0.5), /^Error: tstorch: Lookahead used after dispose\(\)$/);
  la.dispose(); // twice is fine
  m.dispose();
  other.dispose();
});

test("Lookahead: works with `using`, copyTo restores the slow weights, bad decay and foreign models throw", () => {
  torch.manualSeed(3);
  const m = model();
  const before = snapshot(m);
  {
    using la = new optim.Lookahead(m);
    torch.scope(() => torch.noGrad(() => { for (const p of m.parameters()) p.add_(1); }));
    assert.notDeepEqual(snapshot(m)["0.weight"], before["0.weight"]);
    la.copyTo();
    assert.deepEqual(snapshot(m), before);
    assert.throws(() => la.update(1.5), /tstorch: Lookahead: decay must be a number in \[0, 1\], got 1.5/);
    const small = new nn.Sequential(new nn.Linear(4, 3));
    assert.throws(() => la.copyTo(small), /tstorch: Lookahead: the model has no state-dict entry "1.weight"/);
    const wide = new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNorm1d(5));
    assert.throws(() => la.copyTo(wide), /tstorch: Lookahead: "0.weight" has shape \[5,4\] in the model, \[3,4\] in the slow copy/);
    small.dispose();
    wide.dispose();
  }
  m.dispose();
});
