// torch.jit.load against PyTorch: modules scripted and traced by /usr/bin/python3 (control flow,
// submodules, BatchNorm buffers, Dropout, several methods, tuple/list/dict arguments and results)
// give PyTorch's outputs in tstorch; 20 Adam steps by tstorch on the scripted module give the
// weights PyTorch's 20 steps give; a module saved by tstorch loads in PyTorch with the same
// outputs; bad input is a JS error naming the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { PYTHON } from "./helpers/python.js";

const { nn, jit } = torch;
const dir = mkdtempSync(join(tmpdir(), "tstorch-jit-load-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Runs a Python file (torch.jit.script needs the source on disk) and returns the JSON it writes to OUT. */
function python(name: string, code: string, input: unknown = null): any {
  const file = join(dir, `${name}.py`);
  const out = join(dir, `${name}.json`);
  writeFileSync(file, code);
  writeFileSync(join(dir, `${name}.in.json`), JSON.stringify(input));
  const r = spawnSync(PYTHON, [file, dir, join(dir, `${name}.in.json`), out], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${name}.py failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

const PY_HEAD = `
import json, sys
import torch, torch.nn as nn, torch.nn.functional as F
from typing import Dict, List, Optional, Tuple
DIR, INPUT, OUT = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
def tl(t): return t.detach().flatten().tolist()
torch.set_num_threads(1)
`;

const PY_MODELS = PY_HEAD + `
class Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)  # (a bias before BatchNorm has no gradient: Adam would amplify noise)
        self.bn = nn.BatchNorm2d(c)
    def forward(self, x):
        return F.relu(self.bn(self.conv(x))) + x

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(Block(8), Block(8))
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(8, 4)
        self.repeats = 2
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.stem(x)
        for _ in range(self.repeats):
            y = self.blocks(y)
        y = y.mean([2, 3])
        if bool(y.sum() > 0):
            y = y * 2.0
        else:
            y = y - 1.0
        return self.fc(self.drop(y))
    @torch.jit.export
    def features(self, x: torch.Tensor, scale: float = 1.0) -> Dict[str, torch.Tensor]:
        y = self.stem(x)
        return {"stem": y * scale, "pooled": y.mean([2, 3])}
    @torch.jit.export
    def combine(self, xs: List[torch.Tensor], pair: Tuple[torch.Tensor, int], weights: Dict[str, float],
                by_id: Dict[int, torch.Tensor], flag: bool, name: str, maybe: Optional[torch.Tensor]
                ) -> Tuple[torch.Tensor, List[int], Dict[int, str], Optional[torch.Tensor], str, bool, float]:
        total = xs[0] * weights["a"] + pair[0] * pair[1]
        for k, v in by_id.items():
            total = total + v * k
        if maybe is not None:
            total = total + maybe
        return total, [len(xs), pair[1]], {pair[1]: name}, None if flag else total, name + "!", not flag, weights["a"] * 2
    @torch.jit.export
    def float_keys(self) -> Dict[float, int]:
        return {1.5: 1}

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(6, 5)
        self.l2 = nn.Linear(5, 3)
    def forward(self, x, y):
        h = torch.tanh(self.l1(x))
        return self.l2(h) + y, h.sum(1)

torch.manual_seed(0)
net = Net()
with torch.no_grad():  # running statistics that are not the initial ones
    for _ in range(3):
        net(torch.randn(8, 3, 6, 6))
scripted = torch.jit.script(net)
scripted.save(DIR + "/net.pt")
x = torch.randn(4, 3, 6, 6)
scripted.eval()
with torch.no_grad():
    out = scripted(x)
    feats = scripted.features(x, 0.5)
    combo = scripted.combine([torch.ones(3), torch.zeros(3)], (torch.arange(3.0), 2), {"a": 0.5},
                             {3: torch.ones(3), 4: torch.full((3,), 2.0)}, False, "cnn", torch.ones(3))
mlp = Mlp()
xm, ym = torch.randn(2, 6), torch.randn(2, 3)
traced = torch.jit.trace(mlp, (xm, ym))
traced.save(DIR + "/mlp.pt")
with torch.no_grad():
    t_out = traced(xm, ym)
# the fine-tuning data: 20 Adam steps in training mode (BatchNorm batch statistics, Dropout)
xt, yt = torch.randn(16, 3, 6, 6), torch.randint(0, 4, (16,))
ft = torch.jit.load(DIR + "/net.pt")
ft.train()
opt = torch.optim.Adam(ft.parameters(), lr=0.01)
torch.manual_seed(123)
losses = []
for _ in range(20):
    loss = F.cross_entropy(ft(xt), yt)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
json.dump({
    "x": x.tolist(), "out": tl(out), "stem": tl(feats["stem"]), "pooled": tl(feats["pooled"]),
    "combo": [tl(combo[0]), combo[1], {str(k): v for k, v in combo[2].items()}, tl(combo[3]), combo[4], combo[5], combo[6]],
    "keys": list(scripted.state_dict().keys()),
    "params": [n for n, _ in scripted.named_parameters()],
    "buffers": [n for n, _ in scripted.named_buffers()],
    "running_mean": tl(scripted.blocks[0].bn.running_mean),
    "xm": xm.tolist(), "ym": ym.tolist(), "t_out": [tl(t_out[0]), tl(t_out[1])],
    "xt": xt.tolist(), "yt": yt.tolist(), "losses": losses,
    "ft": {k: tl(v) for k, v in ft.state_dict().items()},
}, open(OUT, "w"))
`;

let py: any;
function fixtures(): any {
  py ??= python("models", PY_MODELS);
  return py;
}

function close(actual: number[], expected: number[], tol = 1e-5, what = ""): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}
const flat = (t: torch.Tensor): number[] => Array.from(t.detach().flatten().toTypedArray() as ArrayLike<number | bigint>, Number);
const t32 = (v: unknown): torch.Tensor => torch.tensor(v as torch.NestedArray, { dtype: "float32" });

test("a scripted module (loops, branches, submodules, BatchNorm) gives PyTorch's outputs, names and methods", () => {
  const p = fixtures();
  const m = jit.load(join(dir, "net.pt"));
  assert.ok(m instanceof nn.Module);
  assert.deepEqual([...m.stateDict().keys()], p.keys, "state_dict keys in PyTorch's order");
  assert.deepEqual([...m.namedParameters().keys()], p.params);
  assert.deepEqual([...m.namedBuffers().keys()], p.buffers);
  assert.deepEqual([...m.namedChildren().keys()], ["stem", "blocks", "drop", "fc"]);
  assert.ok(m.namedChildren().get("blocks") instanceof jit.ScriptModule);
  close(flat(m.namedBuffers().get("blocks.0.bn.running_mean")!), p.running_mean, 0, "running_mean");
  const methods = m.methods();
  assert.deepEqual(methods.map((x) => x.name).sort(), ["combine", "features", "float_keys", "forward"]);
  assert.match(methods.find((x) => x.name === "forward")!.schema, /^forward\(__torch__\.Net self, Tensor x\) -> Tensor$/);
  assert.match(methods.find((x) => x.name === "features")!.schema, /float scale=1\./);
  m.eval();
  const x = t32(p.x);
  close(flat(m.forward(x)), p.out, 1e-5, "forward");
  const f = m.runMethod("features", x, 0.5);
  close(flat(f.stem), p.stem, 1e-5, "features.stem");
  close(flat(f.pooled), p.pooled, 1e-5, "features.pooled");
  // the default of `scale` fills in when the argument is left out
  close(flat(m.runMethod("features", x).stem), flat(f.stem).map((v) => v * 2), 1e-6, "features default");
});

test("values cross both ways: lists, tuples, dicts with str and int keys, Optional, str, bool, float", () => {
  const p = fixtures();
  const m = jit.load(join(dir, "net.pt"));
  const out = m.runMethod(
    "combine",
    [torch.ones([3]), torch.zeros([3])],
    [torch.tensor([0, 1, 2], { dtype: "float32" }), 2],
    { a: 0.5 },
    new Map([[3, torch.ones([3])], [4, torch.full([3], 2)]]),
    false,
    "cnn",
    torch.ones([3]),
  );
  assert.ok(Array.isArray(out) && out.length === 7);
  close(flat(out[0]), p.combo[0], 1e-6, "total");
  assert.deepEqual(out[1], p.combo[1]);
  assert.ok(out[2] instanceof Map);
  assert.deepEqual([...out[2]], Object.entries(p.combo[2]).map(([k, v]) => [Number(k), v]));
  close(flat(out[3]), p.combo[3], 1e-6, "optional result");
  assert.deepEqual(out.slice(4), p.combo.slice(4));
  // an int-keyed dict may also come as a plain object; None comes back as null
  const again = m.runMethod("combine", [torch.ones([3])], [torch.ones([3]), 1], { a: 1 }, { 2: torch.ones([3]) }, true, "", null);
  close(flat(again[0]), [4, 4, 4], 0, "total from object keys");
  assert.equal(again[3], null);
  assert.throws(() => m.runMethod("float_keys"), /float_keys\(\) result is a Dict\[float, int\].*str or int keys only/);
});

test("a module traced by PyTorch (tuple output, two inputs) gives PyTorch's outputs", () => {
  const p = fixtures();
  const m = jit.load(readFileSync(join(dir, "mlp.pt"))); // from bytes
  const [a, b] = m.forward(t32(p.xm), t32(p.ym));
  close(flat(a), p.t_out[0], 1e-5, "out 0");
  close(flat(b), p.t_out[1], 1e-5, "out 1");
  assert.deepEqual([...m.namedParameters().keys()], ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]);
});

test("train()/eval() reach BatchNorm and Dropout in the script; noGrad and grads work on the shared tensors", () => {
  const p = fixtures();
  const m = jit.load(join(dir, "net.pt"));
  const x = t32(p.x);
  const rm = m.namedBuffers().get("blocks.0.bn.running_mean")!;
  const before = flat(rm);
  m.eval();
  assert.equal(m.training, false);
  assert.equal((m.namedModules().get("blocks.0.bn") as torch.nn.Module).training, false);
  torch.noGrad(() => m.forward(x));
  assert.deepEqual(flat(rm), before, "eval: running statistics untouched");
  const e1 = flat(torch.noGrad(() => m.forward(x)));
  m.train();
  const out = m.forward(x);
  assert.notDeepEqual(flat(rm), before, "train: BatchNorm updated its running statistics in place, seen through tstorch's tensor");
  assert.notDeepEqual(flat(out), e1, "train mode computes differently (batch statistics, dropout)");
  // as a child of a tstorch module, the parent's eval() reaches the script
  const wrap = nn.seq().add(m).addFn((y) => y.softmax(1));
  wrap.eval();
  assert.equal(m.training, false);
  const probs = torch.noGrad(() => wrap.forward(x));
  close(flat(probs), flat(torch.noGrad(() => m.forward(x)).softmax(1)), 1e-6, "seq(script, softmax)");
  assert.deepEqual([...wrap.namedParameters().keys()].slice(0, 2), ["0.stem.weight", "0.stem.bias"]);
  // gradients land on the very tensors tstorch holds
  m.train();
  const loss = m.forward(x).sum();
  assert.equal(torch.noGrad(() => m.forward(x)).requiresGrad, false);
  loss.backward();
  const w = m.namedParameters().get("fc.weight")!;
  assert.ok(w.grad !== null && w.grad.abs().sum().item() > 0);
});

test("20 Adam steps by tstorch on the scripted module match PyTorch's 20 steps", () => {
  const p = fixtures();
  const m = jit.load(join(dir, "net.pt"));
  m.train();
  const opt = new torch.optim.Adam(m.parameters(), { lr: 0.01 });
  const xt = t32(p.xt);
  const yt = torch.tensor(p.yt, { dtype: "int64" });
  torch.manualSeed(123); // Dropout draws the same masks as PyTorch's run (same generator, same kernel)
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    torch.scope(() => {
      const loss = torch.nn.crossEntropy(m.forward(xt), yt);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item() as number);
    });
  }
  close(losses, p.losses, 1e-4, "losses");
  const sd = m.stateDict();
  assert.deepEqual([...sd.keys()], Object.keys(p.ft));
  for (const [k, v] of sd) close(flat(v), p.ft[k], 2e-4, k);

  // saved by tstorch, loaded by PyTorch: the same outputs, its methods still there
  const file = join(dir, "ts-finetuned.pt");
  m.eval();
  m.save(file);
  const x = t32(p.x);
  const mine = flat(torch.noGrad(() => m.forward(x)));
  const back = python("reload", PY_HEAD + `
m = torch.jit.load(INPUT["file"])
m.eval()
with torch.no_grad():
    json.dump({"out": tl(m(torch.tensor(INPUT["x"]))), "methods": sorted(n for n in ["features", "combine"] if hasattr(m, n))}, open(OUT, "w"))
`, { file, x: p.x });
  close(back.out, mine, 1e-5, "PyTorch on tstorch's file");
  assert.deepEqual(back.methods, ["combine", "features"]);

  // io.saveModule / loadModule move the fine-tuned state into a fresh copy of the original
  const st = join(dir, "ft.safetensors");
  torch.io.saveModule(m, st);
  const fresh = jit.load(join(dir, "net.pt")).eval();
  torch.io.loadModule(fresh, st);
  close(flat(torch.noGrad(() => fresh.forward(x))), mine, 0, "loadModule into a ScriptModule");
});

