// item() of an int64 beyond Number.MAX_SAFE_INTEGER: a JS number would round it (2^60 + 1 read as
// 1152921504606847000), so item() refuses it and item({ bigint: true }) gives the exact value, as
// PyTorch's item() gives a Python int. Safe values stay numbers (the type existing callers use).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const BIG = [2n ** 60n + 1n, -(2n ** 62n) - 3n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n) - 1n];

test("item() of an int64 beyond 2^53 throws naming item({ bigint: true }); that option gives PyTorch's exact int", () => {
  const py = runPython(
    `
    import torch
    OUTPUT = [str(torch.tensor(int(v), dtype=torch.int64).item()) for v in INPUT]
    `,
    BIG.map(String),
  ) as string[];
  for (const [k, v] of BIG.entries()) {
    const t = torch.tensor([v]).reshape([]);
    assert.equal(t.dtype, "int64");
    assert.throws(
      () => t.item(),
      (e: Error) =>
        e.message.startsWith("tstorch: item(): the int64 value ") &&
        e.message.includes(`${v} is beyond Number.MAX_SAFE_INTEGER`) &&
        e.message.includes("item({ bigint: true })"),
    );
    const exact = t.item({ bigint: true });
    assert.equal(exact, v);
    assert.equal(String(exact), py[k]);
  }
});

test("item() of int64 values inside +-(2^53 - 1) stays an exact number; { bigint: true } makes int64 a bigint", () => {
  const safe = [0n, 7n, -5n, BigInt(Number.MAX_SAFE_INTEGER), -BigInt(Number.MAX_SAFE_INTEGER)];
  for (const v of safe) {
    const t = torch.tensor([v]);
    assert.equal(t.item(), Number(v));
    assert.equal(typeof t.item(), "number");
    assert.equal(t.item({ bigint: true }), v);
    assert.equal(t.item({ bigint: false }), Number(v));
  }
  // a result computed by libtorch, not only one created from JS: 2^52 * 4 + 1 = 2^54 + 1
  const big = torch.tensor([2n ** 52n]).mul(4).add(1);
  assert.throws(() => big.item(), (e: Error) => e.message.includes("18014398509481985 is beyond Number.MAX_SAFE_INTEGER"));
  assert.equal(big.item({ bigint: true }), 2n ** 54n + 1n);
});

test("item() of other dtypes is unchanged: floats beyond 2^53 are numbers, bools booleans, { bigint } ignored", () => {
  const f = torch.tensor([2 ** 60], { dtype: "float64" });
  assert.equal(f.item(), 2 ** 60);
  assert.equal(f.item({ bigint: true }), 2 ** 60); // a float has no bigint form: as toArray({ bigint: true })
  assert.equal(torch.tensor([1e30]).item(), Math.fround(1e30));
  assert.equal(torch.tensor([-Infinity]).item(), -Infinity);
  assert.ok(Number.isNaN(torch.tensor([NaN]).item()));
  assert.equal(torch.tensor([true]).item() as unknown, true);
  assert.equal(torch.tensor([3], { dtype: "int32" }).item({ bigint: true }), 3);
  assert.throws(() => torch.tensor([1n, 2n]).item(), (e: Error) => e.message === "tstorch: item() needs a tensor with one element, this one has 2");
  assert.throws(() => torch.tensor([1n, 2n]).item({ bigint: true }), (e: Error) => e.message.startsWith("tstorch: item() needs a tensor with one element"));
});
