// Which libtorch the addon was built for, and whether that libtorch is still the one installed.
// scripts/build-native.mjs records it beside the addon (native/build/libtorch.json): the version read
// from the headers, where the libraries are, and libtorch_cpu.so's identity (real path, size, mtime).
// An upgraded or removed libtorch would otherwise surface as a bare dlopen error ("undefined symbol:
// _ZN3c10...") or, worse, as a crash mid-call; here it becomes one error naming both and the fix.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** native/build/libtorch.json, as the build writes it. */
export interface BuiltFor {
  source: string;
  includeDirs: string[];
  libDir: string;
  cxx11Abi: 0 | 1 | null;
  cuda: boolean;
  version: string;
  libtorchCpu?: { path: string; size: number; mtimeMs: number };
}

const FIX =
  "rebuild the addon for the libtorch now installed: `npm rebuild tstorch` in your project (in a clone of tstorch: `npm run build:native`)";

export function readBuiltFor(addonFile: string): BuiltFor | null {
  const file = join(dirname(addonFile), "libtorch.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as BuiltFor;
  } catch {
    return null;
  }
}

function describeBuiltFor(b: BuiltFor): string {
  const lib = b.libtorchCpu;
  return `libtorch ${b.version} (${lib ? `${lib.path}, ${lib.size} bytes, modified ${new Date(lib.mtimeMs).toISOString()}` : b.libDir})`;
}

// The version the headers next to that libtorch declare now (they move with the libraries on an
// upgrade: same package, or the same PyTorch install).
function headerVersion(includeDirs: string[]): string | null {
  for (const dir of includeDirs)
    for (const rel of ["torch/headeronly/version.h", "torch/version.h"]) {
      const f = join(dir, rel);
      if (!existsSync(f)) continue;
      const text = readFileSync(f, "utf8");
      const m = ["MAJOR", "MINOR", "PATCH"].map((p) => new RegExp(`TORCH_VERSION_${p}\\s+(\\d+)`).exec(text)?.[1]);
      if (m[0] !== undefined && m[1] !== undefined) return `${m[0]}.${m[1]}.${m[2] ?? 0}`;
    }
  return null;
}

/** What is at the recorded place now, in words. */
export function describeInstalled(b: BuiltFor): string {
  const link = join(b.libDir, "libtorch_cpu.so");
  if (!existsSync(link)) return `there is no libtorch_cpu.so in ${b.libDir} any more`;
  const path = realpathSync(link);
  const st = statSync(path);
  const version = headerVersion(b.includeDirs);
  return `${b.libDir} now holds ${version ? `libtorch ${version}` : "a libtorch of unknown version (no headers)"} (${path}, ${st.size} bytes, modified ${new Date(Math.floor(st.mtimeMs)).toISOString()})`;
}

/** Null when the recorded libtorch is still in place (or nothing was recorded), else the mismatch in words. */
export function libtorchChanged(b: BuiltFor): string | null {
  const rec = b.libtorchCpu;
  if (!rec) return null;
  const link = join(b.libDir, "libtorch_cpu.so");
  if (existsSync(link)) {
    const path = realpathSync(link);
    const st = statSync(path);
    if (path === rec.path && st.size === rec.size && Math.floor(st.mtimeMs) === rec.mtimeMs) return null;
  }
  return describeInstalled(b);
}

/**
 * Loads the addon after checking that the libtorch it was built for is the one installed; a failed
 * load (a libtorch that changed under the same path, a missing library) names both and the fix.
 */
export function loadAddon<T>(addonFile: string, requireFrom: string): T {
  const builtFor = readBuiltFor(addonFile);
  if (builtFor) {
    const changed = libtorchChanged(builtFor);
    if (changed)
      throw new Error(`tstorch: the native addon (${addonFile}) was built for ${describeBuiltFor(builtFor)}, but ${changed}: ${FIX}`);
  }
  try {
    return createRequire(requireFrom)(addonFile) as T;
  } catch (e) {
    const msg = (e as Error).message;
    if (!/undefined symbol|cannot open shared object|version `[^']*' not found|wrong ELF class|invalid ELF header/.test(msg)) throw e;
    const was = builtFor ? `it was built for ${describeBuiltFor(builtFor)}; ${describeInstalled(builtFor)}` : "no record of the libtorch it was built for";
    throw new Error(`tstorch: the native addon (${addonFile}) does not load against the libtorch installed (${msg.split("\n")[0]}): ${was}. To fix, ${FIX}`);
  }
}
