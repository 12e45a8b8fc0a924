// torch.load / torch.save against PyTorch itself (/usr/bin/python3): state dicts PyTorch wrote
// load into tstorch modules and give PyTorch's outputs; files tstorch wrote load in PyTorch with
// weights_only=True; every dtype, shared storages, views, the legacy format, ZIP64; hostile
// pickles are refused with the global named; corrupted files give clear errors only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
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

// ---------------------------------------------------------------- storages and views
test("tensors sharing a storage stay shared, both ways; views keep offsets and strides (incl. stride 0)", () => {
  const file = join(dir, "shared-py.pt");
  runPython(`
import torch
base = torch.arange(24, dtype=torch.float32)
m = base.view(4, 6)
torch.save({"base": base, "m": m, "t": m.t(), "slice": m[1:3, 2:5], "expand": base[5:6].expand(3, 4), "step": base[1::3]}, INPUT["file"])
`, { file });
  const d = torch.load(file) as Map<string, torch.Tensor>;
  const arr = (k: string): unknown => d.get(k)!.toArray();
  assert.deepEqual(arr("slice"), [[8, 9, 10], [14, 15, 16]]);
  assert.deepEqual(d.get("t")!.stride(), [1, 6]);
  assert.deepEqual(d.get("expand")!.stride(), [0, 0]);
  assert.deepEqual(arr("expand"), [[5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5]]);
  assert.deepEqual(arr("step"), [1, 4, 7, 10, 13, 16, 19, 22]);
  // one storage: a write through one tensor shows through the others
  torch.noGrad(() => d.get("base")!.narrow(0, 8, 1).fill_(100));
  assert.deepEqual(arr("slice"), [[100, 9, 10], [14, 15, 16]]);
  assert.equal((d.get("t")!.toArray() as number[][])[2][1], 100);
  // tstorch's file keeps the sharing and the views for PyTorch
  const file2 = join(dir, "shared-ts.pt");
  torch.save(d, file2);
  const py = runPython(`
import torch
d = torch.load(INPUT["file"], weights_only=True)
ptr = lambda t: (t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()).data_ptr()
OUTPUT = {"one": len({ptr(t) for t in d.values()}), "slice": d["slice"].tolist(), "offset": d["slice"].storage_offset(),
          "stride": list(d["t"].stride()), "expand": list(d["expand"].stride()), "step": d["step"].tolist()}
`, { file: file2 }) as Record<string, unknown>;
  assert.deepEqual(py, { one: 1, slice: [[100, 9, 10], [14, 15, 16]], offset: 8, stride: [1, 6], expand: [0, 0], step: [1, 4, 7, 10, 13, 16, 19, 22] });
});

test("the legacy (pre-1.6) format loads, shared storages included", () => {
  const file = join(dir, "legacy.pt");
  runPython(`
import torch
a = torch.arange(6, dtype=torch.int64).view(2, 3)
torch.save({"a": a, "row": a[1], "h": torch.ones(2, dtype=torch.float16)}, INPUT["file"], _use_new_zipfile_serialization=False)
`, { file });
  assert.notEqual(readFileSync(file).readUInt32LE(0), 0x04034b50, "not a zip");
  const d = torch.load(file) as Map<string, torch.Tensor>;
  assert.deepEqual(d.get("row")!.toArray(), [3n, 4n, 5n].map(Number));
  torch.noGrad(() => d.get("a")!.fill_(9));
  assert.deepEqual(d.get("row")!.toArray(), [9, 9, 9]);
  assert.deepEqual(d.get("h")!.toArray(), [1, 1]);
});

test("ZIP64 records (forced on a small file) are read by PyTorch and by torch.load", () => {
  const file = join(dir, "zip64.pt");
  torch.save({ w: torch.arange(5, { dtype: "float32" }) }, file, { _forceZip64: true });
  const py = runPython(`
import torch, zipfile
z = zipfile.ZipFile(INPUT["file"])
OUTPUT = {"bad": z.testzip(), "w": torch.load(INPUT["file"], weights_only=True)["w"].tolist()}
`, { file }) as { bad: null; w: number[] };
  assert.deepEqual(py, { bad: null, w: [0, 1, 2, 3, 4] });
  assert.deepEqual((torch.load(file) as Map<string, torch.Tensor>).get("w")!.toArray(), [0, 1, 2, 3, 4]);
});

