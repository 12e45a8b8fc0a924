// The generated operator surface (scripts/gen/gen-aten.mjs -> src/generated/): the committed
// output is what the generator makes from the committed dump, the dump is ATen's for the linked
// libtorch, every operator with a function or method variant is reachable and typed, wrong calls
// do not compile, and a program of thirty common operations gives PyTorch's values.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import * as torch from "../src/index.js";
import { Tensor } from "../src/index.js";
import { commonOps, COMMON_OPS_PY } from "./typecheck/common-ops.js";
import { PYTHON } from "./helpers/parity.js";

const ROOT = join(import.meta.dirname, "..", "..");
const dump = JSON.parse(readFileSync(join(ROOT, "scripts/gen/aten-schemas.json"), "utf8")) as {
  torch: string;
  ops: { func: string; variants: string[]; module: string | null }[];
};
const pythonHasTorch = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
const mustRunPython = process.env.CI === "true";

function camel(s: string): string {
  const lead = /^_*/.exec(s)![0];
  const trail = /_*$/.exec(s.slice(lead.length))![0];
  const mid = s.slice(lead.length, s.length - trail.length);
  return mid === "" ? s : lead + mid.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()) + trail;
}

describe("the generator", () => {
  test("the committed src/generated/ is what scripts/gen/gen-aten.mjs makes from the committed dump", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/gen/gen-aten.mjs"), "--check"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /up to date/);
  });

  test("the committed dump is ATen's declarations of the PyTorch that /usr/bin/python3 imports", (t) => {
    if (!pythonHasTorch) {
      if (mustRunPython) assert.fail(`${PYTHON} cannot import torch`);
      t.skip(`${PYTHON} cannot import torch`);
      return;
    }
    const r = spawnSync(PYTHON, [join(ROOT, "scripts/gen/dump-aten.py")], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const fresh = JSON.parse(r.stdout) as typeof dump;
    if (fresh.torch !== dump.torch) {
      t.skip(`the dump is of PyTorch ${dump.torch}, /usr/bin/python3 has ${fresh.torch}: regenerate to compare`);
      return;
    }
    assert.equal(r.stdout, readFileSync(join(ROOT, "scripts/gen/aten-schemas.json"), "utf8"));
  });
});

describe("coverage", () => {
  const PREFIX: Record<string, string> = { fft: "fft_", linalg: "linalg_", special: "special_", sparse: "sparse_", nested: "nested_" };
  const callable = (func: string) => !/\b(Dimname|Storage|Stream)\b(?!\?)/.test(func.split(" -> ")[0]) && !/-> QScheme/.test(func);

  test("every operator with a function variant is a function of torch, torch.functional or its Python module", () => {
    const root = torch as unknown as Record<string, unknown>;
    let checked = 0;
    const missing: string[] = [];
    for (const op of dump.ops) {
      if (!op.variants.includes("function") || !callable(op.func) || /!\)/.test(op.func.split(" -> ")[0].split("*")[1] ?? "")) continue;
      const name = op.func.slice(0, op.func.indexOf("(")).split(".")[0];
      const mod = op.module;
      const bare = mod && PREFIX[mod] && name.startsWith(PREFIX[mod]) ? name.slice(PREFIX[mod].length) : name;
      const where = (mod === null ? root : mod === "nn" ? root.functional : root[mod]) as Record<string, unknown>;
      checked++;
      if (typeof where?.[camel(bare)] !== "function") missing.push(`${mod ?? "torch"}.${camel(bare)} (aten::${name})`);
    }
    assert.deepEqual(missing, []);
    assert.ok(checked > 1500, `only ${checked} overloads checked`);
  });

  test("every operator with a method variant is a Tensor method, in-place ones included", () => {
    const proto = Tensor.prototype as unknown as Record<string, unknown>;
    const missing = new Set<string>();
    for (const op of dump.ops) {
      if (!op.variants.includes("method") || !callable(op.func)) continue;
      const name = op.func.slice(0, op.func.indexOf("(")).split(".")[0];
      if (!(camel(name) in proto)) missing.add(camel(name));
    }
    assert.deepEqual([...missing], []);
    for (const m of ["cumsum", "cumsum_", "tril", "tril_", "roll", "scatter", "scatter_", "nonzero", "addmm_", "indexAdd"]) {
      assert.equal(typeof proto[m], "function", m);
    }
  });

  test("every generated operator is in the linked libtorch (else it fails when called, naming it and the version)", () => {
    const linked = new Set(torch.listOps().map((s) => s.slice(0, s.indexOf("(")).split(".")[0]));
    const absent = new Set<string>();
    for (const op of dump.ops) {
      const name = `aten::${op.func.slice(0, op.func.indexOf("(")).split(".")[0]}`;
      if (!linked.has(name)) absent.add(name);
    }
    assert.deepEqual([...absent], []);
    const ghost = (torch as unknown as { ops: { aten: Record<string, (...a: unknown[]) => unknown> } }).ops.aten;
    assert.throws(() => ghost.no_such_operator_in_any_libtorch(torch.ones([1])), /unknown operator aten::no_such_operator_in_any_libtorch \(not in the linked libtorch \d/);
  });
});

