// Layer parity against PyTorch, driven from PyTorch's side: ONE /usr/bin/python3 process builds
// every case's torch.nn module (seeded), saves its state_dict as safetensors, runs forward in the
// case's mode on seeded inputs, backpropagates L = Σ sum(out_i · w_i) and saves inputs, outputs,
// weights w_i and every input and parameter gradient in a second safetensors file. tstorch then
// builds the same layer, loads the first file with io.loadModule (strict: the names and shapes
// must be PyTorch's, no renaming), runs the same forward and backward, and compares.
//
// Input helpers in a case's Python: r(*shape) randn requiring grad, f(*shape) randn without,
// i(lo, hi, *shape) int64, b(p, *shape) bool (true with probability p), plus torch / nn / F.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertClose, pyTorchSkipReason } from "./parity.js";
import { dedent, runPython } from "./python.js";
import { PY_ST } from "./safetensors-py.js";

export interface LayerCase {
  name: string;
  /** Python expression building the torch.nn module. */
  py: string;
  /** Python statements defining X = {name: tensor} (forward's inputs). */
  inputs: string;
  /** Python expression calling the module `m` on X. */
  call: string;
  /** tstorch: builds the module (its weights are then loaded from PyTorch's state_dict). */
  build: () => torch.nn.AnyModule;
  /** tstorch: calls it on the same inputs. */
  forward: (m: any, x: Record<string, Tensor>) => unknown;
  /** default "train" */
  mode?: "train" | "eval";
  rtol?: number;
  atol?: number;
}

const PY_DRIVER = PY_ST + `
import torch, torch.nn as nn, torch.nn.functional as F, math, os
def flat_out(o):
    if o is None: return []
    if isinstance(o, torch.Tensor): return [o]
    out = []
    for e in o: out += flat_out(e)
    return out
res = {}
for ci, c in enumerate(INPUT["cases"]):
    try:
        torch.manual_seed(1000 + ci)
        m = eval(c["py"])
        m.train(c["mode"] == "train")
        g = torch.Generator().manual_seed(2000 + ci)
        r = lambda *s: torch.randn(*s, generator=g).requires_grad_(True)
        f = lambda *s: torch.randn(*s, generator=g)
        i = lambda lo, hi, *s: torch.randint(lo, hi, s, generator=g)
        b = lambda p, *s: torch.rand(*s, generator=g) < p
        env = {"torch": torch, "nn": nn, "F": F, "math": math, "r": r, "f": f, "i": i, "b": b, "m": m}
        exec(c["inputs"], env)
        X = env["X"]
        sd = {k: v.detach().clone().contiguous() for k, v in m.state_dict().items()}
        env["X"] = X
        outs = flat_out(eval(c["call"], env))
        io = {}
        for k, v in X.items(): io["in/" + k] = v.detach().contiguous()
        loss = None
        for j, o in enumerate(outs):
            io["out/%d" % j] = o.detach().contiguous()
            if o.requires_grad:
                w = torch.randn(o.shape, generator=g)
                io["w/%d" % j] = w
                term = (o * w).sum()
                loss = term if loss is None else loss + term
        if loss is not None: loss.backward()
        for k, v in X.items():
            if v.requires_grad and v.grad is not None: io["gin/" + k] = v.grad.contiguous()
        for k, p in m.named_parameters():
            if p.grad is not None: io["gp/" + k] = p.grad.contiguous()
        for k, v in m.named_buffers():
            if v is not None and v.is_floating_point(): io["post/" + k] = v.detach().contiguous()
        base = os.path.join(INPUT["dir"], "case%d" % ci)
        # 0-d tensors travel as [1] (the helper's writer needs a dimension) and are named in the metadata
        def save0(ts, path):
            scal = [k for k, v in ts.items() if v.dim() == 0]
            st_save({k: (v.reshape(1) if v.dim() == 0 else v) for k, v in ts.items()}, path, {"scalars": ",".join(scal)})
        save0(sd, base + ".sd.safetensors")
        save0(io, base + ".io.safetensors")
        res[c["name"]] = {"n_out": len(outs), "grad_inputs": [k for k, v in X.items() if v.requires_grad], "keys": list(sd.keys())}
    except Exception as e:
        import traceback
        res[c["name"]] = {"error": type(e).__name__ + ": " + str(e) + "\\n" + traceback.format_exc()}
OUTPUT = res
`;

function flatOut(o: unknown): Tensor[] {
  if (o === null || o === undefined) return [];
  if (o instanceof torch.Tensor) return [o];
  if (Array.isArray(o)) return o.flatMap(flatOut);
  throw new Error(`unexpected forward output ${typeof o}`);
}

function nums(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
}

function maxAbsDiff(a: number[], b: number[]): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** Max |tstorch - PyTorch| per case, over outputs and gradients (printed after the suite). */
export const maxDiffs = new Map<string, { out: number; grad: number }>();