test("mmap: tensors map the file's pages (copy-on-write: writes never reach the file)", () => {
  const file = join(dir, "mmap.pt");
  torch.save({ w: torch.arange(1 << 16, { dtype: "float32" }) }, file);
  const before = readFileSync(file);
  const d = torch.load(file, { mmap: true }) as Map<string, torch.Tensor>;
  const w = d.get("w")!;
  assert.equal(w.sum().item(), ((1 << 16) * ((1 << 16) - 1)) / 2);
  torch.noGrad(() => w.fill_(-1));
  assert.equal(w.sum().item(), -(1 << 16));
  w.dispose();
  assert.ok(readFileSync(file).equals(before), "the file is unchanged");
});

test("mapLocation: CUDA-saved tensors are refused without CUDA unless mapped to the CPU", () => {
  const file = join(dir, "cuda.pt");
  // a zip PyTorch would write from a GPU: only the location string differs
  const py = runPython(`
import torch, pickle, io, zipfile
buf = io.BytesIO()
torch.save({"w": torch.ones(3)}, buf)
z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
out = zipfile.ZipFile(INPUT["file"], "w")
for n in z.namelist():
    data = z.read(n)
    if n.endswith("data.pkl"): data = data.replace(b"X\\x03\\x00\\x00\\x00cpu", b"X\\x06\\x00\\x00\\x00cuda:0")
    out.writestr(n, data)
out.close()
OUTPUT = True
`, { file });
  assert.equal(py, true);
  if (!torch.cuda.isAvailable()) {
    assert.throws(() => torch.load(file), /saved on cuda:0, and CUDA is not available; pass \{ mapLocation: "cpu" \}/);
  }
  for (const mapLocation of ["cpu", { "cuda:0": "cpu" }, () => "cpu"] as const) {
    const w = (torch.load(file, { mapLocation }) as Map<string, torch.Tensor>).get("w")!;
    assert.equal(w.device.toString(), "cpu");
    assert.deepEqual(w.toArray(), [1, 1, 1]);
  }
});

test("a Parameter and requires_grad survive the round trip", () => {
  const file = join(dir, "param.pt");
  const p = new nn.Parameter(torch.ones([2]));
  torch.save([p, torch.zeros([1]).requiresGrad_(true), torch.zeros([1])], file);
  const py = runPython(`
import torch
l = torch.load(INPUT["file"], weights_only=True)
OUTPUT = [type(l[0]).__name__, l[0].requires_grad, l[1].requires_grad, l[2].requires_grad]
`, { file });
  assert.deepEqual(py, ["Parameter", true, true, false]);
  const back = torch.load(file) as torch.Tensor[];
  assert.deepEqual(back.map((t) => t.requiresGrad), [true, true, false]);
});

// ---------------------------------------------------------------- hostile and broken files
test("a malicious pickle (GLOBAL os.system + REDUCE) is refused with the global named, and nothing runs", () => {
  const marker = join(dir, "PWNED");
  const zipFile = join(dir, "evil.pt");
  const rawFile = join(dir, "evil-raw.pt");
  runPython(`
import zipfile
cmd = ("touch " + INPUT["marker"]).encode()
pkl = b"\\x80\\x02cos\\nsystem\\nq\\x00X" + len(cmd).to_bytes(4, "little") + cmd + b"\\x85R."
z = zipfile.ZipFile(INPUT["zip"], "w")
z.writestr("archive/data.pkl", pkl); z.writestr("archive/version", "3\\n"); z.close()
open(INPUT["raw"], "wb").write(pkl)
import pickle; pickle.loads(pkl)   # the same bytes do run in Python's own pickle
OUTPUT = True
`, { marker, zip: zipFile, raw: rawFile });
  assert.ok(existsSync(marker), "the pickle is live: Python's pickle ran it");
  rmSync(marker);
  for (const f of [zipFile, rawFile]) {
    assert.throws(() => torch.load(f), (e: Error) => e.name === "LoadError" && /refused global os\.system \(only weights are read, as PyTorch's weights_only=True\)/.test(e.message));
  }
  assert.equal(existsSync(marker), false);
  // other ways in: builtins.eval, getattr, a torch function that is not a rebuild, a pickled module
  for (const [mod, name] of [["builtins", "eval"], ["__builtin__", "getattr"], ["torch", "load"], ["torch.nn.modules.linear", "Linear"]]) {
    const f = join(dir, `evil-${name}.pt`);
    writeFileSync(f, Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from(`c${mod}\n${name}\n)R.`, "latin1")]));
    assert.throws(() => torch.load(f), new RegExp(`refused global ${mod.replace(/\./g, "\\.")}\\.${name} `));
  }
});

