// torch.aoti: .pt2 packages made by PyTorch (torch.export + AOTInductor, CPU, g++) run in tstorch with
// PyTorch's outputs. One package per run, made by /usr/bin/python3 of the same libtorch version,
// holds two models: the seed's CNN and an MLP with two inputs and a tuple output. Its outputs are
// compared with the same package run by PyTorch (the same compiled code: equal to float rounding
// of a different thread split) and with eager PyTorch. With libtorch < 2.6 (Debian 12's 1.13) the
// API exists and says which libtorch it needs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { flat, fromPy, pythonSeedModels } from "./helpers/seed-models.js";

const { aoti } = torch;
const [major, minor] = torch.versions().libtorch.split(".").map(Number) as [number, number];
const HAS_AOTI = major > 2 || (major === 2 && minor >= 6);
// AOTInductor compiles the generated C++ with the root's g++; without one no package can be made.
const HAS_CXX = existsSync("/usr/bin/g++");
const skip = !HAS_AOTI ? "libtorch < 2.6 has no AOTIModelPackageLoader (see the last test)" : !HAS_CXX ? "no /usr/bin/g++: AOTInductor cannot compile a package here" : false;

interface Made {
  img: number[][][][]; x: number[][]; y: number[][];
  eager: { cnn: number[][]; mlp: [number[][], number[][]] };
  aoti: { cnn: number[][]; mlp: [number[][], number[][]] };
  callSpec: { cnn: [string, string]; mlp: [string, string] };
  fqns: { cnn: string[]; mlp: string[] };
  seconds: number;
}

const MAKE = `
import time
from torch._inductor.package import package_aoti, load_package
t0 = time.time()
class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.skip = nn.Linear(6, 16), nn.Linear(16, 4), nn.Linear(3, 4)
    def forward(self, x, y):
        h = self.fc2(torch.relu(self.fc1(x)))
        return h + self.skip(y), h.softmax(-1)
torch.manual_seed(0)
models = {"cnn": make_model("cnn").eval(), "mlp": TwoInputs().eval()}
img, x, y = torch.rand(4, 3, 32, 32), torch.randn(5, 6), torch.randn(5, 3)
args = {"cnn": (img,), "mlp": (x, y)}
opts = {"aot_inductor.package": True, "aot_inductor.metadata": {"made_by": "tstorch test"}}
with torch.no_grad():
    files = {n: torch._inductor.aot_compile(torch.export.export(m, args[n]).module(), args[n], options=opts) for n, m in models.items()}
    package_aoti(INPUT["path"], files)
    eager = {n: m(*args[n]) for n, m in models.items()}
    loaded = {n: load_package(INPUT["path"], n) for n in models}
    ran = {n: loaded[n](*args[n]) for n in models}
OUTPUT = {"img": img, "x": x, "y": y, "eager": eager, "aoti": ran,
          "callSpec": {n: l.loader.get_call_spec() for n, l in loaded.items()},
          "fqns": {n: l.get_constant_fqns() for n, l in loaded.items()}, "seconds": time.time() - t0}
`;

let dir = "";
let pkgPath = "";
let made: Made;

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "tstorch-aoti-"));
  pkgPath = join(dir, "models.pt2");
  made = runPython(pythonSeedModels() + MAKE, { path: pkgPath }, { timeoutMs: 480_000 }) as Made;
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length, "as many values");
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

function assertOutputs(got: torch.Tensor[], aotiPy: number[][][], eager: number[][][], what: string): void {
  assert.equal(got.length, aotiPy.length, `${what}: one tensor per output`);
  got.forEach((t, i) => {
    assert.deepEqual(t.shape, [aotiPy[i]!.length, aotiPy[i]![0]!.length], `${what}[${i}] shape`);
    assert.ok(maxDiff(flat(t), aotiPy[i]!.flat()) <= 1e-6, `${what}[${i}] as PyTorch runs the package`);
    assert.ok(maxDiff(flat(t), eager[i]!.flat()) <= 1e-4, `${what}[${i}] as eager PyTorch`);
  });
}

