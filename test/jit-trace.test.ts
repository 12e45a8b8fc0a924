// torch.jit.trace: tstorch models recorded by libtorch's tracer (the seed's CNN, an LSTM model, a
// plain function), saved by tstorch, load in PyTorch's torch.jit.load and give tstorch's outputs;
// their parameters stay parameters (PyTorch's state_dict names), shared with the tstorch model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { PYTHON } from "./helpers/python.js";
import { seedModelSeq } from "./helpers/seed-models.js";

const { nn, jit } = torch;
const dir = mkdtempSync(join(tmpdir(), "tstorch-jit-trace-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const flat = (t: torch.Tensor): number[] => Array.from(t.detach().flatten().toTypedArray() as ArrayLike<number | bigint>, Number);
function close(actual: number[], expected: number[], tol = 1e-5, what = ""): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Loads each file in PyTorch, runs it on its inputs, returns outputs (flattened, tuples walked) and parameter names. */
function runInPyTorch(cases: { file: string; inputs: number[][][] | unknown[] }[]): { outs: number[][]; params: string[]; constants: number }[] {
  const code = `
import json, sys, torch
cases = json.load(open(sys.argv[1]))
def leaves(v):
    if isinstance(v, torch.Tensor): return [v.flatten().tolist()]
    return [x for e in v for x in leaves(e)]
res = []
for c in cases:
    m = torch.jit.load(c["file"])
    with torch.no_grad():
        out = m(*[torch.tensor(x, dtype=torch.float32) for x in c["inputs"]])
    consts = sum(1 for n in m.graph.nodes() if n.kind() == "prim::Constant" and n.output().type().kind() == "TensorType")
    res.append({"outs": leaves(out), "params": [n for n, _ in m.named_parameters()], "constants": consts})
json.dump(res, open(sys.argv[2], "w"))
`;
  const file = join(dir, "check.py");
  writeFileSync(file, code);
  writeFileSync(join(dir, "cases.json"), JSON.stringify(cases));
  const r = spawnSync(PYTHON, [file, join(dir, "cases.json"), join(dir, "res.json")], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`PyTorch check failed:\n${r.stderr}`);
  return JSON.parse(readFileSync(join(dir, "res.json"), "utf8"));
}

class Tagger extends nn.Module<[torch.Tensor], [torch.Tensor, [torch.Tensor, torch.Tensor]]> {
  lstm = new nn.LSTM(5, 7, { numLayers: 2, batchFirst: true });
  head = new nn.Linear(7, 3);
  forward(x: torch.Tensor): [torch.Tensor, [torch.Tensor, torch.Tensor]] {
    const [out, [h, c]] = this.lstm.forward(x);
    return [this.head.forward(out), [h, c]];
  }
}

test("the seed's CNN, an LSTM model and a function, traced and saved by tstorch, give tstorch's outputs in PyTorch", () => {
  torch.manualSeed(3);
  const cnn = seedModelSeq("cnn");
  const x = torch.rand([3, 3, 32, 32]);
  const tCnn = jit.trace(cnn, x);
  assert.deepEqual([...tCnn.namedParameters().keys()], [...cnn.namedParameters().keys()]);
  assert.match(tCnn.graph(), /aten::max_pool2d/);
  const expectedCnn = torch.noGrad(() => cnn.forward(x));
  close(flat(torch.noGrad(() => tCnn.forward(x))), flat(expectedCnn), 1e-6, "traced CNN in tstorch");
  tCnn.save(join(dir, "cnn.pt"));

  const tagger = new Tagger();
  const seq = torch.randn([2, 4, 5]);
  const tTagger = jit.trace(tagger, [seq]);
  const [y, [h, c]] = torch.noGrad(() => tagger.forward(seq));
  tTagger.save(join(dir, "tagger.pt"));

  const a = torch.randn([2, 3]);
  const b = torch.randn([2, 3]);
  const fn = (p: torch.Tensor, q: torch.Tensor): torch.Tensor[] => [p.mul(q).add(1), p.sigmoid().sum(1)];
  const tFn = jit.trace(fn, [a, b]);
  const [f1, f2] = fn(a, b);
  close(flat(tFn.forward(a, b)[1]), flat(f2), 1e-6, "traced function in tstorch");
  tFn.save(join(dir, "fn.pt"));

  const [pc, pt, pf] = runInPyTorch([
    { file: join(dir, "cnn.pt"), inputs: [x.toArray()] },
    { file: join(dir, "tagger.pt"), inputs: [seq.toArray()] },
    { file: join(dir, "fn.pt"), inputs: [a.toArray(), b.toArray()] },
  ]);
  close(pc.outs[0], flat(expectedCnn), 1e-5, "CNN in PyTorch");
  assert.deepEqual(pc.params, ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]);
  assert.equal(pc.constants, 0, "no tensor baked into the graph: the weights are parameters");
  assert.equal(pt.outs.length, 3);
  close(pt.outs[0], flat(y), 1e-5, "LSTM model output in PyTorch");
  close(pt.outs[1], flat(h), 1e-5, "h_n in PyTorch");
  close(pt.outs[2], flat(c), 1e-5, "c_n in PyTorch");
  assert.deepEqual(pt.params, [...tagger.namedParameters().keys()]);
  close(pf.outs[0], flat(f1), 1e-6, "function output 0 in PyTorch");
  close(pf.outs[1], flat(f2), 1e-6, "function output 1 in PyTorch");
});

test("a traced module shares the tstorch model's parameters (training one trains the other)", () => {
  torch.manualSeed(4);
  const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  const x = torch.randn([5, 4]);
  const traced = jit.trace(net, x);
  const opt = new torch.optim.SGD(traced.parameters(), { lr: 0.1 });
  const loss = traced.forward(x).pow(2).sum();
  loss.backward();
  opt.step();
  close(flat(torch.noGrad(() => net.forward(x))), flat(torch.noGrad(() => traced.forward(x))), 0, "same weights after a step");
  assert.equal(net.parameters()[0].grad !== null, true, "the gradient is on the tstorch model's tensor");
});

test("tracing errors are JS errors naming the problem", () => {
  const x = torch.ones([2, 2]);
  assert.throws(() => jit.trace(() => {
    throw new Error("boom in forward");
  }, [x]), /jit\.trace\(\): the traced forward threw: boom in forward/);
  assert.throws(() => jit.trace(() => 3 as unknown as torch.Tensor, [x]), /jit\.trace\(\): the output is the number 3; a traced forward returns Tensors/);
  assert.throws(() => jit.trace((t: torch.Tensor) => ({ y: t.mul(2) }), [x]), /jit\.trace\(\) failed: .*dict at the output of the tracer/);
  const d = jit.trace((t: torch.Tensor) => ({ y: t.mul(2) }), [x], { strict: false }).forward(x);
  close(flat(d.y), [2, 2, 2, 2], 0, "dict output with strict: false");
  assert.throws(() => jit.trace("net" as unknown as () => torch.Tensor, [x]), /jit\.trace expects an nn\.Module or a function/);
  // after a failed trace, tracing still works (the tracer's state was reset)
  close(flat(jit.trace((t: torch.Tensor) => t.add(1), [x]).forward(x)), [2, 2, 2, 2], 0, "trace after errors");
});
