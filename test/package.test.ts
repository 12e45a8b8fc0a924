// The npm package as a user gets it: `npm pack` (its prepack builds dist/), the tarball installed
// into two fresh apps, one ESM ("type": "module") and one CommonJS, with nothing else installed.
// Each app type-checks a small TypeScript program against tstorch's declarations with
// skipLibCheck: false (the ESM one with README's tsconfig, the CommonJS one with lib defaults),
// runs it and checks the value it prints; `npx tstorch` runs from the app.
//   - ESM app: a plain `npm install` of the tarball, whose install script compiles the addon
//     from the packed sources (the slow part, 45 s or more on 2 cores) and generates the typed
//     operator surface (dist/src/generated/*.js and *.d.ts) from the libtorch it links.
//   - CommonJS app: `npm install --ignore-scripts`, so the addon is missing (the program still
//     type-checks, against the surface generated when the package was packed): the error names
//     `npm rebuild tstorch`, which is then run (with the ESM app's object files copied in first, so
//     that it only links; it generates the surface again) and makes `import()` and `require()` work.
// npm needs the registry for tstorch's dependencies (pngjs, @types/node); without it the
// install stops at its time limit with a message saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT, cifarDirOrSkip } from "./helpers/cifar.js";

const TSC = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
const CHART_PACKAGES = ["vega", "vega-lite", "@resvg/resvg-js", "dejavu-fonts-ttf"];
// Network-bound npm steps give up well before the test's own limit (npm's default fetch timeout is 5 min).
const NPM_NET = ["--no-audit", "--no-fund", "--prefer-offline", "--fetch-timeout=60000", "--fetch-retries=1", "--fetch-retry-maxtimeout=10000"];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// The child's environment without the npm_* variables of the `npm test` that runs this file (its
// prefix and package settings would leak into the apps' npm), except where to reach the registry,
// and without a CIFAR-10 override.
const KEEP_NPM = /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile|ca|fetch_.*)$/i;
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((!/^npm_/i.test(k) || KEEP_NPM.test(k)) && k !== "INIT_CWD" && k !== "CIFAR10_DIR") env[k] = v;
  }
  env.npm_config_update_notifier = "false";
  return env;
}

