// Builds the C++ floor of the per-operation benchmarks (bench/floor/worker_floor.cc and small_models.cc ->
// bench/floor/build/worker_floor) against the libtorch the addon uses (scripts/find-libtorch.mjs),
// with the addon's compiler, standard and ABI flags, so the two sides differ only in what lies
// between the loop and ATen. Rebuilt when the source or the libtorch changes; prints the path.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findLibtorch, libtorchIdentity, torchVersion } from "../../scripts/find-libtorch.mjs";
import { cxxStandard } from "../../scripts/build-native.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export function buildFloor() {
  const torch = findLibtorch();
  const srcs = [join(here, "worker_floor.cc"), join(here, "small_models.cc")];
  const outDir = join(here, "build");
  const bin = join(outDir, "worker_floor");
  const stamp = join(outDir, "libtorch.json");
  const key = JSON.stringify({ libDir: torch.libDir, identity: libtorchIdentity(torch.libDir) });
  const fresh = existsSync(bin) && existsSync(stamp) && readFileSync(stamp, "utf8") === key && srcs.every((s) => statSync(bin).mtimeMs >= statSync(s).mtimeMs);
  if (fresh) return bin;
  mkdirSync(outDir, { recursive: true });
  const cxx = process.env.CXX || "g++";
  const args = [
    `-std=${cxxStandard(torchVersion(torch.includeDirs))}`, "-O2", "-Wno-deprecated-declarations",
    ...(torch.cxx11Abi === null ? [] : [`-D_GLIBCXX_USE_CXX11_ABI=${torch.cxx11Abi}`]),
    ...torch.includeDirs.map((d) => `-I${d}`),
    ...srcs, "-o", bin,
    `-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10",
  ];
  console.error(`bench: compiling the C++ floor against libtorch ${torch.version} (${torch.libDir})`);
  const r = spawnSync(cxx, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`bench/floor/worker_floor.cc did not compile against libtorch ${torch.version} (${cxx} exited with ${r.status})`);
  writeFileSync(stamp, key);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildFloor());
