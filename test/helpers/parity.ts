// PyTorch parity harness. A case names an operator, its inputs (seeded random data made here in
// TypeScript with torch.manualSeed + rand/randn/randint), a TypeScript call and the same call as a
// Python expression. tstorch runs every case first; then ONE /usr/bin/python3 process receives a
// JSON spec of all cases (input data as flat arrays, the weights w) and evaluates each expression
// on the same data. Both sides report the outputs (shape, dtype, requires_grad, values) and the
// gradients of L = sum_i sum(out_i * w_i) with respect to every input that requires grad, where w_i
// is a fixed random tensor per case and output. Each case becomes its own subtest, named after the op.
//
// Outside CI the suite may be skipped only when /usr/bin/python3 cannot import torch (the reason is
// printed); with CI=true it always runs, and a missing PyTorch is a failure.
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";

/** The Python with PyTorch (TSTORCH_TEST_PYTHON; Debian's by default). */
export const PYTHON = process.env.TSTORCH_TEST_PYTHON ?? "/usr/bin/python3";
/**
 * Where both sides compute: TSTORCH_TEST_DEVICE=cuda runs every case on the GPU in tstorch and in
 * PyTorch (scripts/gpu-check.sh); inputs are drawn on the CPU and copied there, so the data match.
 */
export const DEVICE = process.env.TSTORCH_TEST_DEVICE ?? "cpu";

/** How an input's values are drawn: randn, uniform in [lo, hi), integers in [lo, hi), bools, or given values. */
export type Dist =
  | "randn"
  | "bool"
  | { uniform: readonly [number, number] }
  | { int: readonly [number, number] }
  | { values: readonly number[] };

export interface InputSpec {
  shape: readonly number[];
  /** default "randn" */
  dist?: Dist;
  /** default: int64 for {int}, bool for "bool", else float32 */
  dtype?: DType;
  /** default: true for floating inputs, false otherwise */
  grad?: boolean;
}

export interface ParityCase {
  /** what the case checks beyond the op, e.g. "stride 2, padding 1" */
  name: string;
  /** the operator the case covers (counted for coverage) */
  op: string;
  inputs: Record<string, InputSpec>;
  /** the tstorch call; several outputs as an array */
  ts: (x: Record<string, Tensor>) => Tensor | readonly Tensor[];
  /** the PyTorch call as a Python expression over the inputs, `torch`, `F` (torch.nn.functional) and `math` */
  py: string;
  /** tolerances (default rtol 1e-4, atol 1e-5) and why a case needs looser ones */
  rtol?: number;
  atol?: number;
  why?: string;
}

export const DEFAULT_RTOL = 1e-4;
export const DEFAULT_ATOL = 1e-5;

export interface FlatTensor {
  shape: number[];
  dtype: string;
  requiresGrad: boolean;
  data: number[];
}
export interface SideResult {
  outputs: FlatTensor[];
  grads: Record<string, number[] | null>;
}
export interface TsComputed {
  inputs: { name: string; shape: number[]; dtype: DType; grad: boolean; data: number[] }[];
  weights: (number[] | null)[];
  result?: SideResult;
  error?: string;
}
export type PyResult = SideResult | { error: string };

// ---------------------------------------------------------------- availability

let probe: { ok: true; version: string } | { ok: false; reason: string } | null = null;

/** Whether /usr/bin/python3 can import torch (cached). */
export function pythonTorch(): { ok: true; version: string } | { ok: false; reason: string } {
  if (probe) return probe;
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  if (r.error) probe = { ok: false, reason: `${PYTHON} cannot run: ${r.error.message}` };
  else if (r.status !== 0) probe = { ok: false, reason: `${PYTHON} cannot import torch: ${(r.stderr || "").trim().split("\n").pop()}` };
  else probe = { ok: true, version: r.stdout.trim() };
  return probe;
}

let reasonPrinted = false;
/**
 * The reason to skip PyTorch comparisons (printed once), or undefined to run them. With CI=true
 * this is always undefined: the comparisons run, and fail if PyTorch is missing.
 */
export function pyTorchSkipReason(): string | undefined {
  const p = pythonTorch();
  if (p.ok) return undefined;
  if (process.env.CI === "true") return undefined;
  const reason = `PyTorch comparison skipped: ${p.reason}`;
  if (!reasonPrinted) console.log(`# ${reason}`);
  reasonPrinted = true;
  return reason;
}

// ---------------------------------------------------------------- running Python

