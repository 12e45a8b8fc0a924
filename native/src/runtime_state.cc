// libtorch's process-wide state that PyTorch exposes as plain torch.* functions: the default dtype,
// deterministic algorithms, flush-denormal, float32 matmul precision, warn-always, the default CPU
// generator's state and seeds, inter-op threads, inference mode, and shape broadcasting.
// Each is libtorch's own switch; JS only reads and sets it.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ExpandUtils.h>
#include <ATen/Parallel.h>
#include <c10/core/DefaultDtype.h>
#include <c10/core/InferenceMode.h>

#include <memory>
#include <mutex>

#include "common.h"
#include "compat.h"  // TSTORCH_WARNING_UTILS

namespace tstorch {
namespace {

napi_value makeUint64(napi_env env, uint64_t x) {
  // a seed beyond 2^53 comes back as a bigint so that it is never rounded
  if (x <= (uint64_t{1} << 53)) return makeNumber(env, static_cast<double>(x));
  napi_value out;
  check(napi_create_bigint_uint64(env, x, &out), "create_bigint");
  return out;
}

// setDefaultDtype(code): PyTorch's torch.set_default_dtype; factories without a dtype follow it.
napi_value setDefaultDtype(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    auto st = static_cast<at::ScalarType>(getInt(env, a[0], "dtype"));
    // PyTorch's own check (torch/csrc/tensor/python_tensor.cpp): libtorch itself accepts any type
    if (!at::isFloatingType(st)) throw JsError("tstorch: setDefaultDtype: only floating-point types are supported as the default type");
    c10::set_default_dtype(caffe2::TypeMeta::fromScalarType(st));
    return makeUndefined(env);
  });
}
napi_value getDefaultDtype(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, static_cast<int>(c10::get_default_dtype_as_scalartype())); });
}

// setDeterministicAlgorithms(enabled, warnOnly); deterministicAlgorithms() -> [enabled, warnOnly]
napi_value setDeterministicAlgorithms(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    at::globalContext().setDeterministicAlgorithms(getBool(env, a[0], "mode"), getBool(env, a[1], "warnOnly"));
    return makeUndefined(env);
  });
}
napi_value deterministicAlgorithms(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value out;
    check(napi_create_array_with_length(env, 2, &out), "create_array");
    napi_set_element(env, out, 0, makeBool(env, at::globalContext().deterministicAlgorithms()));
    napi_set_element(env, out, 1, makeBool(env, at::globalContext().deterministicAlgorithmsWarnOnly()));
    return out;
  });
}

// setFlushDenormal(on) -> whether the CPU supports it (SSE3)
napi_value setFlushDenormal(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeBool(env, at::globalContext().setFlushDenormal(getBool(env, a[0], "mode")));
  });
}

napi_value setFloat32MatmulPrecision(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    std::string p = getString(env, a[0], "precision");
    // libtorch only warns and ignores an unknown name; PyTorch users see that warning, JS gets an error
    if (p != "highest" && p != "high" && p != "medium")
      throw JsError("tstorch: setFloat32MatmulPrecision: '" + p + "' is not one of 'highest', 'high', or 'medium'");
    at::globalContext().setFloat32MatmulPrecision(p);
    return makeUndefined(env);
  });
}
napi_value getFloat32MatmulPrecision(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    switch (at::globalContext().float32MatmulPrecision()) {
      case at::Float32MatmulPrecision::HIGH: return makeString(env, "high");
      case at::Float32MatmulPrecision::MEDIUM: return makeString(env, "medium");
      default: return makeString(env, "highest");
    }
  });
}

napi_value setWarnAlways(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    TSTORCH_WARNING_UTILS::set_warnAlways(getBool(env, a[0], "mode"));
    return makeUndefined(env);
  });
}
napi_value isWarnAlwaysEnabled(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeBool(env, TSTORCH_WARNING_UTILS::get_warnAlways()); });
}

