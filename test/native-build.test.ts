// The addon knows the libtorch it was built for: the build records it (native/build/libtorch.json),
// the loader refuses a libtorch that changed since and explains a failed load; the build's choices
// (C++ standard, optional parts, object cache key) follow the libtorch's version and identity.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as torch from "../src/index.js";
import { loadAddon, readBuiltFor, type BuiltFor } from "../src/core/built-for.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const addon = path.join(root, "native", "build", "tstorch.node");
const record = readBuiltFor(addon);

// A folder holding a "tstorch.node" (the given file, or a stand-in that loading would reject) and a record.
function fakeBuild(t: { after(fn: () => void): void }, rec: BuiltFor, addonFile?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-built-for-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const target = path.join(dir, "tstorch.node");
  if (addonFile) fs.copyFileSync(addonFile, target);
  else fs.writeFileSync(target, "not an addon: the check must refuse before loading it\n");
  fs.writeFileSync(path.join(dir, "libtorch.json"), JSON.stringify(rec));
  return target;
}

describe("the addon's record of its libtorch", () => {
  it("is written by the build and names the linked libtorch's version and libtorch_cpu.so", () => {
    assert.ok(record, "native/build/libtorch.json is missing");
    assert.equal(record.version.split(".").slice(0, 2).join("."), torch.versions().libtorch.split(".").slice(0, 2).join("."));
    const lib = fs.realpathSync(path.join(record.libDir, "libtorch_cpu.so"));
    assert.deepEqual(record.libtorchCpu, { path: lib, size: fs.statSync(lib).size, mtimeMs: Math.floor(fs.statSync(lib).mtimeMs) });
  });

  it("loads the addon when the libtorch is the one it was built for", () => {
    const n = loadAddon<{ versions(): { libtorch: string } }>(addon, import.meta.url);
    assert.equal(n.versions().libtorch, torch.versions().libtorch);
  });

  it("refuses a libtorch_cpu.so that changed since the build (an upgrade), naming both and the fix", (t) => {
    const rec = structuredClone(record!);
    rec.libtorchCpu!.size += 1;
    rec.version = "9.9.9";
    const fake = fakeBuild(t, rec);
    assert.throws(
      () => loadAddon(fake, import.meta.url),
      (e: Error) => {
        assert.match(e.message, /^tstorch: the native addon \(.*tstorch\.node\) was built for libtorch 9\.9\.9 \(/);
        assert.match(e.message, new RegExp(`, but ${record!.libDir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} now holds libtorch ${record!.version.replace(/\./g, "\\.")} \\(`));
        assert.match(e.message, /npm rebuild tstorch/);
        return true;
      },
    );
  });

  it("refuses when the libtorch is gone from where it was", (t) => {
    const rec = structuredClone(record!);
    rec.libDir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-no-libtorch-"));
    t.after(() => fs.rmSync(rec.libDir, { recursive: true, force: true }));
    assert.throws(() => loadAddon(fakeBuild(t, rec), import.meta.url), /there is no libtorch_cpu\.so in .*tstorch-no-libtorch-.* any more: rebuild .*npm rebuild tstorch/);
  });

  it("turns a failed dlopen (an undefined symbol) into one error naming the libtorch it was built for and the fix", (t) => {
    // an addon whose load fails as one built against another libtorch does: a symbol nothing defines
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-undefined-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, "bad.c"), "extern int tstorch_test_missing_symbol(void);\nint tstorch_test_use(void) { return tstorch_test_missing_symbol(); }\n");
    const cc = spawnSync(process.env.CC || "cc", ["-shared", "-fPIC", "-Wl,-z,now", "-o", path.join(dir, "bad.node"), path.join(dir, "bad.c")], { encoding: "utf8" });
    assert.equal(cc.status, 0, cc.stderr);
    const fake = fakeBuild(t, record!, path.join(dir, "bad.node"));
    assert.throws(
      () => loadAddon(fake, import.meta.url),
      (e: Error) => {
        assert.match(e.message, /does not load against the libtorch installed \(.*undefined symbol: tstorch_test_missing_symbol/);
        assert.match(e.message, new RegExp(`it was built for libtorch ${record!.version.replace(/\./g, "\\.")} \\(`));
        assert.match(e.message, /npm rebuild tstorch/);
        return true;
      },
    );
  });
});