export function layerParitySuite(title: string, cases: readonly LayerCase[]): void {
  describe(title, { skip: pyTorchSkipReason() }, () => {
    let dir = "";
    let py: Record<string, { error?: string; n_out: number; grad_inputs: string[]; keys: string[] }> = {};
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "tstorch-nn-parity-"));
      py = runPython(PY_DRIVER, {
        dir,
        cases: cases.map((c) => ({ name: c.name, py: c.py, inputs: dedent(c.inputs), call: c.call, mode: c.mode ?? "train" })),
      }) as typeof py;
    });
    after(() => {
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
      const rows = [...maxDiffs].filter(([k]) => cases.some((c) => c.name === k));
      for (const [k, v] of rows) console.log(`# max |Δ| ${k}: outputs ${v.out.toExponential(2)}, gradients ${v.grad.toExponential(2)}`);
    });
    cases.forEach((c, ci) => {
      it(c.name, () => {
        const r = py[c.name];
        assert.ok(r !== undefined, "PyTorch produced no result");
        if (r.error !== undefined) assert.fail(`PyTorch failed: ${r.error}`);
        const rtol = c.rtol ?? 1e-4;
        const atol = c.atol ?? 1e-5;
        const m = c.build();
        try {
          torch.scope(() => {
            // the state_dict PyTorch saved loads as it is (strict: same names, same shapes)
            const sdFile = torch.io.loadTensors(join(dir, `case${ci}.sd.safetensors`));
            const sdScalars = new Set((sdFile.metadata.scalars ?? "").split(",").filter((k) => k !== ""));
            if (sdScalars.size === 0) torch.io.loadModule(m, join(dir, `case${ci}.sd.safetensors`));
            else m.loadStateDict(new Map([...sdFile.tensors].map(([k, v]) => [k, sdScalars.has(k) ? v.reshape([]) : v])));
            assert.deepEqual([...m.stateDict().keys()], r.keys, "state_dict keys in PyTorch's order");
            m.train((c.mode ?? "train") === "train");
            const ioFile = torch.io.loadTensors(join(dir, `case${ci}.io.safetensors`));
            const ioScalars = new Set((ioFile.metadata.scalars ?? "").split(",").filter((k) => k !== ""));
            const io = new Map([...ioFile.tensors].map(([k, v]) => [k, ioScalars.has(k) ? v.reshape([]) : v]));
            const x: Record<string, Tensor> = {};
            for (const [k, v] of io) {
              if (!k.startsWith("in/")) continue;
              const name = k.slice(3);
              x[name] = r.grad_inputs.includes(name) ? v.requiresGrad_(true) : v;
            }
            const outs = flatOut(c.forward(m, x));
            assert.equal(outs.length, r.n_out, "number of outputs");
            let dOut = 0;
            let loss: Tensor | null = null;
            outs.forEach((o, j) => {
              const e = io.get(`out/${j}`)!;
              assert.deepEqual(o.shape, e.shape, `output ${j} shape`);
              assert.equal(o.dtype, e.dtype, `output ${j} dtype`);
              const a = nums(o);
              const b = nums(e);
              assertClose(a, b, `output ${j}`, rtol, atol);
              dOut = Math.max(dOut, maxAbsDiff(a, b));
              const w = io.get(`w/${j}`);
              assert.equal(o.requiresGrad, w !== undefined, `output ${j} requires grad as in PyTorch`);
              if (w !== undefined) {
                const term = o.mul(w).sum();
                loss = loss === null ? term : loss.add(term);
              }
            });
            if (loss !== null) (loss as Tensor).backward();
            let dGrad = 0;
            for (const name of r.grad_inputs) {
              const e = io.get(`gin/${name}`);
              const g = x[name].grad;
              assert.equal(g === null, e === undefined, `input ${name}: gradient presence`);
              if (g !== null && e !== undefined) {
                const [a, b] = [nums(g), nums(e)];
                assertClose(a, b, `gradient of input ${name}`, rtol, atol);
                dGrad = Math.max(dGrad, maxAbsDiff(a, b));
              }
            }
            const params = m.namedParameters();
            const pyGrads = [...io.keys()].filter((k) => k.startsWith("gp/")).map((k) => k.slice(3));
            const tsGrads = [...params].filter(([, p]) => p.grad !== null).map(([k]) => k);
            assert.deepEqual(tsGrads.sort(), pyGrads.sort(), "parameters with gradients");
            for (const k of pyGrads) {
              const [a, b] = [nums(params.get(k)!.grad!), nums(io.get(`gp/${k}`)!)];
              assertClose(a, b, `gradient of parameter ${k}`, rtol, atol);
              dGrad = Math.max(dGrad, maxAbsDiff(a, b));
            }
            const buffers = m.namedBuffers();
            for (const [k, e] of io) {
              if (!k.startsWith("post/")) continue;
              const name = k.slice(5);
              assertClose(nums(buffers.get(name)!), nums(e), `buffer ${name} after forward`, rtol, atol);
            }
            maxDiffs.set(c.name, { out: dOut, grad: dGrad });
          });
        } finally {
          m.dispose();
        }
      });
    });
  });
}
