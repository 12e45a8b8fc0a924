// A Tensor prints as PyTorch's repr, under torch.setPrintoptions: the strings are compared with the
// ones PyTorch prints for the same values and options.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import type { DType } from "../src/index.js";
import { runPython } from "./helpers/python.js";
import { pyTorchSkipReason } from "./helpers/parity.js";

interface Case {
  name: string;
  values: (number | boolean)[];
  imag?: number[]; // a complex tensor: values are the real parts
  shape: number[];
  dtype: DType;
  opts?: torch.SetPrintOptions;
  requiresGrad?: boolean;
}

/** Values over several magnitudes, signs and fractions, the same on both sides. */
const wavy = (n: number, scale = 1): number[] => Array.from({ length: n }, (_, i) => Math.round(Math.sin(i + 1) * 1e4 * scale) / 1e3);

const cases: Case[] = [
  { name: "2-d integers in a float tensor", values: [1, 2, 3, 4], shape: [2, 2], dtype: "float32" },
  { name: "precision 2, negative zero", values: [1.12345, -0.5, 0, -0, 2.675], shape: [5], dtype: "float64", opts: { precision: 2 } },
  { name: "int64 summarised at threshold 5", values: wavy(10).map(Math.round), shape: [10], dtype: "int64", opts: { threshold: 5 } },
  { name: "3-d summarised, edgeitems 1", values: wavy(120), shape: [4, 5, 6], dtype: "float64", opts: { threshold: 10, edgeitems: 1 } },
  { name: "3-d full", values: wavy(24), shape: [2, 3, 4], dtype: "float32" },
  { name: "automatic scientific", values: [1e-5, 1, 123456], shape: [3], dtype: "float64" },
  { name: "sciMode false", values: [1e-5, 1, 123456], shape: [3], dtype: "float64", opts: { sciMode: false } },
  { name: "sciMode true", values: [0.5, 1, 2], shape: [3], dtype: "float32", opts: { sciMode: true, precision: 3 } },
  { name: "large integers go scientific", values: [1e9, 2, -3], shape: [3], dtype: "float64" },
  { name: "linewidth 40 wraps rows", values: wavy(30), shape: [30], dtype: "float32", opts: { linewidth: 40 } },
  { name: "linewidth 30, 2-d", values: wavy(24, 0.01), shape: [3, 8], dtype: "float64", opts: { linewidth: 30 } },
  { name: "profile short", values: wavy(2500), shape: [50, 50], dtype: "float32", opts: { profile: "short" } },
  { name: "profile full", values: wavy(1100).map(Math.round), shape: [1100], dtype: "int32", opts: { profile: "full" } },
  { name: "non-finite", values: [NaN, Infinity, -Infinity, 1.5], shape: [4], dtype: "float32" },
  { name: "non-finite among integers", values: [NaN, 2, -Infinity], shape: [3], dtype: "float32" },
  { name: "all zeros", values: [0, 0, 0], shape: [3], dtype: "float32" },
  { name: "0-d", values: [3.25], shape: [], dtype: "float32" },
  { name: "empty int", values: [], shape: [2, 0], dtype: "int32" },
  { name: "empty float, 1-d", values: [], shape: [0], dtype: "float32" },
  { name: "bool", values: [true, false, true], shape: [3], dtype: "bool" },
  { name: "uint8", values: [0, 7, 255], shape: [3], dtype: "uint8" },
  { name: "float16", values: [0.1, 1000, -2.5], shape: [3], dtype: "float16" },
  { name: "complex64", values: [1, -3.5, 0], imag: [2, -0.25, 1e-3], shape: [3], dtype: "complex64" },
  { name: "requires grad", values: [1.5, 2], shape: [2], dtype: "float64", requiresGrad: true },
];

function make(c: Case): torch.Tensor {
  if (c.imag !== undefined) {
    const re = torch.tensor(c.values as number[], { dtype: "float32" });
    const im = torch.tensor(c.imag, { dtype: "float32" });
    return torch.complex(re, im).reshape(c.shape);
  }
  const t = torch.tensor(c.values as number[], { dtype: c.dtype }).reshape(c.shape);
  return c.requiresGrad ? t.requiresGrad_(true) : t;
}

const PY = `
import math, torch
DT = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "int64": torch.int64,
      "int32": torch.int32, "uint8": torch.uint8, "bool": torch.bool, "complex64": torch.complex64}
num = lambda v: float(v) if isinstance(v, str) else v
out = []
for c in INPUT:
    o = c.get("opts") or {}
    torch.set_printoptions(precision=o.get("precision"), threshold=o.get("threshold"), edgeitems=o.get("edgeitems"),
                           linewidth=o.get("linewidth"), profile=o.get("profile"), sci_mode=o.get("sciMode"))
    vals = [num(v) for v in c["values"]]
    if "imag" in c:
        t = torch.complex(torch.tensor(vals), torch.tensor([num(v) for v in c["imag"]])).reshape(c["shape"])
    else:
        t = torch.tensor(vals, dtype=DT[c["dtype"]]).reshape(c["shape"])
    if c.get("requiresGrad"):
        t.requires_grad_(True)
    out.append(repr(t))
    torch.set_printoptions(profile="default")
OUTPUT = out
`;

test("a tensor prints as PyTorch's repr under setPrintoptions", { skip: pyTorchSkipReason() }, () => {
  // NaN, ±Infinity and -0 travel as strings (JSON has no such numbers); Python turns them back with float()
  const wire = (v: number | boolean) =>
    typeof v !== "number" ? v : Object.is(v, -0) ? "-0.0" : Number.isFinite(v) ? v : String(v).replace("Infinity", "inf");
  const input = cases.map((c) => ({ ...c, values: c.values.map(wire) }));
  const want = runPython(PY, input) as string[];
  cases.forEach((c, i) => {
    torch.setPrintoptions(c.opts ?? {});
    try {
      torch.scope(() => assert.equal(String(make(c)), want[i], c.name));
    } finally {
      torch.setPrintoptions({ profile: "default" });
    }
  });
});

test("setPrintoptions: profiles, sciMode reset by every call, bad values refused", () => {
  torch.setPrintoptions({ profile: "short", sciMode: true });
  assert.deepEqual(torch.getPrintoptions(), { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80, sciMode: true });
  torch.setPrintoptions({ precision: 6 }); // as in PyTorch: a call without sciMode sets it back to automatic
  assert.deepEqual(torch.getPrintoptions(), { precision: 6, threshold: 1000, edgeitems: 2, linewidth: 80, sciMode: null });
  torch.setPrintoptions({ profile: "full" });
  assert.equal(torch.getPrintoptions().threshold, Infinity);
  assert.throws(() => torch.setPrintoptions({ precision: -1 }), /precision must be a non-negative integer/);
  assert.throws(() => torch.setPrintoptions({ profile: "long" as "full" }), /unknown profile 'long'/);
  torch.setPrintoptions({ profile: "default" });
  assert.equal(torch.getPrintoptions().precision, 4);
  assert.equal(String(torch.tensor([1.123456])), "tensor([1.1235])");
});

test("a disposed tensor prints as such", () => {
  const t = torch.ones([2]);
  t.dispose();
  assert.equal(String(t), "Tensor(disposed)");
});
