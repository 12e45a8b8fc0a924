// The coverage report's guard (issue #20 point 6): every PyTorch name recorded as covered for the
// linked libtorch version (docs/coverage-covered-MAJOR.MINOR.json, written by `node
// scripts/coverage.mjs --write`) must still be in tstorch under its camelCased name. Removing or
// renaming an export (nn.Linear, nn.functional.conv2d, Tensor.prototype.addmm, optim.lrScheduler...)
// fails here. The lookup is the script's own (scripts/coverage-lib.mjs), so both agree on names.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import * as torch from "../src/index.js";

const root = join(import.meta.dirname, "..", "..");

interface CoverageLib {
  NAMESPACES: { py: string; ts: string[] }[];
  camel(name: string): string;
  resolve(torch: unknown, path: string[]): unknown;
  has(obj: unknown, name: string): boolean;
  exclusionOf(ns: string, name: string): string | null;
  recordedFile(libtorch: string): string;
}
const lib = (await import(pathToFileURL(join(root, "scripts/coverage-lib.mjs")).href)) as CoverageLib;

const libtorch = torch.versions().libtorch;
const file = join(root, lib.recordedFile(libtorch));
const skip = existsSync(file) ? false : `no recorded coverage for libtorch ${libtorch} (${lib.recordedFile(libtorch)}; run node scripts/coverage.mjs --write)`;

describe("coverage: names recorded as covered stay covered", { skip }, () => {
  const rec = skip === false ? (JSON.parse(readFileSync(file, "utf8")) as { libtorch: string; namespaces: Record<string, string[]> }) : null;

  it("the record is for the linked libtorch and names every counted namespace", () => {
    assert.equal(rec!.libtorch, libtorch);
    assert.deepEqual(Object.keys(rec!.namespaces).sort(), lib.NAMESPACES.map((n) => n.py).sort());
    // the core is there on every version: a record that lost it was written from a broken build
    assert.ok(rec!.namespaces["torch.nn"].includes("Linear"));
    assert.ok(rec!.namespaces["torch.Tensor"].length > 300, `${rec!.namespaces["torch.Tensor"].length} Tensor methods recorded`);
  });

  for (const ns of lib.NAMESPACES) {
    it(`${ns.py}: every recorded name is still in torch${ns.ts.length ? "." + ns.ts.join(".") : ""}`, () => {
      const obj = lib.resolve(torch, ns.ts);
      const names = rec!.namespaces[ns.py] ?? [];
      const gone = names.filter((n) => !lib.has(obj, n)).map((n) => lib.camel(n));
      assert.deepEqual(gone, [], `covered before, missing now in ${ns.py}: ${gone.join(", ")}`);
    });
  }
});

describe("coverage: the lookup the report uses", () => {
  it("camelCases PyTorch's names as tstorch spells them", () => {
    assert.equal(lib.camel("pack_padded_sequence"), "packPaddedSequence");
    assert.equal(lib.camel("kaiming_uniform_"), "kaimingUniform_");
    assert.equal(lib.camel("atleast_1d"), "atleast1d");
    assert.equal(lib.camel("lr_scheduler"), "lrScheduler");
    assert.equal(lib.camel("Conv2d"), "Conv2d");
  });
  it("finds a present name and misses an absent one (so a removed export is seen)", () => {
    assert.equal(lib.has(torch.nn, "Linear"), true);
    assert.equal(lib.has(torch.nn.functional, "conv2d"), true);
    assert.equal(lib.has(torch.Tensor.prototype, "add_"), true);
    assert.equal(lib.has(torch.nn, "NoSuchLayer"), false);
    assert.equal(lib.has({ removed: undefined }, "removed"), false);
    assert.equal(lib.has(undefined, "anything"), false);
  });
  it("leaves out only what its rules name, with the reason", () => {
    assert.match(lib.exclusionOf("torch", "quantize_per_tensor") ?? "", /quantized/);
    assert.match(lib.exclusionOf("torch.nn.init", "normal") ?? "", /deprecated/);
    assert.equal(lib.exclusionOf("torch.nn.init", "normal_"), null);
    assert.equal(lib.exclusionOf("torch.nn.init", "calculate_gain"), null);
    assert.equal(lib.exclusionOf("torch", "matmul"), null);
    // sparse_ (a dense init with zeros) is not sparse-layout specific
    assert.equal(lib.exclusionOf("torch.nn.init", "sparse_"), null);
  });
});

describe("coverage: nn.functional names that are ATen's functions", () => {
  it("are the same functions as torch's, so they compute what torch.* computes", () => {
    const F = torch.nn.functional as Record<string, unknown>;
    for (const n of ["conv1d", "conv3d", "pixelShuffle", "celu", "selu", "pdist", "cosineSimilarity", "groupNorm", "threshold"]) {
      assert.equal(F[n], (torch as unknown as Record<string, unknown>)[n], n);
    }
    const x = torch.tensor([[1, 2], [3, 5]], { dtype: "float32" });
    assert.deepEqual(Array.from(torch.nn.functional.normalize(x, 2, 1).toTypedArray() as Float32Array).map((v) => v.toFixed(4)),
      [1 / Math.sqrt(5), 2 / Math.sqrt(5), 3 / Math.sqrt(34), 5 / Math.sqrt(34)].map((v) => v.toFixed(4)));
  });
});
