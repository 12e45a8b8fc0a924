// Named tensors to and from safetensors files, checked against PyTorch in both directions (the
// Python side reads and writes the format with the standard library: the safetensors package is
// not installed here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { PY_ST } from "./helpers/safetensors-py.js";

const dir = mkdtempSync(join(tmpdir(), "tstorch-ckpt-"));


test("tensors saved by tstorch load in PyTorch with the same values, dtypes and metadata", () => {
  torch.manualSeed(3);
  const m = new Map<string, torch.Tensor>([
    ["layer.weight", torch.randn([4, 3])],
    ["layer.bias", torch.randn([4]).double()],
    ["steps", torch.tensor([7, -2, 9])],
    ["mask", torch.tensor([true, false])],
    ["half", torch.tensor([0.5, -1.25]).half()],
  ]);
  const file = join(dir, "ts.safetensors");
  torch.io.saveTensors(m, file, { model: "test" });
  const py = runPython(PY_ST + `
t, meta = st_load(INPUT["file"])
OUTPUT = {"meta": meta, "w": t["layer.weight"].tolist(), "b": t["layer.bias"].tolist(), "bdt": str(t["layer.bias"].dtype),
          "steps": t["steps"].tolist(), "mask": t["mask"].tolist(), "half": t["half"].float().tolist(), "hdt": str(t["half"].dtype)}
`, { file }) as Record<string, unknown>;
  assert.deepEqual(py.meta, { model: "test" });
  assert.deepEqual(py.w, m.get("layer.weight")!.toArray());
  assert.deepEqual(py.b, m.get("layer.bias")!.toArray());
  assert.equal(py.bdt, "torch.float64");
  assert.deepEqual(py.steps, [7, -2, 9]);
  assert.deepEqual(py.mask, [true, false]);
  assert.deepEqual(py.half, [0.5, -1.25]);
  assert.equal(py.hdt, "torch.float16");
});

test("a file PyTorch wrote loads in tstorch with the same values", () => {
  const file = join(dir, "py.safetensors");
  const py = runPython(PY_ST + `
torch.manual_seed(5)
t = {"conv.weight": torch.randn(2, 3, 3, 3), "conv.bias": torch.zeros(2), "count": torch.tensor([1, 2, 3], dtype=torch.int64)}
st_save(t, INPUT["file"], {"format": "pt"})
OUTPUT = {"w": t["conv.weight"].tolist(), "count": t["count"].tolist()}
`, { file }) as { w: number[][][][]; count: number[] };
  const { tensors, metadata } = torch.io.loadTensors(file);
  assert.deepEqual(metadata, { format: "pt" });
  assert.deepEqual(tensors.get("conv.weight")!.shape, [2, 3, 3, 3]);
  assert.deepEqual(tensors.get("conv.weight")!.toArray(), py.w);
  assert.equal(tensors.get("count")!.dtype, "int64");
  assert.deepEqual(tensors.get("count")!.toArray(), py.count);
  assert.deepEqual(tensors.get("conv.bias")!.toArray(), [0, 0]);
});

test("saving is atomic: a failed write leaves the previous file intact and no temporary files", () => {
  const file = join(dir, "atomic.safetensors");
  torch.io.saveTensors({ a: torch.ones([2]) }, file);
  const before = readFileSync(file);
  const bad = torch.ones([2]);
  bad.dispose();
  assert.throws(() => torch.io.saveTensors({ a: torch.zeros([3]), b: bad }, file), /used after dispose/);
  assert.deepEqual(readFileSync(file), before);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("atomic") && f !== "atomic.safetensors"), []);
});

test("a corrupt or truncated file gives an error naming the file", () => {
  const file = join(dir, "corrupt.safetensors");
  writeFileSync(file, Buffer.from([1, 2, 3]));
  assert.throws(() => torch.io.loadTensors(file), (e: Error) => e.message.includes(file));
  const good = join(dir, "good.safetensors");
  torch.io.saveTensors({ a: torch.ones([100]) }, good);
  const bytes = readFileSync(good);
  const truncated = join(dir, "truncated.safetensors");
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
  assert.throws(() => torch.io.loadTensors(truncated), (e: Error) => e.message.includes(truncated));
  assert.ok(existsSync(good));
});