/** Runs a Python program with JSON on stdin and returns its parsed JSON stdout. */
export function runPythonJson(program: string, input: unknown): unknown {
  const p = pythonTorch();
  if (!p.ok) throw new Error(`PyTorch is required here (CI=${process.env.CI ?? ""}): ${p.reason}`);
  const r = spawnSync(PYTHON, ["-c", program], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${PYTHON} failed (status ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const PY_PARITY = String.raw`
import json, math, sys
import torch
import torch.nn.functional as F

DT = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
      "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
      "bool": torch.bool}

def flat(t):
    t = t.detach()
    if t.dtype.is_floating_point:
        vals = [v if math.isfinite(v) else str(v) for v in t.double().flatten().tolist()]
    else:
        vals = [int(v) for v in t.flatten().tolist()]
    return vals

def enc(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "requiresGrad": bool(t.requires_grad), "data": flat(t)}

import os
DEVICE = os.environ.get("TSTORCH_TEST_DEVICE", "cpu")
spec = json.load(sys.stdin)
results = []
for case in spec:
    try:
        env = {"torch": torch, "F": F, "math": math}
        leaves = {}
        for inp in case["inputs"]:
            t = torch.tensor(inp["data"], dtype=DT[inp["dtype"]]).reshape(inp["shape"]).to(DEVICE)
            if inp["grad"]:
                t.requires_grad_(True)
                leaves[inp["name"]] = t
            env[inp["name"]] = t
        out = eval(case["py"], env)
        outs = [out] if isinstance(out, torch.Tensor) else list(out)
        loss = None
        for o, w in zip(outs, case["weights"]):
            if w is None or not o.requires_grad:
                continue
            term = (o * torch.tensor(w, dtype=o.dtype).reshape(o.shape).to(o.device)).sum()
            loss = term if loss is None else loss + term
        encoded = [enc(o) for o in outs]
        if loss is not None:
            loss.backward()
        grads = {name: (None if t.grad is None else flat(t.grad)) for name, t in leaves.items()}
        results.append({"outputs": encoded, "grads": grads})
    except Exception as e:
        results.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(results, sys.stdout)
`;

// ---------------------------------------------------------------- the tstorch side

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h % 1_000_000_007;
}

function toNumbers(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number | bigint>, (v) => Number(v));
}

function makeInput(spec: InputSpec): Tensor {
  const dist = spec.dist ?? "randn";
  const shape = [...spec.shape];
  let t: Tensor;
  if (dist === "randn") {
    t = torch.randn(shape);
  } else if (dist === "bool") {
    t = torch.rand(shape).lt(0.5);
  } else if ("uniform" in dist) {
    const [lo, hi] = dist.uniform;
    t = torch.rand(shape).mul(torch.scalar(hi - lo)).add(torch.scalar(lo));
  } else if ("int" in dist) {
    t = torch.randint(dist.int[0], dist.int[1], shape);
  } else {
    t = torch.tensor([...dist.values], { dtype: spec.dtype ?? "float32" }).reshape(shape);
  }
  const dtype = spec.dtype ?? (dist === "bool" ? "bool" : typeof dist === "object" && "int" in dist ? "int64" : "float32");
  if (t.dtype !== dtype) t = t.to(dtype);
  return t;
}

function isFloating(d: string): boolean {
  return d === "float32" || d === "float64" || d === "float16" || d === "bfloat16";
}

function flatTs(t: Tensor): FlatTensor {
  return { shape: t.shape, dtype: t.dtype, requiresGrad: t.requiresGrad, data: toNumbers(t) };
}

/** Runs one case in tstorch; every tensor it makes is freed (torch.scope). */
export function computeTs(c: ParityCase): TsComputed {
  const seed = hashName(c.name + "|" + c.op);
  const computed: TsComputed = { inputs: [], weights: [] };
  try {
    torch.scope(() => {
      torch.manualSeed(seed);
      const x: Record<string, Tensor> = {};
      for (const [name, spec] of Object.entries(c.inputs)) {
        let t = makeInput(spec);
        if (DEVICE !== "cpu") t = t.to(DEVICE);
        const grad = spec.grad ?? isFloating(t.dtype);
        computed.inputs.push({ name, shape: t.shape, dtype: t.dtype, grad, data: toNumbers(t) });
        if (grad) t.requiresGrad_(true);
        x[name] = t;
      }
      const out = c.ts(x);
      const outs = out instanceof Array ? [...out] : [out as Tensor];
      const outputs = outs.map(flatTs); // before backward: in-place updates are part of the forward
      let loss: Tensor | null = null;
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i];
        if (!o.requiresGrad) {
          computed.weights.push(null);
          continue;
        }
        torch.manualSeed(seed + 1 + i);
        const w = torch.randn(o.shape).to(o.dtype).to(o.device);
        computed.weights.push(toNumbers(w));
        const term = o.mul(w).sum();
        loss = loss === null ? term : loss.add(term);
      }
      if (loss !== null) loss.backward();
      const grads: Record<string, number[] | null> = {};
      for (const inp of computed.inputs) {
        if (!inp.grad) continue;
        const g = x[inp.name].grad;
        grads[inp.name] = g === null ? null : toNumbers(g);
      }
      computed.result = { outputs, grads };
    });
  } catch (e) {
    computed.error = e instanceof Error ? e.message : String(e);
  }
  return computed;
}

