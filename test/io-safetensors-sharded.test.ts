// Sharded safetensors (Hugging Face's model.safetensors.index.json), read lazily: shards written
// by Python (standard library + torch) load tensor by tensor; a shard is only opened when one of
// its tensors is read; bad indexes and shards give errors naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { PY_ST } from "./helpers/safetensors-py.js";

test("a sharded safetensors checkpoint loads lazily, shard by shard, into a module", () => {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-sharded-"));
  const py = runPython(PY_ST + `
import json, os
torch.manual_seed(2)
m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
sd = m.state_dict()
shards = {"model-00001-of-00002.safetensors": ["0.weight", "0.bias"], "model-00002-of-00002.safetensors": ["2.weight", "2.bias"]}
wm = {}
for f, keys in shards.items():
    st_save({k: sd[k] for k in keys}, os.path.join(INPUT["dir"], f), {"format": "pt"})
    for k in keys: wm[k] = f
json.dump({"metadata": {"total_size": sum(t.numel() * 4 for t in sd.values())}, "weight_map": wm},
          open(os.path.join(INPUT["dir"], "model.safetensors.index.json"), "w"))
x = torch.randn(2, 4)
with torch.no_grad(): out = m(x)
OUTPUT = {"x": x.tolist(), "out": out.flatten().tolist()}
`, { dir }) as { x: number[][]; out: number[] };
  const index = join(dir, "model.safetensors.index.json");
  const ck = torch.io.openSafetensors(index) as torch.io.ShardedSafetensors;
  assert.deepEqual(ck.keys(), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  assert.equal(ck.metadata.total_size, (32 + 8 + 24 + 3) * 4);
  assert.deepEqual(ck.info("2.weight").shape, [3, 8]);
  const m = new torch.nn.Sequential(new torch.nn.Linear(4, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 3));
  m.loadStateDict(ck.loadAll());
  const out = torch.noGrad(() => m.forward(torch.tensor(py.x)));
  const got = Array.from(out.flatten().toTypedArray() as Float32Array);
  got.forEach((v, i) => assert.ok(Math.abs(v - py.out[i]) < 1e-6, `${v} vs ${py.out[i]}`));
  // lazy: with the second shard gone, the first shard's tensors still read, the second's name their file
  const fresh = torch.io.ShardedSafetensors.open(index);
  rmSync(join(dir, "model-00002-of-00002.safetensors"));
  assert.deepEqual(fresh.get("0.bias", { mmap: true }).shape, [8]);
  assert.throws(() => fresh.get("2.bias"), /model-00002-of-00002\.safetensors/);
  assert.throws(() => fresh.get("nope"), /no tensor named "nope" in its weight_map/);
});

test("bad sharded indexes and shards are refused with the file named", () => {
  const dir = mkdtempSync(join(tmpdir(), "tstorch-sharded-bad-"));
  const idx = join(dir, "i.index.json");
  writeFileSync(idx, "{");
  assert.throws(() => torch.io.ShardedSafetensors.open(idx), /i\.index\.json: not a readable JSON index/);
  writeFileSync(idx, JSON.stringify({ weight_map: { a: "../../etc/passwd" } }));
  assert.throws(() => torch.io.ShardedSafetensors.open(idx), /must be a file name beside the index/);
  writeFileSync(idx, JSON.stringify({ weight_map: { a: "s.safetensors" } }));
  const shard = join(dir, "s.safetensors");
  const header = Buffer.from(JSON.stringify({ b: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(shard, Buffer.concat([len, header, Buffer.alloc(8)]));
  assert.throws(() => torch.io.ShardedSafetensors.open(idx).get("a"), /s\.safetensors: the index puts tensor "a" in this shard, which lacks it/);
  writeFileSync(shard, Buffer.concat([len, header, Buffer.alloc(4)]));
  assert.throws(() => torch.io.SafetensorsFile.open(shard), /data_offsets end 8 is beyond the 4 data bytes in the file \(truncated\?\)/);
});