/** Runs a command to completion; on timeout its whole process group (npm, g++, ...) is killed. */
function run(cmd: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function tail(s: string, n = 2500): string {
  return s.length > n ? `...${s.slice(-n)}` : s;
}

/** Fails with what npm said, and why an install may not have finished. */
function assertNpmOk(r: Result, what: string, timeoutMs: number): void {
  const said = `${tail(r.stdout)}\n${tail(r.stderr)}`;
  if (r.timedOut) {
    assert.fail(
      `${what} did not finish in ${timeoutMs / 1000} s and was killed: either npm could not reach the registry ` +
        `(the tarball's dependencies come from it) or the addon's compilation was that slow\n${said}`,
    );
  }
  const offline = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|E404|network/i.test(r.stderr)
    ? " (npm could not fetch from the registry, which installing the tarball's dependencies needs)"
    : "";
  assert.equal(r.code, 0, `${what} failed (exit ${r.code})${offline}\n${said}`);
}

/** The package's operator surface is what its generator makes from the libtorch that its addon links. */
function assertGeneratedAtInstall(pkg: string): void {
  const r = spawnSync(process.execPath, [path.join(pkg, "scripts", "gen", "gen-aten.mjs"), "--check", "--out", path.join(pkg, "dist", "src", "generated")],
    { encoding: "utf8", env: cleanEnv() });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^gen-aten: libtorch \d+\.\d+\.\d+: \d+ operators, .* \(up to date\)/m);
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

function installedPackages(app: string): string[] {
  const nm = path.join(app, "node_modules");
  const names: string[] = [];
  for (const d of fs.readdirSync(nm)) {
    if (d.startsWith(".")) continue;
    if (d.startsWith("@")) for (const s of fs.readdirSync(path.join(nm, d))) names.push(`${d}/${s}`);
    else names.push(d);
  }
  return names.sort();
}

// The ESM app's program: `using` (downlevelled by tsc for Node 20), an op, a value.
const ESM_PROGRAM = `import * as torch from "tstorch";

let seen: torch.Tensor;
{
  using x = torch.tensor([[1, 2], [3, 4]], { dtype: "float32" });
  seen = x;
  const y: torch.Tensor = torch.scope(() => x.matmul(x).relu().sum());
  const value: number = y.item();
  // the generated surface: a function, a method with an options object, a named result, torch.ops.aten
  const cumsum: torch.Tensor = torch.cumsum(x, 1);
  const smallest: torch.Tensor = x.topk(1, { largest: false }).values;
  const sum: torch.Tensor = torch.ops.aten.sum(x, [0], { keepdim: true });
  console.log(JSON.stringify({ value, shape: x.shape, dtype: x.dtype, cumsum: cumsum.toArray(), smallest: smallest.toArray(), sum: sum.toArray() }));
}
console.log(JSON.stringify({ disposedByUsing: seen.isDisposed }));
`;

// tsc --init's (TypeScript 5.9) options with README's target and lib, and skipLibCheck off.
const README_TSCONFIG = {
  compilerOptions: {
    module: "nodenext",
    target: "es2022",
    lib: ["es2022", "esnext.disposable"],
    types: [],
    outDir: "out",
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    strict: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: "force",
    skipLibCheck: false,
  },
  files: ["main.ts"],
};

// A CommonJS program loads the ESM package with import() (any Node >= 20).
const CJS_PROGRAM = `async function main(): Promise<void> {
  const torch = await import("tstorch");
  const a: import("tstorch").Tensor = torch.tensor([1.5, 2.5, 3.5], { dtype: "float64" });
  console.log(JSON.stringify({ value: a.mul(2).sum().item(), dtype: a.dtype }));
}
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
`;

// Lib defaults: no lib, no types (every @types package in node_modules is visible).
const CJS_TSCONFIG = {
  compilerOptions: { target: "ES2022", module: "NodeNext", strict: true, skipLibCheck: false, outDir: "out" },
  files: ["main.ts"],
};

test("npm pack: the tarball installs into fresh ESM and CommonJS apps, type-checks, runs, and npx tstorch works", { timeout: 1_800_000 }, async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-package-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  let tarball = "";
  await t.test("npm pack builds dist/ and ships the JS, the declarations and the addon's sources", async () => {
    const r = await run("npm", ["pack", "--json", "--pack-destination", tmp], REPO_ROOT, 420_000);
    assertNpmOk(r, "npm pack", 420_000);
    // stdout also holds the prepack script's output: the JSON report is the last top-level array.
    const report = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf("\n[") + 1)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(tmp, report[0]!.filename);
    assert.ok(fs.existsSync(tarball), tarball);
    const files = report[0]!.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "LICENSE", "bin/tstorch.js", "dist/src/index.js", "dist/src/index.d.ts",
      "dist/src/cli/main.js", "dist/src/cli/worker.js", "native/src/addon.cc", "native/src/common.h",
      "scripts/build-native.mjs", "scripts/find-libtorch.mjs", "scripts/gen/gen-aten.mjs", "scripts/gen/placement.txt",
      "dist/src/generated/functions.js", "dist/src/generated/functions.d.ts", "dist/src/generated/aten-ops.d.ts"]) {
      assert.ok(files.includes(f), `${f} is not in the package (files: ${files.join(", ")})`);
    }
    const stray = files.filter((f) => /^(dist\/(test|bench|examples)|test|bench|examples|src|native\/build|\.cache)\//.test(f) || f.endsWith(".map"));
    assert.deepEqual(stray, [], "tests, benchmarks, examples, TypeScript sources, maps or build outputs in the package");
  });

  // ---- the ESM app: a plain install (the install script builds the addon) ----
  const esm = path.join(tmp, "esm-app");
  fs.mkdirSync(esm);
  writeFiles(esm, {
    "package.json": JSON.stringify({ name: "esm-app", version: "1.0.0", private: true, type: "module" }, null, 2),
    "main.ts": ESM_PROGRAM,
    "tsconfig.json": JSON.stringify(README_TSCONFIG, null, 2),
  });
  await t.test("ESM app: npm install <tarball> builds the addon and installs no chart packages", async () => {
    const r = await run("npm", ["install", ...NPM_NET, tarball], esm, 900_000);
    assertNpmOk(r, "npm install of the tarball", 900_000);
    assert.ok(fs.existsSync(path.join(esm, "node_modules", "tstorch", "native", "build", "tstorch.node")),
      `the install script did not build the addon\n${tail(r.stderr)}`);
    assertGeneratedAtInstall(path.join(esm, "node_modules", "tstorch"));
    const installed = installedPackages(esm);
    for (const p of CHART_PACKAGES) assert.ok(!installed.includes(p), `${p} was installed (${installed.join(", ")})`);
    assert.ok(installed.length <= 6, `a library install should stay small: ${installed.join(", ")}`);
  });

  await t.test("ESM app: a program type-checks with skipLibCheck: false (README's tsconfig, types: []) and runs", async () => {
    const c = await run(process.execPath, [TSC, "-p", "tsconfig.json"], esm, 120_000);
    assert.equal(c.code, 0, `tsc failed\n${c.stdout}${c.stderr}`);
    const r = await run(process.execPath, ["out/main.js"], esm, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const [first, second] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    // [[1,2],[3,4]] @ itself = [[7,10],[15,22]], sum 54
    assert.deepEqual(first, { value: 54, shape: [2, 2], dtype: "float32", cumsum: [[1, 3], [3, 7]], smallest: [[1], [3]], sum: [[4, 6]] });
    assert.deepEqual(second, { disposedByUsing: true });
  });

  await t.test("ESM app: npx tstorch cifar10 --help", async () => {
    const r = await run("npx", ["--no", "tstorch", "cifar10", "--help"], esm, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: tstorch cifar10 <mlp\|cnn\|autoencoder\|airbench> \[options\]\n/);
    assert.match(r.stdout, /--batch-size/);
  });

  await t.test("ESM app: the CLI trains without the chart packages (CSV and checkpoints, chart skipped with a warning)", async (st) => {
    const data = cifarDirOrSkip(st);
    if (data === null) return;
    const out = path.join(tmp, "run");
    const r = await run("npx", ["--no", "tstorch", "cifar10", "mlp", "--data", data, "--limit-train", "256", "--limit-test", "128",
      "--batch-size", "128", "--epochs", "1", "--threads", "2", "--out", out, "--quiet"], esm, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n")[0], "epoch,time,acc");
    assert.match(r.stderr, /tstorch: warning: chart\.svg and chart\.png skipped: vega is not installed/);
    assert.ok(r.stderr.includes("`npm install vega vega-lite @resvg/resvg-js dejavu-fonts-ttf`"), r.stderr);
    assert.equal(r.stderr.match(/warning: chart/g)?.length, 1, `warned more than once:\n${r.stderr}`);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files.filter((f) => f.startsWith("chart")), []);
    for (const f of ["metrics.csv", "final.safetensors", "config.json"]) assert.ok(files.includes(f), `${f} missing: ${files.join(", ")}`);
  });

  await t.test("ESM app: a package without its compiled CLI says what to do (not `npm run build`)", async () => {
    const main = path.join(esm, "node_modules", "tstorch", "dist", "src", "cli", "main.js");
    fs.renameSync(main, `${main}.hidden`);
    try {
      const r = await run("npx", ["--no", "tstorch", "cifar10", "--help"], esm, 60_000);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^tstorch: error: the CLI is not built \(.*main\.js is missing\); this copy of the package was packed without its compiled JavaScript; reinstall it \(`npm install tstorch`\)/);
      assert.ok(!r.stderr.includes("npm run build"), r.stderr);
    } finally {
      fs.renameSync(`${main}.hidden`, main);
    }
  });

  // ---- the CommonJS app: installed without scripts, then `npm rebuild tstorch` ----
  const cjs = path.join(tmp, "cjs-app");
  fs.mkdirSync(cjs);
  writeFiles(cjs, {
    "package.json": JSON.stringify({ name: "cjs-app", version: "1.0.0", private: true, type: "commonjs" }, null, 2),
    "main.ts": CJS_PROGRAM,
    "tsconfig.json": JSON.stringify(CJS_TSCONFIG, null, 2),
  });
  await t.test("CommonJS app: npm install --ignore-scripts, then the program type-checks (lib defaults)", async () => {
    const r = await run("npm", ["install", ...NPM_NET, "--ignore-scripts", tarball], cjs, 180_000);
    assertNpmOk(r, "npm install --ignore-scripts of the tarball", 180_000);
    assert.ok(!fs.existsSync(path.join(cjs, "node_modules", "tstorch", "native", "build", "tstorch.node")));
    const c = await run(process.execPath, [TSC, "-p", "tsconfig.json"], cjs, 120_000);
    assert.equal(c.code, 0, `tsc failed\n${c.stdout}${c.stderr}`);
    assert.match(fs.readFileSync(path.join(cjs, "out", "main.js"), "utf8"), /"use strict"/, "compiled as CommonJS");
  });

  await t.test("CommonJS app: without the addon the error names `npm rebuild tstorch`; after it, import() and require() work", async () => {
    const before = await run(process.execPath, ["out/main.js"], cjs, 60_000);
    assert.equal(before.code, 1);
    assert.match(before.stderr, /^tstorch: the native addon is not built \(looked for .*tstorch\.node\)/);
    assert.ok(before.stderr.includes("run `npm rebuild tstorch`"), before.stderr);

    // The ESM app compiled the same sources with the same flags: with its objects in place the
    // rebuild only links (the install script itself was exercised above).
    fs.cpSync(path.join(esm, "node_modules", "tstorch", "native", "build", "obj"),
      path.join(cjs, "node_modules", "tstorch", "native", "build", "obj"), { recursive: true });
    // the rebuild generates the operator surface again (here: the packed one removed first)
    fs.rmSync(path.join(cjs, "node_modules", "tstorch", "dist", "src", "generated"), { recursive: true });
    const rebuild = await run("npm", ["rebuild", "tstorch"], cjs, 300_000);
    assertNpmOk(rebuild, "npm rebuild tstorch", 300_000);
    assertGeneratedAtInstall(path.join(cjs, "node_modules", "tstorch"));

    const r = await run(process.execPath, ["out/main.js"], cjs, 60_000);
    assert.equal(r.code, 0, r.stderr);
    // (1.5 + 2.5 + 3.5) * 2
    assert.deepEqual(JSON.parse(r.stdout), { value: 15, dtype: "float64" });

    // require() of the ESM package: Node >= 20.19 / 22.12 (require(esm)).
    if ((process.features as { require_module?: boolean }).require_module) {
      const q = await run(process.execPath, ["-e", "const t = require('tstorch'); console.log(t.tensor([2, 3]).mul(4).sum().item())"], cjs, 60_000);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stdout.trim(), "20");
    }
  });
});