// The default CPU generator (torch.default_generator): its state as a uint8 tensor, and its seeds.
napi_value getRngState(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrapTensor(env, gen.get_state());
  });
}
napi_value setRngState(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    const at::Tensor& s = unwrapTensor(env, a[0], "state");
    // PyTorch's check (torch/csrc/Generator.cpp); libtorch checks the size and layout
    if (s.scalar_type() != at::kByte || s.device().type() != at::kCPU)
      throw JsError("tstorch: setRngState: RNG state must be a uint8 tensor on the CPU (got " + std::string(c10::toString(s.scalar_type())) + ")");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
    return makeUndefined(env);
  });
}
napi_value initialSeed(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return makeUint64(env, gen.current_seed());
  });
}
// seed(): a non-deterministic seed for every default generator (torch.seed); returns it
napi_value seed(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    uint64_t s;
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      s = gen.seed();
    }
    // the CUDA generators too, as torch.seed does (at::manual_seed also reseeds the CPU one: same seed)
    if (at::hasCUDA()) at::manual_seed(s);
    return makeUint64(env, s);
  });
}

napi_value setNumInteropThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    int64_t n = getInt(env, a[0], "threads");
    if (n < 1) throw JsError("tstorch: setNumInteropThreads needs a positive number, got " + std::to_string(n));
    at::set_num_interop_threads(static_cast<int>(n));
    return makeUndefined(env);
  });
}
napi_value getNumInteropThreads(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, at::get_num_interop_threads()); });
}
napi_value initNumThreads(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    at::init_num_threads();
    return makeUndefined(env);
  });
}

// Inference mode (torch.inference_mode): PyTorch holds a c10::InferenceMode guard for the length of
// the `with` block; here JS enters and exits it around a function, strictly nested, so the guards
// live on a per-thread stack and an exit names the depth it expects.
thread_local std::vector<std::unique_ptr<c10::InferenceMode>> inferenceGuards;
napi_value inferenceModeEnter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    inferenceGuards.push_back(std::make_unique<c10::InferenceMode>(getBool(env, a[0], "mode")));
    return makeNumber(env, static_cast<double>(inferenceGuards.size()));
  });
}
napi_value inferenceModeExit(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    auto depth = static_cast<size_t>(getInt(env, a[0], "depth"));
    if (depth != inferenceGuards.size()) throw JsError("tstorch: inference mode regions must be left in the order they were entered");
    inferenceGuards.pop_back();
    return makeUndefined(env);
  });
}
napi_value isInferenceModeEnabled(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeBool(env, c10::InferenceMode::is_enabled()); });
}

// broadcastShapes([[...], ...]) -> shape: libtorch's broadcasting rule (at::infer_size), pairwise
napi_value broadcastShapes(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    std::vector<int64_t> out;
    uint32_t n = arrayLength(env, a[0]);
    for (uint32_t i = 0; i < n; ++i) {
      std::vector<int64_t> s = getIntList(env, arrayGet(env, a[0], i), "shape");
      for (int64_t d : s)
        if (d < 0) throw JsError("tstorch: broadcastShapes: Trying to create tensor with negative dimension (" + std::to_string(d) + ")");
      out = at::infer_size(out, s);
    }
    return makeIntArray(env, out);
  });
}

}  // namespace

std::vector<Export> runtimeStateExports() {
  return {
      {"setDefaultDtype", setDefaultDtype}, {"getDefaultDtype", getDefaultDtype},
      {"setDeterministicAlgorithms", setDeterministicAlgorithms}, {"deterministicAlgorithms", deterministicAlgorithms},
      {"setFlushDenormal", setFlushDenormal},
      {"setFloat32MatmulPrecision", setFloat32MatmulPrecision}, {"getFloat32MatmulPrecision", getFloat32MatmulPrecision},
      {"setWarnAlways", setWarnAlways}, {"isWarnAlwaysEnabled", isWarnAlwaysEnabled},
      {"getRngState", getRngState}, {"setRngState", setRngState}, {"initialSeed", initialSeed}, {"seed", seed},
      {"setNumInteropThreads", setNumInteropThreads}, {"getNumInteropThreads", getNumInteropThreads}, {"initNumThreads", initNumThreads},
      {"inferenceModeEnter", inferenceModeEnter}, {"inferenceModeExit", inferenceModeExit}, {"isInferenceModeEnabled", isInferenceModeEnabled},
      {"broadcastShapes", broadcastShapes},
  };
}

}  // namespace tstorch