test("a .pt2 package made by PyTorch runs in tstorch with PyTorch's outputs (CNN; MLP with two inputs, tuple output)", { skip }, (t) => {
  t.diagnostic(`PyTorch made the two-model package in ${made.seconds.toFixed(1)} s`);
  using cnn = aoti.loadPackage(pkgPath, { modelName: "cnn" });
  using mlp = aoti.loadPackage(pkgPath, { modelName: "mlp" });
  torch.scope(() => {
    const [img, x, y] = [fromPy(made.img), fromPy(made.x), fromPy(made.y)];
    assertOutputs(cnn.run([img]), [made.aoti.cnn], [made.eager.cnn], "cnn");
    const out = mlp.run([x, y]);
    assert.equal(out[0]!.requiresGrad, false);
    assertOutputs(out, made.aoti.mlp, made.eager.mlp, "mlp");
    // call(): arguments and outputs structured by the call spec (Python's compiled(x, y) -> (a, b))
    const tree = mlp.call([x, y]) as torch.Tensor[];
    assert.ok(Array.isArray(tree) && tree.length === 2);
    assert.deepEqual(tree.map(flat), out.map(flat));
    assert.ok(cnn.call([img]) instanceof torch.Tensor, "a single output is a tensor, not an array");
    assert.throws(() => mlp.call([x]), /torch\.aoti: args should be an array of 2, as the package was exported with/);
    assert.throws(() => mlp.call([x, y], { z: x }), /torch\.aoti: kwargs has keys the package was not exported with: z/);
  });
  assert.deepEqual(cnn.getCallSpec(), made.callSpec.cnn);
  assert.deepEqual(mlp.getCallSpec(), made.callSpec.mlp);
  assert.deepEqual(cnn.getConstantFqns(), made.fqns.cnn);
  assert.deepEqual(mlp.getConstantFqns(), made.fqns.mlp); // Inductor may fold some (fc2.bias + skip.bias)
  assert.ok(made.fqns.mlp.includes("fc1.weight") && made.fqns.cnn.includes("0.weight"));
  assert.equal(mlp.getMetadata().made_by, "tstorch test");
  assert.equal(mlp.getMetadata().AOTI_DEVICE_KEY, "cpu");
});

test("runAsync: calls in flight at once settle with run()'s outputs; inputs disposed by JS stay alive", { skip }, async () => {
  using mlp = aoti.loadPackage(pkgPath, { modelName: "mlp" });
  const x = fromPy(made.x);
  const y = fromPy(made.y);
  const sync = mlp.run([x, y]).map(flat);
  const inputs = Array.from({ length: 6 }, () => [x.clone(), y.clone()]);
  const pending = inputs.map((xs) => mlp.runAsync(xs));
  for (const xs of inputs) for (const t of xs) t.dispose();
  for (const out of await Promise.all(pending)) assert.deepEqual(out.map(flat), sync);
  assert.deepEqual(((await mlp.callAsync([x, y])) as torch.Tensor[]).map(flat), sync, "callAsync: the outputs as a tuple (array)");
  const bad = await Promise.allSettled([mlp.runAsync([x])]);
  assert.equal(bad[0]!.status, "rejected");
  assert.match(String((bad[0] as PromiseRejectedResult).reason), /torch\.aoti: running the package failed: .*input/i);
});

test("bad packages, model names and inputs are errors naming the problem", { skip }, () => {
  assert.throws(() => aoti.loadPackage(join(dir, "absent.pt2")), /torch\.aoti\.loadPackage: no such file '.*absent\.pt2'/);
  const junk = join(dir, "junk.pt2");
  writeFileSync(junk, Buffer.from("this is not a zip archive, let alone a package"));
  assert.throws(() => aoti.loadPackage(junk), /torch\.aoti\.loadPackage\(.*junk\.pt2\): /);
  const cut = join(dir, "truncated.pt2");
  const bytes = readFileSync(pkgPath);
  writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
  assert.throws(() => aoti.loadPackage(cut), /torch\.aoti\.loadPackage\(.*truncated\.pt2\): /);
  assert.throws(() => aoti.loadPackage(pkgPath, { modelName: "nope" }), /torch\.aoti\.loadPackage\(.*\): .*nope/);

  const mlp = aoti.loadPackage(pkgPath, { modelName: "mlp" });
  const [x, y] = [fromPy(made.x), fromPy(made.y)];
  assert.throws(() => mlp.run([x]), /torch\.aoti: running the package failed: .*input/i);
  assert.throws(() => mlp.run([x, y.narrow(1, 0, 2).contiguous()]), /torch\.aoti: running the package failed: .*input/i);
  assert.throws(() => mlp.run([x, y.double()]), /torch\.aoti: running the package failed: .*dtype/i);
  assert.throws(() => mlp.run([x, 3 as unknown as torch.Tensor]), /inputs\[1\] is not a Tensor/);
  mlp.dispose();
  assert.throws(() => mlp.run([x, y]), /torch\.aoti: this AOTIPackage was disposed/);
});

test("libtorch < 2.6: torch.aoti.loadPackage says which libtorch it needs", { skip: HAS_AOTI ? "this libtorch has AOTInductor packages" : false }, () => {
  assert.throws(
    () => aoti.loadPackage("/nonexistent/model.pt2"),
    new RegExp(`^Error: torch\\.aoti\\.loadPackage needs libtorch >= 2\\.6; this build links ${torch.versions().libtorch.replace(/\./g, "\\.")}$`),
  );
});
