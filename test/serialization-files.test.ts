// torch.load / torch.save against PyTorch itself, continued: shared storages and views, the legacy
// (pre-1.6) format, ZIP64, mmap, mapLocation, Parameters; hostile pickles are refused with the global
// named; corrupted files give clear errors only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const dir = mkdtempSync(join(tmpdir(), "tstorch-serialization-files-"));

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
