// Builds the Node-API addon (native/src/*.cc -> native/build/tstorch.node) with g++,
// against the libtorch that find-libtorch.mjs finds. Objects are rebuilt only when their
// sources, the headers or the flags change; files compile in parallel (one per core).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findLibtorch } from "./find-libtorch.mjs";

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

// The linked libtorch's version, from its headers: torch/version.h up to 2.x, which later releases
// (2.14) reduce to an include of torch/headeronly/version.h, where the numbers now live.
export function torchVersion(torch) {
  for (const dir of torch.includeDirs) {
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
  throw new Error(`tstorch: cannot read libtorch's version (no TORCH_VERSION_MAJOR in torch/version.h or torch/headeronly/version.h under ${torch.includeDirs.join(", ")})`);
}

// The C++ standard a libtorch's headers want: 2.11 and later are written for C++20 (and 2.13 requires it).
function cxxStandard(v) {
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
// libtorch with ProcessGroupNCCL: torch.distributed (native/src/distributed.cc) is compiled with them.
function glooIncludeDir(torch) {
  const candidates = [...torch.includeDirs, "/usr/include", "/usr/local/include"];
  return candidates.find((c) => existsSync(join(c, "gloo", "algorithm.h"))) ?? null;
}
function ncclIncludeDir(torch, cudaInc) {
  if (!torch.includeDirs.some((d) => existsSync(join(d, "torch", "csrc", "distributed", "c10d", "ProcessGroupNCCL.hpp")))) return null;
  const site = resolve(torch.libDir, "..", "..");
  const candidates = [cudaInc, join(site, "nvidia", "nccl", "include"), "/usr/include", ...torch.includeDirs].filter(Boolean);
  return candidates.find((c) => existsSync(join(c, "nccl.h"))) ?? null;
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
  const cxx = process.env.CXX || "g++";
  const cflags = [
    `-std=${cxxStandard(torchVersion(torch))}`, "-O2", "-fPIC", "-fvisibility=hidden", "-DNAPI_EXPERIMENTAL",
    "-Wno-deprecated-declarations", "-Wno-unused-parameter",
    ...(torch.cxx11Abi === null ? [] : [`-D_GLIBCXX_USE_CXX11_ABI=${torch.cxx11Abi}`]),
    ...(torch.cuda ? ["-DTSTORCH_CUDA=1"] : []),
    `-I${nodeIncludeDir()}`,
    ...torch.includeDirs.map((d) => `-I${d}`),
  ];
  const libs = ["-ltorch", "-ltorch_cpu", "-lc10", ...(torch.cuda ? ["-ltorch_cuda", "-lc10_cuda"] : [])];
  // --no-as-needed keeps libtorch_cuda linked although no symbol of it is named directly (its
  // kernels register themselves at load); -z now makes a C++ ABI mismatch fail at load, not mid-call.
  const ldflags = ["-shared", `-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, "-Wl,--no-as-needed", ...libs, "-Wl,-z,now"];

  // Optional parts: compiled with extra flags when possible, else without them (a stub).
  const cudaInc = torch.cuda ? cudaIncludeDir(torch) : null;
  const optional = {
    "cuda_graph.cc": cudaInc ? ["-DTSTORCH_WITH_CUDA_GRAPHS=1", `-I${cudaInc}`] : [],
  };
  // distributed.cc: a list of flag sets tried in order (Gloo + NCCL, Gloo alone), else the stub.
  const glooInc = glooIncludeDir(torch);
  const ncclInc = torch.cuda ? ncclIncludeDir(torch, cudaInc) : null;
  const dist = glooInc ? ["-DTSTORCH_WITH_DISTRIBUTED=1", "-DUSE_C10D_GLOO=1", `-I${glooInc}`] : null;
  optional["distributed.cc"] = [
    ...(dist && ncclInc ? [[...dist, "-DUSE_C10D_NCCL=1", "-DTSTORCH_WITH_NCCL=1", `-I${ncclInc}`, ...(cudaInc ? [`-I${cudaInc}`] : [])]] : []),
    ...(dist ? [dist] : []),
  ];

  mkdirSync(objDir, { recursive: true });
  const flagHash = createHash("sha1").update(JSON.stringify([cxx, cflags, optional])).digest("hex").slice(0, 12);
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
  if (todo.length) console.error(`tstorch: compiling ${todo.length} file(s) against ${torch.source} libtorch (${torch.libDir})`);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < todo.length) {
        const j = todo[next++];
        const extra = optional[basename(j.src)] ?? [];
        // One flag set, or a list of them (tried in order); the file's stub (no extra flags) last.
        const attempts = [...(Array.isArray(extra[0]) ? extra : extra.length > 0 ? [extra] : []), []];
        for (const [k, flags] of attempts.entries()) {
          try {
            await run(cxx, [...cflags, ...flags, "-c", j.src, "-o", `${j.obj}.tmp`]);
            break;
          } catch (e) {
            if (k === attempts.length - 1) throw e;
            console.error(`tstorch: ${basename(j.src)} did not build with ${flags.join(" ")}; trying ${attempts[k + 1].join(" ") || "without them"} (${e.message})`);
          }
        }
        renameSync(`${j.obj}.tmp`, j.obj);
      }
    }),
  );
  const target = join(outDir, "tstorch.node");
  const needLink = todo.length > 0 || !existsSync(target) || jobs.some((j) => statSync(j.obj).mtimeMs > statSync(target).mtimeMs);
  if (needLink) {
    await run(cxx, ["-o", `${target}.tmp`, ...jobs.map((j) => j.obj), ...ldflags]);
    renameSync(`${target}.tmp`, target);
    writeFileSync(join(outDir, "libtorch.json"), JSON.stringify(torch, null, 2) + "\n");
    console.error(`tstorch: built ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((e) => {
  console.error(`tstorch: native build failed: ${e.message}`);
  process.exit(1);
});
