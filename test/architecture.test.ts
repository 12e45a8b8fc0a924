// The import direction of docs/architecture.md: every import of src/**/*.ts (import, import type,
// export … from, import()) goes to its own row of the layer table or to a lower layer. The table is
// read from the document itself, so the two cannot drift apart; the imports are read with
// TypeScript's own scanner (ts.preProcessFile), so comments and strings do not count.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = path.join(ROOT, "src");

interface Row {
  layer: number;
  name: string;
  paths: string[];
}

/** The layer table of docs/architecture.md: `| layer | row | paths |` lines, paths in backticks. */
function readLayers(): Row[] {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
  const rows: Row[] = [];
  for (const line of doc.split("\n")) {
    const m = /^\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    const paths = [...m[3]!.matchAll(/`([^`]+)`/g)].map((p) => p[1]!);
    rows.push({ layer: Number(m[1]), name: m[2]!, paths });
  }
  return rows;
}

/** The row of a path under src/ ("nn/linear.ts"): the longest matching path wins; `*.ts` is src/'s own files. */
function rowOf(rows: Row[], file: string): Row | undefined {
  let best: Row | undefined;
  let bestLength = -1;
  for (const row of rows) {
    for (const p of row.paths) {
      const hit = p === "*.ts" ? !file.includes("/") : p.endsWith("/") ? file.startsWith(p) : file === p;
      const length = p === "*.ts" ? 0 : p.length;
      if (hit && length > bestLength) [best, bestLength] = [row, length];
    }
  }
  return best;
}

/** The relative imports of each file (path under src/ -> import specifiers). */
function readImports(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        const info = ts.preProcessFile(fs.readFileSync(full, "utf8"), true, true);
        const specs = info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith("."));
        out.set(path.relative(SRC, full).split(path.sep).join("/"), specs);
      }
    }
  };
  walk(SRC);
  return out;
}

/** Every import against the table, and every file the table does not place, in words. */
function violations(rows: Row[], imports: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [file, specs] of imports) {
    const from = rowOf(rows, file);
    if (!from) {
      found.push(`${file}: no row of docs/architecture.md places it`);
      continue;
    }
    for (const spec of specs) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts");
      const to = rowOf(rows, target);
      if (!to) found.push(`${file} imports ${spec}: no row places ${target}`);
      else if (to !== from && to.layer >= from.layer)
        found.push(`${file} imports ${spec}: ${from.name} (layer ${from.layer}) may not import ${to.name} (layer ${to.layer})`);
      else if (to !== from && to.layer > 0 && target.endsWith("/native.ts"))
        found.push(`${file} imports ${spec}: ${target} types ${to.name}'s own native functions`);
    }
  }
  return found;
}

test("architecture: the layer table of docs/architecture.md places every folder of src/ and names existing paths", () => {
  const rows = readLayers();
  assert.ok(rows.length >= 10, `expected the layer table, read ${rows.length} rows`);
  for (const row of rows)
    for (const p of row.paths)
      // src/generated/ is written by the build (git ignores it; a copy built with --out elsewhere has none)
      if (p !== "*.ts" && p !== "generated/") assert.ok(fs.existsSync(path.join(SRC, p)), `docs/architecture.md row ${row.name} names src/${p}, which does not exist`);
  for (const e of fs.readdirSync(SRC, { withFileTypes: true }))
    if (e.isDirectory()) assert.ok(rowOf(rows, `${e.name}/x.ts`), `src/${e.name}/ has no row in docs/architecture.md`);
});

test("architecture: no import in src/ runs against the documented direction", () => {
  const imports = readImports();
  assert.ok(imports.size > 100, `expected the sources of src/, read ${imports.size} files`);
  assert.deepEqual(violations(readLayers(), imports), []);
});

test("architecture: the check catches an upward import, a same-layer import, another row's native.ts and an unplaced file", () => {
  const rows = readLayers();
  const wrong = new Map([
    ["nn/linear.ts", ["../distributed/ddp.js", "../core/tensor.js", "./module.js"]],
    ["optim/sgd.ts", ["../distributed/collectives.js", "../nn/module.js"]],
    ["data/distributed-sampler.ts", ["../distributed/native.js", "../core/native.js", "../autograd/native.js"]],
    ["nowhere.d/x.ts", []],
  ]);
  assert.deepEqual(violations(rows, wrong), [
    "nn/linear.ts imports ../distributed/ddp.js: nn (layer 3) may not import distributed (layer 4)",
    "optim/sgd.ts imports ../distributed/collectives.js: optim (layer 4) may not import distributed (layer 4)",
    "data/distributed-sampler.ts imports ../distributed/native.js: distributed/native.ts types distributed's own native functions",
    "nowhere.d/x.ts: no row of docs/architecture.md places it",
  ]);
});