test("to(dtype) converts the scripted module in place (tstorch's tensors keep their identity); autocast reaches it", () => {
  const m = jit.load(join(dir, "mlp.pt"));
  const w = m.parameters()[0];
  m.to("float64");
  assert.equal(m.parameters()[0], w);
  assert.equal(w.dtype, "float64");
  const [a] = m.forward(torch.ones([1, 6], { dtype: "float64" }), torch.zeros([1, 3], { dtype: "float64" }));
  assert.equal(a.dtype, "float64");
  m.to("float32");
  assert.equal(w.dtype, "float32");
  // autocast (thread-local, like grad mode) reaches the ops the script runs
  const net = jit.load(join(dir, "net.pt")).eval(); // its last op is a Linear, which autocast runs in bfloat16
  assert.equal(torch.noGrad(() => net.forward(torch.ones([1, 3, 4, 4]))).dtype, "float32");
  assert.equal(torch.autocast({ deviceType: "cpu" }, () => torch.noGrad(() => net.forward(torch.ones([1, 3, 4, 4])))).dtype, "bfloat16");
});

test("bad input is a JS error that names the problem", async () => {
  fixtures();
  const good = join(dir, "net.pt");
  const notArchive = join(dir, "models.json");
  assert.throws(() => jit.load(notArchive), /jit\.load: '.*models\.json' could not be loaded as a TorchScript archive.*failed finding central directory/);
  const bytes = readFileSync(good);
  assert.throws(() => jit.load(bytes.subarray(0, bytes.length >> 1)), /jit\.load: the bytes could not be loaded as a TorchScript archive/);
  const truncated = join(dir, "truncated.pt");
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => jit.load(truncated), /could not be loaded as a TorchScript archive/);
  assert.throws(() => jit.load(join(dir, "missing.pt")), /jit\.load: no such file '.*missing\.pt'/);
  assert.throws(() => jit.load(good, { device: "cuda:7" }), /device 'cuda:7' does not exist/);
  assert.throws(() => jit.load(good, { device: "cpu:3" }), /device 'cpu:3' does not exist/);
  assert.throws(() => jit.load(good, { device: "banana" }), /'banana' is not a device/);
  assert.throws(() => jit.load(42 as unknown as string), /jit\.load expects a path, a Uint8Array or an ArrayBuffer/);

  const m = jit.load(good);
  assert.throws(() => m.runMethod("predict", torch.ones([1])), /the ScriptModule has no method 'predict' \(its methods: .*forward/);
  assert.throws(() => m.forward(), /forward\(\) is missing argument 'x' \(schema: forward\(__torch__\.Net self, Tensor x\) -> Tensor\)/);
  assert.throws(() => m.forward(torch.ones([1, 3, 4, 4]), 2), /forward\(\) takes 1 argument\(s\), got 2/);
  assert.throws(() => m.forward("image" as unknown as torch.Tensor), /forward\(\): argument 'x' \(1\) must be a Tensor, got a string/);
  assert.throws(() => m.runMethod("features", torch.ones([1, 3, 4, 4]), "big"), /features\(\): argument 'scale' \(2\) must be a float \(a number\), got a string/);
  assert.throws(
    () => m.runMethod("combine", [torch.ones([3]), 5], [torch.ones([3]), 1], {}, {}, true, "", null),
    /combine\(\): argument 'xs' \(1\)\[1\] must be a Tensor, got the number 5/,
  );
  assert.throws(() => m.runMethod("combine", [], [torch.ones([3])], {}, {}, true, "", null), /argument 'pair' \(2\) must be an array of 2 \(Tuple\[Tensor, int\]\), got an array of 1/);
  assert.throws(() => m.runMethod("combine", [], [torch.ones([3]), 1], {}, { x: torch.ones([3]) }, true, "", null), /has key 'x', not an integer/);
  const disposed = torch.ones([1, 3, 4, 4]);
  disposed.dispose();
  assert.throws(() => m.forward(disposed), /used after dispose/);
  // a wrong shape fails inside the interpreter: the error's own line comes first
  assert.throws(() => m.forward(torch.ones([2, 5])), /^Error: tstorch: forward\(\) failed: RuntimeError: Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d/);
  await assert.rejects(m.forwardAsync(torch.ones([2, 5])), /forward\(\) failed: RuntimeError: Expected 3D/);
  await assert.rejects(async () => m.forwardAsync(7 as unknown as torch.Tensor), /argument 'x' \(1\) must be a Tensor/);
  // the module still works after all that
  m.eval();
  assert.deepEqual(torch.noGrad(() => m.forward(torch.ones([1, 3, 4, 4]))).shape, [1, 4]);
});
