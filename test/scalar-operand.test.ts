// A number as the other operand of add/sub/mul/div (`x.mul(0.5)`) and of their in-place forms
// (`x.mul_(0.5)`): the addon passes it to the Tensor overload as a 0-d "wrapped number", as PyTorch's
// Python front end does, made directly in a float32 or float64 self's dtype (native/src/dispatch.cc,
// wrappedNumber); in-place operators take an unboxed path of their own. Results, dtypes, errors and
// gradients must be PyTorch's to the bit for every dtype and for numbers that do not fit (1e39 in
// float32 is inf in PyTorch, not an error), whole numbers (int Scalars) and non-finite ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const FLOAT_NUMBERS = [0.1, 1 / 3, 3, -7, 1e39, -1e39, NaN, Infinity, -Infinity, 2 ** 53, 5e-324, 65520, -0.5];
const INT_NUMBERS = [3, 2, 0.1, 1 / 3];
const DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8"] as const;
const OPS = ["add", "sub", "mul", "div", "add_alpha", "sub_alpha", "add_", "sub_", "mul_", "div_", "add__alpha", "sub__alpha"] as const;

/** values and dtype of the result, or "error" where the call threw (an integer tensor divided in place). */
type Row = { dtype: string; op: string; n: number; values: number[] | "error"; resultDtype: string };

const isFloat = (dtype: string): boolean => dtype.startsWith("float") || dtype === "bfloat16";
const baseValues = (dtype: string): number[] => (isFloat(dtype) ? [1.5, -2.25, 3e-3, 7, 0.1] : [1, 2, 3, 7, 100]);
const numbersFor = (dtype: string): number[] => (isFloat(dtype) ? FLOAT_NUMBERS : INT_NUMBERS);
/** sub's alpha: a float alpha is an error for an integer tensor (in PyTorch too). */
const subAlpha = (dtype: string): number => (isFloat(dtype) ? 0.5 : 3);

function apply(x: torch.Tensor, op: string, n: number, dtype: string): torch.Tensor {
  switch (op) {
    case "add": return x.add(n);
    case "sub": return x.sub(n);
    case "mul": return x.mul(n);
    case "div": return x.div(n);
    case "add_alpha": return x.add(n, 2);
    case "sub_alpha": return x.sub(n, subAlpha(dtype));
    case "add_": return x.clone().add_(n);
    case "sub_": return x.clone().sub_(n);
    case "mul_": return x.clone().mul_(n);
    case "div_": return x.clone().div_(n);
    case "add__alpha": return x.clone().add_(n, 2);
    default: return x.clone().sub_(n, subAlpha(dtype));
  }
}

// numbers travel as strings (JSON has no NaN); a whole number up to 2^53 is a Python int, as tstorch makes an int Scalar of it
const asText = (n: number): string => (Number.isInteger(n) && Math.abs(n) <= 2 ** 53 ? `int:${n}` : `float:${n}`);

test("x.add/sub/mul/div(number): PyTorch's values and dtypes to the bit, every dtype, numbers that overflow the dtype, non-finite numbers", () => {
  const rows: Row[] = [];
  torch.scope(() => {
    for (const dtype of DTYPES) {
      const x = torch.tensor(baseValues(dtype), { dtype });
      for (const op of OPS) {
        for (const n of numbersFor(dtype)) {
          try {
            const r = apply(x, op, n, dtype);
            rows.push({ dtype, op, n, values: r.toArray() as number[], resultDtype: r.dtype });
          } catch (e) {
            rows.push({ dtype, op, n, values: "error", resultDtype: `error: ${(e as Error).message}` });
          }
        }
      }
    }
  });
  const expected = runPython(`
    import torch
    def num(s):
        kind, v = s.split(":", 1)
        return int(v) if kind == "int" else float(v)
    out = []
    for row in INPUT["rows"]:
        dt = getattr(torch, row["dtype"])
        x = torch.tensor(row["base"], dtype=dt)
        n = num(row["n"])
        op = row["op"]
        f = {"add": lambda: x + n, "sub": lambda: x - n, "mul": lambda: x * n, "div": lambda: x / n,
             "add_alpha": lambda: torch.add(x, n, alpha=2), "sub_alpha": lambda: torch.sub(x, n, alpha=row["alpha"]),
             "add_": lambda: x.clone().add_(n), "sub_": lambda: x.clone().sub_(n), "mul_": lambda: x.clone().mul_(n),
             "div_": lambda: x.clone().div_(n), "add__alpha": lambda: x.clone().add_(n, alpha=2),
             "sub__alpha": lambda: x.clone().sub_(n, alpha=row["alpha"])}[op]
        try:
            r = f()
            out.append({"values": r.to(torch.float64).tolist(), "dtype": str(r.dtype).replace("torch.", "")})
        except RuntimeError:
            out.append({"values": "error", "dtype": "error"})
    OUTPUT = out
  `, { rows: rows.map((r) => ({ dtype: r.dtype, op: r.op, n: asText(r.n), base: baseValues(r.dtype), alpha: subAlpha(r.dtype) })) }) as { values: number[]; dtype: string }[];
  assert.equal(expected.length, rows.length);
  rows.forEach((r, i) => {
    const what = `${r.dtype} ${r.op} ${r.n}`;
    assert.equal(r.resultDtype.startsWith("error") ? "error" : r.resultDtype, expected[i].dtype, `${what}: result dtype (${r.resultDtype})`);
    assert.deepEqual(r.values, expected[i].values, `${what}: values`);
  });
});

test("gradients through number operands of a float32 parameter are PyTorch's to the bit", () => {
  const base = [1.5, -2.25, 3e-3, 7, 0.1];
  const grad = torch.scope(() => {
    const w = torch.tensor(base, { requiresGrad: true });
    const y = w.mul(0.1).add(1 / 3).sub(0.7, 3).div(3).mul(w).mul(1e-3);
    y.sum().backward();
    return w.grad!.toArray() as number[];
  });
  const expected = runPython(`
    import torch
    w = torch.tensor(INPUT, requires_grad=True)
    y = torch.sub((w * 0.1) + 1 / 3, 0.7, alpha=3) / 3 * w * 1e-3
    y.sum().backward()
    OUTPUT = w.grad.to(torch.float64).tolist()
  `, base) as number[];
  assert.deepEqual(grad, expected);
});

test("in-place number operands keep autograd's rules: a leaf that requires grad is refused, a saved tensor written in place fails backward, a non-leaf records its gradient", () => {
  torch.scope(() => {
    const w = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
    assert.throws(() => w.mul_(2), /a leaf Variable that requires grad is being used in an in-place operation/);
    const a = torch.tensor([3, 4], { dtype: "float64" });
    const y = w.mul(a); // saves a
    a.mul_(0.5);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
    const z = w.mul(1);
    z.mul_(0.5).add_(1, 3);
    assert.equal(z.gradFn, "AddBackward0");
    z.sum().backward();
    assert.deepEqual(w.grad!.toArray(), [0.5, 0.5]);
    assert.deepEqual(a.toArray(), [1.5, 2]);
  });
});
