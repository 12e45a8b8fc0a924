// torch.load / torch.save against PyTorch itself (/usr/bin/python3): state dicts PyTorch wrote
// load into tstorch modules and give PyTorch's outputs; files tstorch wrote load in PyTorch with
// weights_only=True; every dtype; Python values. (Storages, views, the legacy format, ZIP64, mmap
// and hostile or corrupted files: serialization-files.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { Module } from "../src/nn/module.js";
import { runPython } from "./helpers/python.js";
import { fromPy, flat } from "./helpers/seed-models.js";

const { nn } = torch;
const dir = mkdtempSync(join(tmpdir(), "tstorch-serialization-"));

function assertClose(actual: number[], expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// ---------------------------------------------------------------- a ResNet-like model, both sides
const PY_RESNET = `
import torch, torch.nn as nn
class BasicBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(o)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(o, o, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.downsample = None
        if stride != 1 or i != o:
            self.downsample = nn.Sequential(nn.Conv2d(i, o, 1, stride=stride, bias=False), nn.BatchNorm2d(o))
    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)
    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))
`;

class BasicBlock extends Module {
  conv1: InstanceType<typeof nn.Conv2d>;
  bn1: InstanceType<typeof nn.BatchNorm2d>;
  conv2: InstanceType<typeof nn.Conv2d>;
  bn2: InstanceType<typeof nn.BatchNorm2d>;
  downsample: InstanceType<typeof nn.Sequential> | null = null;
  constructor(i: number, o: number, stride: number) {
    super();
    this.conv1 = this.registerModule("conv1", new nn.Conv2d(i, o, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule("bn1", new nn.BatchNorm2d(o));
    this.conv2 = this.registerModule("conv2", new nn.Conv2d(o, o, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule("bn2", new nn.BatchNorm2d(o));
    if (stride !== 1 || i !== o) {
      this.downsample = this.registerModule("downsample", new nn.Sequential(new nn.Conv2d(i, o, 1, { stride, bias: false }), new nn.BatchNorm2d(o)));
    }
  }
  forward(x: torch.Tensor): torch.Tensor {
    const idt = this.downsample === null ? x : this.downsample.forward(x);
    const out = this.bn1.forward(this.conv1.forward(x)).relu();
    return this.bn2.forward(this.conv2.forward(out)).add(idt).relu();
  }
}
class Net extends Module {
  conv1 = this.registerModule("conv1", new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }));
  bn1 = this.registerModule("bn1", new nn.BatchNorm2d(8));
  layer1 = this.registerModule("layer1", new nn.Sequential(new BasicBlock(8, 8, 1), new BasicBlock(8, 8, 1)));
  layer2 = this.registerModule("layer2", new nn.Sequential(new BasicBlock(8, 16, 2)));
  fc = this.registerModule("fc", new nn.Linear(16, 10));
  forward(x: torch.Tensor): torch.Tensor {
    let y = this.bn1.forward(this.conv1.forward(x)).relu();
    y = this.layer2.forward(this.layer1.forward(y));
    return this.fc.forward(y.mean([2, 3]));
  }
}

test("a ResNet-like conv+bn state dict saved by PyTorch loads into tstorch's module with PyTorch's outputs", () => {
  const file = join(dir, "resnet.pth");
  const py = runPython(PY_RESNET + `
torch.manual_seed(3)
m = Net()
m.train()
for _ in range(3): m(torch.randn(4, 3, 16, 16))   # non-trivial running statistics
m.eval()
torch.save(m.state_dict(), INPUT["file"])
x = torch.randn(2, 3, 16, 16)
with torch.no_grad(): out = m(x)
OUTPUT = {"x": x.tolist(), "out": out.flatten().tolist(), "keys": list(m.state_dict().keys())}
`, { file }) as { x: number[]; out: number[]; keys: string[] };
  const net = new Net();
  assert.deepEqual([...net.stateDict().keys()], py.keys, "the same state_dict names, in PyTorch's order");
  const sd = torch.load(file);
  assert.ok(sd instanceof Map);
  assert.deepEqual([...sd.keys()], py.keys);
  assert.deepEqual(net.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  net.eval();
  const out = torch.noGrad(() => net.forward(fromPy(py.x)));
  assertClose(flat(out), py.out);
  torch.dispose(sd);
});

test("an LSTM state dict saved by PyTorch loads into tstorch's LSTM with PyTorch's outputs", () => {
  const file = join(dir, "lstm.pt");
  const py = runPython(`
import torch, torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 7, num_layers=2, batch_first=True)
        self.fc = nn.Linear(7, 3)
    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])
torch.manual_seed(5)
m = M()
torch.save(m.state_dict(), INPUT["file"])
x = torch.randn(2, 4, 5)
with torch.no_grad(): out = m(x)
OUTPUT = {"x": x.tolist(), "out": out.flatten().tolist()}
`, { file }) as { x: number[]; out: number[] };
  class M extends Module {
    lstm = this.registerModule("lstm", new nn.LSTM(5, 7, { numLayers: 2, batchFirst: true }));
    fc = this.registerModule("fc", new nn.Linear(7, 3));
    forward(x: torch.Tensor): torch.Tensor {
      const [y] = this.lstm.forward(x);
      return this.fc.forward(y.select(1, -1));
    }
  }
  const m = new M();
  m.loadStateDict(torch.load(file));
  const out = torch.noGrad(() => m.forward(fromPy(py.x)));
  assertClose(flat(out), py.out);
});

test("loadStateDict reports missing and unexpected keys as PyTorch does (strict and not)", () => {
  const file = join(dir, "partial.pt");
  const py = runPython(`
import torch
m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
sd = m.state_dict(); del sd["1.bias"]; sd["2.weight"] = torch.zeros(1)
torch.save(sd, INPUT["file"])
try:
    m.load_state_dict(sd)
    err = None
except RuntimeError as e:
    err = str(e)
r = m.load_state_dict(sd, strict=False)
OUTPUT = {"err": err, "missing": r.missing_keys, "unexpected": r.unexpected_keys}
`, { file }) as { err: string; missing: string[]; unexpected: string[] };
  const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
  const sd = torch.load(file);
  assert.throws(() => m.loadStateDict(sd), (e: Error) => e.message === py.err);
  assert.deepEqual(m.loadStateDict(sd, { strict: false }), { missingKeys: py.missing, unexpectedKeys: py.unexpected });
});

// ---------------------------------------------------------------- dtypes, both directions
const DTYPES: torch.DType[] = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"];

test("every dtype saved by PyTorch loads with its values; every dtype saved by tstorch loads in PyTorch (weights_only=True)", () => {
  const pyFile = join(dir, "dtypes-py.pt");
  const tsFile = join(dir, "dtypes-ts.pt");
  const vals = [0, 1, -2, 3.5, 127, -128, 0.25, 1000];
  const py = runPython(`
import torch
vals = INPUT["vals"]
d = {}
for name in INPUT["dtypes"]:
    dt = getattr(torch, name)
    t = torch.tensor(vals, dtype=torch.float64)
    d[name] = (t != 0) if dt == torch.bool else t.to(dt)
torch.save(d, INPUT["py"])
out = {name: (torch.view_as_real(t) if t.is_complex() else t).double().tolist() for name, t in d.items()}
OUTPUT = out
`, { vals, dtypes: DTYPES, py: pyFile }) as Record<string, number[]>;
  const loaded = torch.load(pyFile) as Map<string, torch.Tensor>;
  const mine = new Map<string, torch.Tensor>();
  for (const name of DTYPES) {
    const t = loaded.get(name)!;
    assert.equal(t.dtype, name);
    const read = t.dtype.startsWith("complex") ? torch.viewAsReal(t) : t;
    assert.deepEqual(Array.from(read.to("float64").flatten().toTypedArray() as Float64Array), py[name].flat(), name);
    mine.set(name, t.dtype === "bool" ? t.logicalNot() : t.neg());
  }
  torch.save(mine, tsFile);
  const back = runPython(`
import torch
d = torch.load(INPUT["file"], weights_only=True)
OUTPUT = {k: [str(t.dtype).replace("torch.", ""), (torch.view_as_real(t) if t.is_complex() else t).double().tolist()] for k, t in d.items()}
`, { file: tsFile }) as Record<string, [string, number[]]>;
  for (const name of DTYPES) {
    const t = mine.get(name)!;
    const read = t.dtype.startsWith("complex") ? torch.viewAsReal(t) : t;
    assert.equal(back[name][0], name);
    assert.deepEqual(back[name][1].flat(), Array.from(read.to("float64").flatten().toTypedArray() as Float64Array), name);
  }
});

test("Python values round-trip: nested dicts, lists, tuples, ints beyond 2^53, floats, strings, bools, None, torch.Size, dtypes", () => {
  const file = join(dir, "values.pt");
  runPython(`
import torch, collections
torch.save({"epoch": 7, "big": 2**62 + 1, "neg": -(2**70), "lr": 0.125, "name": "résumé", "ok": True, "none": None,
            "list": [1, [2, 3], (4, 5)], "size": torch.Size([2, 3]), "dtype": torch.bfloat16, 3: "int key",
            "od": collections.OrderedDict([("b", 1), ("a", 2)])}, INPUT["file"])
`, { file });
  const v = torch.load(file) as Map<unknown, unknown>;
  assert.equal(v.get("epoch"), 7);
  assert.equal(v.get("big"), 2n ** 62n + 1n);
  assert.equal(v.get("neg"), -(2n ** 70n));
  assert.equal(v.get("lr"), 0.125);
  assert.equal(v.get("name"), "résumé");
  assert.equal(v.get("ok"), true);
  assert.equal(v.get("none"), null);
  assert.deepEqual(v.get("list"), [1, [2, 3], [4, 5]]);
  assert.deepEqual(v.get("size"), [2, 3]);
  assert.equal(v.get("dtype"), "bfloat16");
  assert.equal(v.get(3), "int key");
  assert.deepEqual([...(v.get("od") as Map<string, number>)], [["b", 1], ["a", 2]]);
  // and back: what tstorch writes PyTorch reads as the same values (floats need PyTorch 2's weights_only; 1.13's lacks BINFLOAT)
  const file2 = join(dir, "values-ts.pt");
  torch.save(new Map<unknown, unknown>([["epoch", 7], ["big", 2n ** 62n + 1n], ["neg", -(2n ** 70n)], ["lr", 0.125], ["name", "résumé"],
    ["ok", true], ["none", null], ["list", [1, [2, 3]]], [3, "int key"], ["obj", { a: 1 }]]), file2);
  const back = runPython(`
import torch
two = int(torch.__version__.split(".")[0]) >= 2
d = torch.load(INPUT["file"], weights_only=two)   # 1.13's weights_only unpickler has no BINFLOAT
OUTPUT = {"repr": repr(dict(d)), "type": type(d).__name__, "exact": d["big"] == 2**62 + 1 and d["neg"] == -(2**70)}
`, { file: file2 }) as { repr: string; type: string; exact: boolean };
  assert.equal(back.type, "OrderedDict");
  assert.equal(back.exact, true);
  assert.equal(back.repr, "{'epoch': 7, 'big': 4611686018427387905, 'neg': -1180591620717411303424, 'lr': 0.125, 'name': 'résumé', 'ok': True, 'none': None, 'list': [1, [2, 3]], 3: 'int key', 'obj': {'a': 1}}");
});