test("torch.load(weightsOnly: false) is refused; a TorchScript archive points at torch.jit.load", () => {
  const file = join(dir, "plain.pt");
  torch.save([1], file);
  assert.throws(() => torch.load(file, { weightsOnly: false }), /tstorch never runs a checkpoint's code/);
  const ts = join(dir, "script.pt");
  runPython(`
import torch
torch.jit.script(torch.nn.Linear(2, 2)).save(INPUT["file"])
`, { file: ts });
  assert.throws(() => torch.load(ts), /is a TorchScript archive: load it with torch\.jit\.load/);
  assert.throws(() => torch.load(dir), /not a regular file/);
  assert.throws(() => torch.load(join(dir, "absent.pt")), /ENOENT/);
});

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Corrupts `good` in one of several ways: truncation, flipped bytes, a mangled zip header or size field. */
export function corrupt(good: Buffer, r: () => number): Buffer {
  const b = Buffer.from(good);
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * b.length);
  if (kind === 0) return b.subarray(0, at);
  if (kind === 1) {
    for (let i = 1 + Math.floor(r() * 8); i > 0; i--) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
    return b;
  }
  // a header field: find a zip signature and overwrite a 2/4/8-byte field after it with an extreme value
  const sigs = [0x04034b50, 0x02014b50, 0x06054b50].map((s) => Buffer.from(Uint32Array.of(s).buffer));
  const hits: number[] = [];
  for (const s of sigs) for (let i = b.indexOf(s); i >= 0; i = b.indexOf(s, i + 1)) hits.push(i);
  const h = hits[Math.floor(r() * hits.length)] ?? 0;
  const field = h + 4 + Math.floor(r() * 40);
  const extreme = [0, 0xff, 0x7f, 0x80][Math.floor(r() * 4)];
  if (kind === 2) b.fill(extreme, Math.min(field, b.length), Math.min(field + 4, b.length));
  else if (kind === 3) b.fill(extreme, Math.min(field, b.length), Math.min(field + 2, b.length));
  else {
    // the pickle: flip a byte inside data.pkl's span
    const p = b.indexOf("data.pkl");
    const q = Math.min(b.length - 1, p + 40 + Math.floor(r() * 300));
    b[q] = Math.floor(r() * 256);
  }
  return b;
}

test("fuzz (short): corrupted .pt files give only clear LoadErrors and bounded memory", () => {
  const good = join(dir, "fuzz-good.pt");
  runPython(`
import torch
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 2))
torch.save({"model": m.state_dict(), "step": 10, "lr": 0.1, "view": torch.arange(10.)[2:5]}, INPUT["file"])
`, { file: good });
  const bytes = readFileSync(good);
  const r = rng(21);
  const bad = join(dir, "fuzz-bad.pt");
  const rss0 = process.memoryUsage().rss;
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 400; i++) {
    writeFileSync(bad, corrupt(bytes, r));
    try {
      torch.dispose(torch.load(bad));
      outcomes.ok++;
    } catch (e) {
      const err = e as Error;
      assert.equal(err.name, "LoadError", `case ${i}: ${err.name}: ${err.message}`);
      assert.match(err.message, /^torch\.load: /, `case ${i}`);
      assert.doesNotMatch(err.message, /undefined|Cannot read prop|is not a function|Maximum call stack/, `case ${i}: ${err.message}`);
      outcomes.error++;
    }
  }
  // harmless corruptions (padding, timestamps, unused header fields) load; most do not
  assert.ok(outcomes.error > 250 && outcomes.ok > 0, JSON.stringify(outcomes));
  assert.ok(process.memoryUsage().rss - rss0 < 200 << 20, "resident memory stays bounded");
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".tmp")).length, 0);
});
