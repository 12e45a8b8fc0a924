// Finds the libtorch that the addon builds against. Never downloads anything.
// Order (see README): $LIBTORCH, else the PyTorch that `python3` imports, else the system's
// (Debian's libtorch-dev). Prints JSON when run directly.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const HOW_TO_GET_ONE =
  "tstorch: no libtorch found. Set LIBTORCH to a folder with include/ and lib/ (an unpacked libtorch), " +
  "or install PyTorch for python3, or on Debian/Ubuntu run: apt-get install libtorch-dev libopenblas0-pthread";

/** @returns {{source: string, includeDirs: string[], libDir: string, cxx11Abi: 0|1|null, cuda: boolean, version: string}} */
export function findLibtorch(env = process.env) {
  if (env.LIBTORCH) {
    const root = env.LIBTORCH;
    const inc = join(root, "include");
    const lib = join(root, "lib");
    if (!existsSync(join(inc, "ATen", "ATen.h")) || !existsSync(lib)) {
      throw new Error(`tstorch: LIBTORCH=${root} has no include/ATen/ATen.h or lib/. ${HOW_TO_GET_ONE}`);
    }
    return describe("LIBTORCH", [inc, join(inc, "torch", "csrc", "api", "include")], lib, readAbiFromEnv(env));
  }
  const py = fromPython(env.PYTHON || "python3");
  if (py) return py;
  const sysInc = "/usr/include";
  const sysLib = "/usr/lib/x86_64-linux-gnu";
  const arch = process.arch === "arm64" ? "/usr/lib/aarch64-linux-gnu" : sysLib;
  if (existsSync(join(sysInc, "ATen", "ATen.h")) && existsSync(join(arch, "libtorch_cpu.so"))) {
    return describe("system", [sysInc, join(sysInc, "torch", "csrc", "api", "include")], arch, 1);
  }
  throw new Error(HOW_TO_GET_ONE);
}

function readAbiFromEnv(env) {
  if (env.LIBTORCH_CXX11_ABI === "0") return 0;
  if (env.LIBTORCH_CXX11_ABI === "1") return 1;
  return null; // unknown: let the compiler default stand (libtorch's cxx11-abi builds match it)
}

function fromPython(python) {
  let out;
  try {
    out = execFileSync(
      python,
      [
        "-c",
        "import os, json, torch; d = os.path.dirname(torch.__file__); " +
          "print(json.dumps({'dir': d, 'abi': int(torch._C._GLIBCXX_USE_CXX11_ABI), " +
          "'cuda': torch.version.cuda is not None, 'version': torch.__version__}))",
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 },
    );
  } catch {
    return null;
  }
  const info = JSON.parse(out.trim().split("\n").pop());
  const inc = join(info.dir, "include");
  const lib = join(info.dir, "lib");
  // Debian's python3-torch has no include/ of its own: it uses libtorch-dev's, found below.
  if (!existsSync(join(inc, "ATen", "ATen.h")) || !existsSync(join(lib, "libtorch_cpu.so"))) return null;
  const d = describe("python3", [inc, join(inc, "torch", "csrc", "api", "include")], lib, info.abi);
  d.cuda = info.cuda;
  return d;
}

function describe(source, includeDirs, libDir, cxx11Abi) {
  const cuda = existsSync(join(libDir, "libtorch_cuda.so"));
  const v = torchVersion(includeDirs);
  return { source, includeDirs, libDir, cxx11Abi, cuda, version: `${v.major}.${v.minor}.${v.patch}` };
}

// The libtorch's version, from its headers: torch/version.h up to 2.x, which later releases (2.14)
// reduce to an include of torch/headeronly/version.h, where the numbers now live. The build keys the
// C++ standard and native/src/compat.h on it.
export function torchVersion(includeDirs) {
  for (const dir of includeDirs) {
    for (const rel of ["torch/headeronly/version.h", "torch/version.h"]) {
      const f = join(dir, rel);
      if (!existsSync(f)) continue;
      const text = readFileSync(f, "utf8");
      const major = /TORCH_VERSION_MAJOR\s+(\d+)/.exec(text)?.[1];
      const minor = /TORCH_VERSION_MINOR\s+(\d+)/.exec(text)?.[1];
      const patch = /TORCH_VERSION_PATCH\s+(\d+)/.exec(text)?.[1] ?? "0";
      if (major !== undefined && minor !== undefined) return { major: Number(major), minor: Number(minor), patch: Number(patch) };
    }
  }
  throw new Error(
    `tstorch: cannot read libtorch's version (no TORCH_VERSION_MAJOR in torch/version.h or torch/headeronly/version.h under ${includeDirs.join(", ")})`,
  );
}

// What identifies the libtorch binary the addon links: libtorch_cpu.so's real file, size and mtime
// (an upgrade or a different install changes at least one). Recorded at build time in
// native/build/libtorch.json and compared by the loader (src/core/native.ts) before it loads the addon.
export function libtorchIdentity(libDir) {
  const path = realpathSync(join(libDir, "libtorch_cpu.so"));
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    console.log(JSON.stringify(findLibtorch(), null, 2));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
