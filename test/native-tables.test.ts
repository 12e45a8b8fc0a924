// Adding a native file is one line in native/src/common.h (its export table) and one in addon.cc
// (registering it); a table declared and not registered leaves its functions out of the addon, found
// only when JS calls one ("this build of the addon has no ..."). This keeps the two lists equal, and
// checks that each table is defined in some source file (an optional part may define it twice: built
// and empty, as distributed.cc does without Gloo).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "./helpers/cifar.js";

const src = path.join(REPO_ROOT, "native", "src");
const read = (f: string): string => fs.readFileSync(path.join(src, f), "utf8");

test("every export table declared in common.h is registered in addon.cc, and defined in a .cc file", () => {
  const declared = [...read("common.h").matchAll(/^std::vector<Export> (\w+Exports)\(\);/gm)].map((m) => m[1]);
  assert.ok(declared.length >= 20, `only ${declared.length} tables found in common.h: has its form changed?`);
  const addon = read("addon.cc");
  const list = addon.slice(addon.indexOf("for (auto table : {"), addon.indexOf("})", addon.indexOf("for (auto table : {")));
  const registered = [...list.matchAll(/(\w+Exports)/g)].map((m) => m[1]);
  assert.deepEqual([...registered].sort(), [...declared].sort(), "common.h's tables and addon.cc's list differ");
  const ccFiles = fs.readdirSync(src).filter((f) => f.endsWith(".cc"));
  for (const table of declared) {
    const definers = ccFiles.filter((f) => new RegExp(`^std::vector<Export> ${table}\\(\\)\\s*\\{`, "m").test(read(f)));
    assert.ok(definers.length > 0, `${table} is declared in common.h and defined in no .cc file`);
  }
});