/** Evaluates every case in one Python process on the data tstorch used. */
export function computePy(cases: readonly ParityCase[], ts: readonly TsComputed[]): PyResult[] {
  const spec = cases.map((c, i) => ({ py: c.py, inputs: ts[i].inputs, weights: ts[i].weights }));
  const raw = runPythonJson(PY_PARITY, spec) as PyResult[];
  const decode = (v: number | string): number =>
    typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
  for (const r of raw) {
    if ("error" in r) continue;
    for (const o of r.outputs) o.data = (o.data as (number | string)[]).map(decode);
    for (const k of Object.keys(r.grads)) {
      const g = r.grads[k];
      if (g) r.grads[k] = (g as (number | string)[]).map(decode);
    }
  }
  return raw;
}

// ---------------------------------------------------------------- comparing

/** Asserts that `actual` (tstorch) matches `expected` (PyTorch) elementwise: |a - e| <= atol + rtol * |e|, NaN == NaN. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = DEFAULT_RTOL, atol = DEFAULT_ATOL): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} elements, PyTorch has ${expected.length}`);
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0)) {
      bad++;
      if (!(excess <= worstExcess)) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad > 0) {
    assert.fail(
      `${what}: ${bad} of ${actual.length} elements differ beyond rtol=${rtol}, atol=${atol}; ` +
        `worst at flat index ${worst}: tstorch ${actual[worst]} vs PyTorch ${expected[worst]}`,
    );
  }
}

/** Throws an AssertionError naming the first difference between the two sides of a case. */
export function compareCase(c: ParityCase, ts: TsComputed, py: PyResult): void {
  if (ts.error !== undefined) assert.fail(`tstorch failed: ${ts.error}`);
  if ("error" in py) assert.fail(`PyTorch failed on \`${c.py}\`: ${py.error}`);
  const r = ts.result!;
  const rtol = c.rtol ?? DEFAULT_RTOL;
  const atol = c.atol ?? DEFAULT_ATOL;
  assert.equal(r.outputs.length, py.outputs.length, `number of outputs`);
  r.outputs.forEach((o, i) => {
    const p = py.outputs[i];
    const what = `output ${i}`;
    assert.deepEqual(o.shape, p.shape, `${what} shape`);
    assert.equal(o.dtype, p.dtype, `${what} dtype`);
    assert.equal(o.requiresGrad, p.requiresGrad, `${what} requiresGrad`);
    if (isFloating(o.dtype)) assertClose(o.data, p.data, `${what} values`, rtol, atol);
    else assert.deepEqual(o.data, p.data, `${what} values (exact for ${o.dtype})`);
  });
  const names = Object.keys(r.grads);
  assert.deepEqual(names.sort(), Object.keys(py.grads).sort(), "inputs with gradients");
  for (const n of names) {
    const g: number[] | null = r.grads[n];
    const pg: number[] | null = py.grads[n];
    if (g === null || pg === null) {
      assert.equal(g === null ? "no grad" : "a grad", pg === null ? "no grad" : "a grad", `gradient of '${n}'`);
      continue;
    }
    assertClose(g, pg, `gradient of '${n}'`, rtol, atol);
  }
}

// ---------------------------------------------------------------- the suite

/** Distinct operators the cases cover. */
export function coveredOps(cases: readonly ParityCase[]): string[] {
  return [...new Set(cases.map((c) => c.op))].sort();
}

/**
 * Declares a describe() block with one subtest per case ("<op>: <name>"). tstorch runs every case
 * and one Python process evaluates them all in a before() hook.
 */
export function paritySuite(title: string, cases: readonly ParityCase[]): void {
  const titles = cases.map((c) => `${c.op}: ${c.name}`);
  const dup = titles.find((t, i) => titles.indexOf(t) !== i);
  if (dup) throw new Error(`duplicate parity case '${dup}'`);
  describe(title, { skip: pyTorchSkipReason() }, () => {
    let ts: TsComputed[] = [];
    let py: PyResult[] = [];
    before(() => {
      ts = cases.map(computeTs);
      py = computePy(cases, ts);
    });
    cases.forEach((c, i) => {
      it(titles[i], () => compareCase(c, ts[i], py[i]));
    });
  });
}
