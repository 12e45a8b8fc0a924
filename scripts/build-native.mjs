// Builds the Node-API addon (native/src/*.cc -> native/build/tstorch.node) with g++,
// against the libtorch that find-libtorch.mjs finds. Objects are rebuilt only when their
// sources, the headers or the flags change; files compile in parallel (one per core).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync, renameSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findLibtorch, libtorchIdentity, torchVersion } from "./find-libtorch.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "native", "src");
const outDir = join(root, "native", "build");
const objDir = join(outDir, "obj");

function nodeIncludeDir() {
  const candidates = [
    process.env.NODE_INCLUDE_DIR,
    resolve(dirname(process.execPath), "..", "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(join(c, "node_api.h"))) return c;
  throw new Error(`tstorch: Node's headers (node_api.h) not found in ${candidates.join(", ")}; set NODE_INCLUDE_DIR`);
}

// The C++ standard a libtorch's headers want: 2.11 and later are written for C++20 (and 2.13 requires it).
export function cxxStandard(v) {
  return v.major > 2 || (v.major === 2 && v.minor >= 11) ? "c++20" : "c++17";
}

// CUDA's runtime headers, which CUDA graphs (native/src/cuda_graph.cc) need: $CUDA_HOME, the usual
// install folder, or the nvidia-* pip packages beside a pip PyTorch.
function cudaIncludeDir(torch) {
  const site = resolve(torch.libDir, "..", "..");
  const candidates = [
    process.env.CUDA_HOME && join(process.env.CUDA_HOME, "include"),
    "/usr/local/cuda/include",
    join(site, "nvidia", "cu13", "include"),
    join(site, "nvidia", "cuda_runtime", "include"),
  ].filter(Boolean);
  return candidates.find((c) => existsSync(join(c, "cuda_runtime_api.h"))) ?? null;
}

// Gloo's headers (ProcessGroupGloo.hpp includes <gloo/...>; Debian: libgloo-dev), and NCCL's for a CUDA
// libtorch with ProcessGroupNCCL: torch.distributed (native/src/distributed*.cc) is compiled with them.
function glooIncludeDir(torch, systemDirs) {
  const candidates = [...torch.includeDirs, ...systemDirs];
  return candidates.find((c) => existsSync(join(c, "gloo", "algorithm.h"))) ?? null;
}
function ncclIncludeDir(torch, cudaInc) {
  if (!torch.includeDirs.some((d) => existsSync(join(d, "torch", "csrc", "distributed", "c10d", "ProcessGroupNCCL.hpp")))) return null;
  const site = resolve(torch.libDir, "..", "..");
  const candidates = [cudaInc, join(site, "nvidia", "nccl", "include"), "/usr/include", ...torch.includeDirs].filter(Boolean);
  return candidates.find((c) => existsSync(join(c, "nccl.h"))) ?? null;
}

// The parts a libtorch may lack, each with the flags that build it for real: without them the file
// compiles to its stub (torch.distributed unavailable, no CUDA graphs). A part whose prerequisites
// are present is compiled with them and a compile error is a build error: never a silent stub.
// Returns { flags: {file: [...]}, notes: [one line per part left out, saying why and what to install] }.
export function optionalParts(torch, systemDirs = ["/usr/include", "/usr/local/include"]) {
  const flags = {};
  const notes = [];
  const cudaInc = torch.cuda ? cudaIncludeDir(torch) : null;
  if (cudaInc) flags["cuda_graph.cc"] = ["-DTSTORCH_WITH_CUDA_GRAPHS=1", `-I${cudaInc}`];
  else if (torch.cuda)
    notes.push("tstorch: CUDA graphs are unavailable: CUDA's runtime headers (cuda_runtime_api.h) were not found; set CUDA_HOME to the CUDA toolkit and run `npm rebuild tstorch`");
  const hasC10d = torch.includeDirs.some((d) => existsSync(join(d, "torch", "csrc", "distributed", "c10d", "ProcessGroupGloo.hpp")));
  const glooInc = hasC10d ? glooIncludeDir(torch, systemDirs) : null;
  if (!hasC10d) {
    notes.push(`tstorch: torch.distributed is unavailable: this libtorch (${torch.libDir}) has no c10d headers (torch/csrc/distributed/c10d/ProcessGroupGloo.hpp)`);
  } else if (!glooInc) {
    notes.push("tstorch: torch.distributed is unavailable: Gloo's headers (gloo/algorithm.h) were not found; on Debian/Ubuntu run `apt-get install libgloo-dev`, then `npm rebuild tstorch`");
  } else {
    const ncclInc = torch.cuda ? ncclIncludeDir(torch, cudaInc) : null;
    flags["distributed.cc"] = [
      "-DTSTORCH_WITH_DISTRIBUTED=1", "-DUSE_C10D_GLOO=1", `-I${glooInc}`,
      ...(ncclInc ? ["-DUSE_C10D_NCCL=1", "-DTSTORCH_WITH_NCCL=1", `-I${ncclInc}`, ...(cudaInc ? [`-I${cudaInc}`] : [])] : []),
    ];
  }
  return { flags, notes };
}

// The image codecs (native/src/image.cc) are a required part: TurboJPEG and libpng, found by their
// headers in the system folders (and $CPATH). Missing ones fail the build with the package to install,
// rather than leaving vision.io without decoders.
export function imageCodecLibraries(systemDirs = ["/usr/include", "/usr/local/include", ...(process.env.CPATH ?? "").split(":").filter(Boolean)]) {
  const needs = [
    { header: "turbojpeg.h", lib: "-lturbojpeg", debian: "libturbojpeg0-dev", what: "TurboJPEG (libjpeg-turbo)" },
    { header: "png.h", lib: "-lpng", debian: "libpng-dev", what: "libpng" },
  ];
  const missing = needs.filter((n) => !systemDirs.some((d) => existsSync(join(d, n.header))));
  if (missing.length) {
    throw new Error(
      `the image codecs need ${missing.map((m) => `${m.what} (${m.header})`).join(" and ")}: on Debian/Ubuntu run ` +
        `\`apt-get install ${missing.map((m) => m.debian).join(" ")}\`, then \`npm run build:native\``,
    );
  }
  return needs.map((n) => n.lib);
}

// The flags of the optional part a source file belongs to: a part is named by its main file
// ("distributed.cc"), and the files split off it, `<part>_<concern>.cc` (distributed_store.cc, ...),
// are compiled with the same flags.
export function partFlags(optional, file) {
  for (const [part, flags] of Object.entries(optional)) if (file === part || file.startsWith(part.replace(/\.cc$/, "_"))) return flags;
  return [];
}

// The key of an object file: the compiler, its flags, and the libtorch's identity, so that another
// libtorch (an upgrade, LIBTORCH pointed elsewhere) rebuilds every object even with the same headers
// path and flags.
export function objectKey(cxx, cflags, optional, torch, identity) {
  return createHash("sha1").update(JSON.stringify([cxx, cflags, optional, torch.libDir, identity])).digest("hex").slice(0, 12);
}

function run(cmd, args) {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", fail);
    p.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}`))));
  });
}

async function main() {
  let torch;
  try {
    torch = findLibtorch();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  const version = torchVersion(torch.includeDirs);
  const identity = libtorchIdentity(torch.libDir);
  const cxx = process.env.CXX || "g++";
  const cflags = [
    `-std=${cxxStandard(version)}`, "-O2", "-fPIC", "-fvisibility=hidden", "-DNAPI_EXPERIMENTAL",
    "-Wno-deprecated-declarations", "-Wno-unused-parameter",
    ...(torch.cxx11Abi === null ? [] : [`-D_GLIBCXX_USE_CXX11_ABI=${torch.cxx11Abi}`]),
    ...(torch.cuda ? ["-DTSTORCH_CUDA=1"] : []),
    `-I${nodeIncludeDir()}`,
    ...torch.includeDirs.map((d) => `-I${d}`),
  ];
  const libs = ["-ltorch", "-ltorch_cpu", "-lc10", ...(torch.cuda ? ["-ltorch_cuda", "-lc10_cuda"] : []), ...imageCodecLibraries()];
  // --no-as-needed keeps libtorch_cuda linked although no symbol of it is named directly (its
  // kernels register themselves at load); -z now makes a C++ ABI mismatch fail at load, not mid-call.
  const ldflags = ["-shared", `-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, "-Wl,--no-as-needed", ...libs, "-Wl,-z,now"];
  const { flags: optional, notes } = optionalParts(torch);
  for (const n of notes) console.error(n);

  mkdirSync(objDir, { recursive: true });
  const flagHash = objectKey(cxx, cflags, optional, torch, identity);
  const headers = readdirSync(srcDir).filter((f) => f.endsWith(".h")).map((f) => join(srcDir, f));
  const newestHeader = Math.max(0, ...headers.map((h) => statSync(h).mtimeMs));
  const sources = readdirSync(srcDir).filter((f) => f.endsWith(".cc")).sort();
  const jobs = sources.map((f) => {
    const src = join(srcDir, f);
    const obj = join(objDir, `${f.replace(/\.cc$/, "")}.${flagHash}.o`);
    const stale = !existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, newestHeader);
    return { src, obj, stale };
  });
  const todo = jobs.filter((j) => j.stale);
  const parallel = Math.max(1, Math.min(cpus().length, Number(process.env.JOBS) || cpus().length));
  const started = Date.now();
  if (todo.length) console.error(`tstorch: compiling ${todo.length} file(s) against libtorch ${torch.version} (${torch.source}, ${torch.libDir}, -std=${cxxStandard(version)})`);
  let next = 0;
  const failed = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < todo.length) {
        const j = todo[next++];
        try {
          await run(cxx, [...cflags, ...partFlags(optional, basename(j.src)), "-c", j.src, "-o", `${j.obj}.tmp`]);
          renameSync(`${j.obj}.tmp`, j.obj);
        } catch (e) {
          rmSync(`${j.obj}.tmp`, { force: true });
          failed.push(basename(j.src));
        }
      }
    }),
  );
  if (failed.length) {
    throw new Error(
      `${failed.sort().join(", ")} did not compile against libtorch ${torch.version} (${torch.libDir}); the compiler's messages are above. ` +
        "The addon in native/build was left as it was.",
    );
  }
  const target = join(outDir, "tstorch.node");
  const record = join(outDir, "libtorch.json");
  const needLink = todo.length > 0 || !existsSync(target) || !existsSync(record) || jobs.some((j) => statSync(j.obj).mtimeMs > statSync(target).mtimeMs);
  if (needLink) {
    await run(cxx, ["-o", `${target}.tmp`, ...jobs.map((j) => j.obj), ...ldflags]);
    // The record the loader checks (src/core/native.ts): which libtorch this addon was built for.
    writeFileSync(`${record}.tmp`, JSON.stringify({ ...torch, libtorchCpu: identity }, null, 2) + "\n");
    renameSync(`${target}.tmp`, target);
    renameSync(`${record}.tmp`, record);
    console.error(`tstorch: built ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // objects of other keys (another libtorch, other flags) are not linked again: drop them
    const current = new Set(jobs.map((j) => basename(j.obj)));
    for (const f of readdirSync(objDir)) if (f.endsWith(".o") && !current.has(f)) rmSync(join(objDir, f), { force: true });
  }
}

// Run as a script (npm's install, build:native); imported (tests), it only exports its helpers.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`tstorch: native build failed: ${e.message}`);
    process.exit(1);
  });
}
