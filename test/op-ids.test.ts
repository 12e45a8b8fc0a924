// ids.NAME_OVERLOAD (src/core/op-ids.ts): every key the source names is an overload of the linked
// libtorch, a key it lacks fails when called (naming it), never at load; and the generated fast
// paths give what the generic binder gives (scripts/gen/fast-methods.mjs), hand-computed here.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";
import { callInPlace, callPooled } from "../src/core/handle-pool.js";
import { ids, opIds, splitKey } from "../src/core/op-ids.js";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "generated" ? [] : sources(join(dir, e.name))) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

test("every overload key the source names exists in the linked libtorch", () => {
  const keys = new Set<string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/opIds\(([^)]*)\)/g)) for (const k of m[1].matchAll(/"(\w+)"/g)) keys.add(k[1]);
    if (/import \{ ids as K \}/.test(text)) for (const m of text.matchAll(/\bK\.(\w+)/g)) keys.add(m[1]);
  }
  assert.ok(keys.size > 100, `found only ${keys.size} keys: the scan is broken`);
  const unknown = [...keys].filter((k) => splitKey(k) === null);
  assert.deepEqual(unknown, [], "keys that name no overload of this libtorch (a typo, or another version's)");
});

test("keys split as name_overload; a missing overload fails when called, naming it", () => {
  assert.deepEqual(splitKey("add_Tensor"), ["add", "Tensor"]);
  assert.deepEqual(splitKey("add__Scalar"), ["add_", "Scalar"]);
  assert.deepEqual(splitKey("where_self"), ["where", "self"]);
  assert.deepEqual(splitKey("neg"), ["neg", ""]);
  assert.equal(splitKey("add_Tensr"), null);
  assert.equal(ids.add_Tensor, opIds("add_Tensor").add_Tensor);
  const warned: string[] = [];
  const onWarning = (w: Error) => warned.push(w.message);
  process.on("warning", onWarning);
  const { no_such_op_Tensor } = opIds("no_such_op_Tensor"); // at load: a warning, no error
  const x = torch.ones([2]);
  assert.throws(() => callPooled(no_such_op_Tensor, x._h), /has no ATen overload 'no_such_op_Tensor'/);
  assert.throws(() => callInPlace(no_such_op_Tensor, x._h), /has no ATen overload 'no_such_op_Tensor'/);
  x.dispose();
  return new Promise<void>((done) => setImmediate(() => {
    process.off("warning", onWarning);
    assert.ok(warned.some((w) => w.includes("no_such_op_Tensor")), warned.join("; "));
    done();
  }));
});

test("generated fast paths and the generic binder agree (hand-computed)", () => {
  torch.scope(() => {
    const x = torch.tensor([[-1, 2], [3, -4]]);
    const c = torch.tensor([[true, false], [false, true]]);
    const y = torch.tensor([[10, 20], [30, 40]]);
    assert.deepEqual(x.neg().toArray(), [[1, -2], [-3, 4]]);
    assert.deepEqual(x.relu().toArray(), [[0, 2], [3, 0]]);
    assert.deepEqual(x.where(c, y).toArray(), [[-1, 20], [30, -4]]); // self in the middle of where.self
    assert.deepEqual(x.where(c, 0).toArray(), [[-1, 0], [0, -4]]); // where.ScalarOther
    assert.deepEqual(x.mm(y).toArray(), [[50, 60], [-90, -100]]);
    assert.deepEqual(x.squeeze().shape, [2, 2]);
    assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 2]);
    assert.deepEqual(x.slice(1, 1).toArray(), [[2], [-4]]);
    assert.deepEqual(x.chunk(2).map((t) => t.toArray()), [[[-1, 2]], [[3, -4]]]);
    const z = torch.tensor([1.5, -2]);
    assert.equal(z.relu_(), z); // in place: the same object back
    assert.deepEqual(z.toArray(), [1.5, 0]);
    assert.equal(x.equal(x.clone()), true);
    assert.equal(x.allclose(x.add(0.05), { atol: 0.1 }), true); // an options object: the generic binder
    assert.equal(x.allclose(x.add(0.05)), false);
    assert.deepEqual(x.cumsum(1, { dtype: "float64" }).dtype, "float64");
    assert.throws(() => x.mm(3 as never), /aten::mm\b[\s\S]*argument 'mat2' must be Tensor, not number 3/);
  });
});
