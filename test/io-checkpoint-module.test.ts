// Module checkpoints as safetensors, across the language boundary: a state dict PyTorch wrote for
// the seed's CNN loads into tstorch's CNN and computes PyTorch's outputs, and a tstorch
// autoencoder saved with saveModule loads strictly into PyTorch's and computes tstorch's outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { PY_ST } from "./helpers/safetensors-py.js";
import { flat, fromPy, pythonSeedModels, seedModelSeq } from "./helpers/seed-models.js";

const dir = mkdtempSync(join(tmpdir(), "tstorch-module-ckpt-"));

function assertClose(actual: number[], expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test("a CNN state dict written by PyTorch loads into tstorch's CNN and gives PyTorch's outputs", () => {
  const file = join(dir, "py-cnn.safetensors");
  const py = runPython(pythonSeedModels() + PY_ST + `
torch.manual_seed(11)
m = make_model("cnn")
st_save(m.state_dict(), INPUT["file"], {"from": "pytorch"})
x = torch.rand(4, 3, 32, 32)
with torch.no_grad():
    out = m(x)
OUTPUT = {"x": x.tolist(), "out": out.flatten().tolist(), "keys": list(m.state_dict().keys())}
`, { file }) as { x: number[]; out: number[]; keys: string[] };
  const net = seedModelSeq("cnn", "tch"); // other weights: the file must replace every one
  assert.deepEqual([...net.stateDict().keys()].sort(), [...py.keys].sort(), "same state_dict names as PyTorch");
  const meta = torch.io.loadModule(net, file);
  assert.equal(meta.from, "pytorch");
  const out = torch.noGrad(() => net.forward(fromPy(py.x)));
  assertClose(flat(out), py.out);
});

test("an autoencoder saved by tstorch loads strictly into PyTorch and gives tstorch's outputs", () => {
  torch.manualSeed(12);
  const net = seedModelSeq("ae", "tch");
  const file = join(dir, "ts-ae.safetensors");
  torch.io.saveModule(net, file, { model: "autoencoder" });
  const x = torch.rand([2, 3, 32, 32]);
  const out = torch.noGrad(() => net.forward(x));
  const py = runPython(pythonSeedModels() + PY_ST + `
m = make_model("ae")
sd, meta = st_load(INPUT["file"])
m.load_state_dict(sd, strict=True)
with torch.no_grad():
    out = m(torch.tensor(INPUT["x"]))
OUTPUT = {"out": out.flatten().tolist(), "meta": meta}
`, { file, x: x.toArray() }) as { out: number[]; meta: Record<string, string> };
  assert.deepEqual(py.meta, { model: "autoencoder" });
  assertClose(py.out, flat(out));
});

test("loading another architecture's checkpoint is an error naming the mismatching key", () => {
  const file = join(dir, "ae-for-cnn.safetensors");
  torch.io.saveModule(seedModelSeq("ae"), file);
  const cnn = seedModelSeq("cnn");
  assert.throws(() => torch.io.loadModule(cnn, file), /Unexpected key\(s\) in state_dict: "6.bias", "6.weight"[\s\S]*size mismatch for 7.weight/);
});