describe("types", () => {
  // one program over both files, with the project's own compiler options
  const files = ["common-ops.ts", "wrong-calls.ts"].map((f) => join(ROOT, "test/typecheck", f));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true });

  test("a file of deliberately wrong calls has a compile error on every line marked @ts-expect-error, and no other", () => {
    const diags = [...program.getSemanticDiagnostics(program.getSourceFile(files[1])), ...program.getSyntacticDiagnostics(program.getSourceFile(files[1]))];
    const text = diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n");
    // an @ts-expect-error with no error beneath it is reported as "Unused '@ts-expect-error' directive"
    assert.equal(diags.length, 0, text);
    const marked = readFileSync(files[1], "utf8").match(/@ts-expect-error/g)!.length;
    assert.ok(marked >= 15, `only ${marked} wrong calls`);
  });

  test("thirty common operations compile with no error and no `any` in their inferred types", () => {
    const sf = program.getSourceFile(files[0])!;
    const diags = program.getSemanticDiagnostics(sf);
    assert.equal(diags.length, 0, diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"));
    const checker = program.getTypeChecker();
    const anys: string[] = [];
    const visit = (node: ts.Node) => {
      // a destructuring declaration is checked through its binding elements
      const destructuring = ts.isVariableDeclaration(node) && !ts.isIdentifier(node.name);
      if (!destructuring && (ts.isCallExpression(node) || ts.isVariableDeclaration(node) || ts.isPropertyAccessExpression(node) || ts.isBindingElement(node))) {
        const type = checker.getTypeAtLocation(node);
        if (checker.typeToString(type).includes("any")) anys.push(`${node.getText(sf).slice(0, 60)}: ${checker.typeToString(type)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    assert.deepEqual(anys, []);
  });
});

describe("values", () => {
  test("the thirty common operations give PyTorch's values", (t) => {
    if (!pythonHasTorch) {
      if (mustRunPython) assert.fail(`${PYTHON} cannot import torch`);
      t.skip(`${PYTHON} cannot import torch`);
      return;
    }
    const py = `${COMMON_OPS_PY}
import json
def plain(v):
    if isinstance(v, torch.Tensor):
        return {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""), "values": v.double().flatten().tolist() if not v.dtype.is_complex else None}
    return v
print(json.dumps({k: plain(v) for k, v in out.items()}))
`;
    const r = spawnSync(PYTHON, ["-c", py], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as Record<string, unknown>;
    torch.scope(() => {
      const got = commonOps();
      assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
      assert.ok(Object.keys(got).length >= 30);
      for (const [k, v] of Object.entries(got)) {
        const e = expected[k] as { shape: number[]; dtype: string; values: number[] } | number | boolean;
        if (!(v instanceof Tensor)) {
          if (typeof v === "number") assert.ok(Math.abs(v - (e as number)) <= 1e-4 * Math.max(1, Math.abs(e as number)), `${k}: ${v} vs ${e}`);
          else assert.equal(v, e, k);
          continue;
        }
        const ex = e as { shape: number[]; dtype: string; values: number[] };
        assert.deepEqual(v.shape, ex.shape, `${k} shape`);
        assert.equal(v.dtype, ex.dtype === "long" ? "int64" : ex.dtype, `${k} dtype`);
        const vals = [...v.to("float64").toTypedArray()] as number[];
        vals.forEach((x, i) => {
          const y = ex.values[i];
          assert.ok(Math.abs(x - y) <= 1e-4 * Math.max(1, Math.abs(y)), `${k}[${i}]: ${x} vs ${y}`);
        });
      }
    });
  });

  test("hand-written methods agree with the generated operators of the same name", () => {
    torch.scope(() => {
      const x = torch.arange(24, { dtype: "float32" }).sin().reshape(2, 3, 4);
      const aten = torch.ops.aten;
      const same = (a: Tensor, b: Tensor, what: string) => assert.ok(a.equal(b), what);
      same(x.sum(1), aten.sum(x, [1]), "sum");
      same(x.mean(2, true), aten.mean(x, [2], true), "mean");
      same(x.std(1), aten.std(x, [1]), "std");
      same(x.softmax(1), aten.softmax(x, 1), "softmax");
      same(x.logSoftmax(2), aten.log_softmax(x, 2), "logSoftmax");
      same(x.max(1).values, aten.max(x, 1).values, "max");
      same(x.transpose(0, 2), aten.transpose(x, 0, 2), "transpose");
      same(x.flatten(1), aten.flatten(x, 1), "flatten");
      same(x.narrow(2, 1, 2), aten.narrow(x, 2, 1, 2), "narrow");
      same(x.clamp(-0.5, 0.5), aten.clamp(x, -0.5, 0.5), "clamp");
      same(x.cumsum(1), torch.cumsum(x, 1), "cumsum");
      same(x.sort(2).indices, torch.sort(x, 2).indices, "sort");
    });
  });
});