describe("the build's choices", async () => {
  const build = await import(pathToFileURL(path.join(root, "scripts", "build-native.mjs")).href);
  const find = await import(pathToFileURL(path.join(root, "scripts", "find-libtorch.mjs")).href);

  it("imports without building", () => {
    assert.equal(typeof build.optionalParts, "function");
  });

  it("picks the C++ standard from the version: C++17 up to 2.10, C++20 from 2.11", () => {
    assert.equal(build.cxxStandard({ major: 1, minor: 13 }), "c++17");
    assert.equal(build.cxxStandard({ major: 2, minor: 6 }), "c++17");
    assert.equal(build.cxxStandard({ major: 2, minor: 11 }), "c++20");
    assert.equal(build.cxxStandard({ major: 2, minor: 14 }), "c++20");
  });

  it("reads the version from torch/headeronly/version.h (2.14) or torch/version.h (older)", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-version-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "new", "torch", "headeronly"), { recursive: true });
    fs.writeFileSync(path.join(dir, "new", "torch", "headeronly", "version.h"), "#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 14\n#define TORCH_VERSION_PATCH 1\n");
    fs.mkdirSync(path.join(dir, "old", "torch"), { recursive: true });
    fs.writeFileSync(path.join(dir, "old", "torch", "version.h"), "#define TORCH_VERSION_MAJOR 1\n#define TORCH_VERSION_MINOR 13\n#define TORCH_VERSION_PATCH 0\n");
    assert.deepEqual(find.torchVersion([path.join(dir, "new")]), { major: 2, minor: 14, patch: 1 });
    assert.deepEqual(find.torchVersion([path.join(dir, "old")]), { major: 1, minor: 13, patch: 0 });
    assert.throws(() => find.torchVersion([dir]), /cannot read libtorch's version/);
  });

  it("compiles torch.distributed with Gloo when the headers are there, else says in one line what to install", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-parts-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const inc = path.join(dir, "include");
    fs.mkdirSync(path.join(inc, "torch", "csrc", "distributed", "c10d"), { recursive: true });
    fs.writeFileSync(path.join(inc, "torch", "csrc", "distributed", "c10d", "ProcessGroupGloo.hpp"), "");
    const fakeTorch = { includeDirs: [inc], libDir: path.join(dir, "lib"), cuda: false };
    const none = build.optionalParts(fakeTorch, []);
    assert.equal(none.flags["distributed.cc"], undefined);
    assert.equal(none.notes.length, 1);
    assert.match(none.notes[0], /^tstorch: torch\.distributed is unavailable: Gloo's headers \(gloo\/algorithm\.h\) were not found; .*apt-get install libgloo-dev/);
    fs.mkdirSync(path.join(dir, "sys", "gloo"), { recursive: true });
    fs.writeFileSync(path.join(dir, "sys", "gloo", "algorithm.h"), "");
    const gloo = build.optionalParts(fakeTorch, [path.join(dir, "sys")]);
    assert.deepEqual(gloo.notes, []);
    assert.deepEqual(gloo.flags["distributed.cc"], ["-DTSTORCH_WITH_DISTRIBUTED=1", "-DUSE_C10D_GLOO=1", `-I${path.join(dir, "sys")}`]);
    const noC10d = build.optionalParts({ ...fakeTorch, includeDirs: [dir] }, [path.join(dir, "sys")]);
    assert.match(noC10d.notes[0], /torch\.distributed is unavailable: this libtorch .* has no c10d headers/);
  });

  it("keys compiled objects on the libtorch's identity: another libtorch at the same path rebuilds everything", () => {
    const torchInfo = { libDir: "/usr/lib" };
    const a = build.objectKey("g++", ["-O2"], {}, torchInfo, { path: "/usr/lib/libtorch_cpu.so.1", size: 1, mtimeMs: 1 });
    assert.equal(a, build.objectKey("g++", ["-O2"], {}, torchInfo, { path: "/usr/lib/libtorch_cpu.so.1", size: 1, mtimeMs: 1 }));
    assert.notEqual(a, build.objectKey("g++", ["-O2"], {}, torchInfo, { path: "/usr/lib/libtorch_cpu.so.1", size: 1, mtimeMs: 2 }));
    assert.notEqual(a, build.objectKey("g++", ["-O2"], {}, torchInfo, { path: "/usr/lib/libtorch_cpu.so.2", size: 1, mtimeMs: 1 }));
  });
});
