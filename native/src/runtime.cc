// Process-wide settings: grad mode, random seed, threads, CUDA presence, versions.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/cuda.h>

#include <algorithm>
#include <thread>

#include "common.h"
#include "compat.h"  // TORCH_VERSION

namespace tstorch {

static napi_value setGradEnabled(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    bool prev = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(getBool(env, a[0], "enabled"));
    return makeBool(env, prev);
  });
}

static napi_value isGradEnabled(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeBool(env, c10::GradMode::is_enabled()); });
}

static napi_value manualSeed(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    at::manual_seed(static_cast<uint64_t>(getInt(env, a[0], "seed")));
    return makeUndefined(env);
  });
}

// randpermSeeded(n, seed): torch.randperm(n, generator=torch.Generator().manual_seed(seed)) on a
// generator of its own, so the global random state is left as it was (DistributedSampler's shuffle).
static napi_value randpermSeeded(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(getInt(env, a[1], "seed")));
    at::Tensor p;
    {
      at::NoGradGuard ng;
      p = at::randperm(getInt(env, a[0], "n"), gen, at::TensorOptions().dtype(at::kLong));
    }
    return wrapTensor(env, std::move(p));
  });
}

static int64_t logicalCores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int64_t>(n);
}
static int64_t maxNumThreads() { return std::max<int64_t>(16, 4 * logicalCores()); }

static napi_value maxNumThreadsFn(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, static_cast<double>(maxNumThreads())); });
}

static napi_value setNumThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    int64_t n = getInt(env, a[0], "threads");
    if (n < 1) throw JsError("tstorch: setNumThreads needs a positive number, got " + std::to_string(n));
    // libtorch's OpenMP pool starts every thread at once and each parallel region waits for all
    // of them: 512 threads took 13 s to start on 2 cores and 100000 never finished. More threads
    // than a few per core only slow work down, so the request is bounded (src/cli/args.ts too).
    int64_t limit = maxNumThreads();
    if (n > limit)
      throw JsError("tstorch: setNumThreads(" + std::to_string(n) + "): at most " + std::to_string(limit) +
                    " threads (4 per logical core, at least 16; this machine has " + std::to_string(logicalCores()) + ")");
    at::set_num_threads(static_cast<int>(n));
    return makeUndefined(env);
  });
}

static napi_value getNumThreads(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, at::get_num_threads()); });
}

static napi_value cudaDeviceCount(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    // at::getNumGPUs is stable across libtorch 1.13..2.x (the hooks' method names are not)
    return makeNumber(env, at::hasCUDA() ? static_cast<double>(at::getNumGPUs()) : 0.0);
  });
}

// Waits for every queued CUDA kernel of the current device (torch.cuda.synchronize()); a no-op
// without CUDA. Timings of GPU work need it: launches return before the kernels run.
static napi_value cudaSynchronize(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (at::hasCUDA() && at::getNumGPUs() > 0) torch::cuda::synchronize();
    return makeUndefined(env);
  });
}

// Backend switches (torch.backends.*): get(name) -> bool, set(name, bool) -> previous value.
// "cudnn.benchmark": let cuDNN time its algorithms on first use of a shape (PyTorch's default: off);
// "cuda.matmul.allow_tf32" (default off) and "cudnn.allow_tf32" (default on): TF32 tensor cores for
// float32 matrix products and convolutions.
static bool backendFlag(const std::string& name, const bool* set) {
  auto& ctx = at::globalContext();
  bool prev;
  if (name == "cudnn.benchmark") {
    prev = ctx.benchmarkCuDNN();
    if (set) ctx.setBenchmarkCuDNN(*set);
  } else if (name == "cuda.matmul.allow_tf32") {
    prev = ctx.allowTF32CuBLAS();
    if (set) ctx.setAllowTF32CuBLAS(*set);
  } else if (name == "cudnn.allow_tf32") {
    prev = ctx.allowTF32CuDNN();
    if (set) ctx.setAllowTF32CuDNN(*set);
  } else {
    throw JsError("tstorch: unknown backend flag '" + name + "'");
  }
  return prev;
}

static napi_value getBackendFlag(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeBool(env, backendFlag(getString(env, a[0], "name"), nullptr));
  });
}

static napi_value setBackendFlag(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    bool v = getBool(env, a[1], "value");
    return makeBool(env, backendFlag(getString(env, a[0], "name"), &v));
  });
}

static napi_value versions(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value o;
    check(napi_create_object(env, &o), "create_object");
    napi_set_named_property(env, o, "libtorch", makeString(env, TORCH_VERSION));
    napi_set_named_property(env, o, "cxx11Abi", makeBool(env, _GLIBCXX_USE_CXX11_ABI != 0));
    napi_set_named_property(env, o, "parallel", makeString(env, at::get_parallel_info()));
    return o;
  });
}

std::vector<Export> runtimeExports() {
  return {
      {"setGradEnabled", setGradEnabled}, {"isGradEnabled", isGradEnabled}, {"manualSeed", manualSeed},
      {"randpermSeeded", randpermSeeded},
      {"setNumThreads", setNumThreads},   {"getNumThreads", getNumThreads}, {"maxNumThreads", maxNumThreadsFn}, {"cudaDeviceCount", cudaDeviceCount},
      {"versions", versions},           {"cudaSynchronize", cudaSynchronize},
      {"getBackendFlag", getBackendFlag}, {"setBackendFlag", setBackendFlag},
  };
}

}  // namespace tstorch
