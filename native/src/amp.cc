// Automatic mixed precision (torch.autocast): while enabled for a device type, libtorch's Autocast
// dispatch keys cast the inputs of eligible ops (convolutions, matrix products) to a lower precision
// and keep precision-sensitive ops (losses, softmax, reductions) in float32. The state is
// thread-local, like PyTorch's; JS enters and leaves a region through these two calls.
#include <ATen/autocast_mode.h>

#include "common.h"
#include "compat.h"  // TSTORCH_AUTOCAST_BY_DEVICE


namespace tstorch {
namespace {

at::DeviceType autocastDevice(const std::string& d) {
  if (d == "cuda") return at::kCUDA;
  if (d == "cpu") return at::kCPU;
  throw JsError("tstorch: autocast supports the device types 'cuda' and 'cpu', got '" + d + "'");
}

bool isEnabled(at::DeviceType d) {
#ifdef TSTORCH_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(d);
#else
  return d == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void setEnabled(at::DeviceType d, bool on) {
#ifdef TSTORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(d, on);
#else
  if (d == at::kCUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
#endif
}

at::ScalarType getDtype(at::DeviceType d) {
#ifdef TSTORCH_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(d);
#else
  return d == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void setDtype(at::DeviceType d, at::ScalarType t) {
#ifdef TSTORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(d, t);
#else
  if (d == at::kCUDA) at::autocast::set_autocast_gpu_dtype(t);
  else at::autocast::set_autocast_cpu_dtype(t);
#endif
}

}  // namespace

// autocastEnter(deviceType, enabled, dtypeCode) -> [prevEnabled, prevDtypeCode]
static napi_value autocastEnter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    at::DeviceType d = autocastDevice(getString(env, a[0], "deviceType"));
    bool on = getBool(env, a[1], "enabled");
    int64_t code = getInt(env, a[2], "dtype");
    auto st = static_cast<at::ScalarType>(code);
    if (st != at::kHalf && st != at::kBFloat16 && st != at::kFloat)
      throw JsError("tstorch: autocast dtype must be float16, bfloat16 or float32");
    bool prevOn = isEnabled(d);
    at::ScalarType prevDtype = getDtype(d);
    setEnabled(d, on);
    setDtype(d, st);
    at::autocast::increment_nesting();
    napi_value out;
    check(napi_create_array_with_length(env, 2, &out), "create_array");
    napi_set_element(env, out, 0, makeBool(env, prevOn));
    napi_set_element(env, out, 1, makeNumber(env, static_cast<double>(static_cast<int>(prevDtype))));
    return out;
  });
}

// autocastExit(deviceType, prevEnabled, prevDtypeCode): restores the state; leaving the outermost
// region drops the cache of casted weights, as PyTorch's autocast.__exit__ does.
static napi_value autocastExit(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    at::DeviceType d = autocastDevice(getString(env, a[0], "deviceType"));
    bool prevOn = getBool(env, a[1], "enabled");
    auto prevDtype = static_cast<at::ScalarType>(getInt(env, a[2], "dtype"));
    if (prevDtype != at::kHalf && prevDtype != at::kBFloat16 && prevDtype != at::kFloat)
      throw JsError("tstorch: autocast dtype must be float16, bfloat16 or float32");
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setEnabled(d, prevOn);
    setDtype(d, prevDtype);
    return makeUndefined(env);
  });
}

// autocastState(deviceType) -> [enabled, dtypeCode] (torch.is_autocast_enabled, get_autocast_gpu_dtype, ...)
static napi_value autocastState(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    at::DeviceType d = autocastDevice(getString(env, a[0], "deviceType"));
    napi_value out;
    check(napi_create_array_with_length(env, 2, &out), "create_array");
    napi_set_element(env, out, 0, makeBool(env, isEnabled(d)));
    napi_set_element(env, out, 1, makeNumber(env, static_cast<double>(static_cast<int>(getDtype(d)))));
    return out;
  });
}

// autocastSet(deviceType, enabled | null, dtypeCode | null): torch.set_autocast_enabled, set_autocast_*_dtype
static napi_value autocastSet(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    at::DeviceType d = autocastDevice(getString(env, a[0], "deviceType"));
    if (typeOf(env, a[1]) != napi_null) setEnabled(d, getBool(env, a[1], "enabled"));
    if (typeOf(env, a[2]) != napi_null) {
      auto st = static_cast<at::ScalarType>(getInt(env, a[2], "dtype"));
      if (st != at::kHalf && st != at::kBFloat16 && st != at::kFloat)
        throw JsError("tstorch: autocast dtype must be float16, bfloat16 or float32");
      setDtype(d, st);
    }
    return makeUndefined(env);
  });
}

// The cache of weights cast inside autocast regions: autocastCache(enabled | null) -> enabled before;
// autocastCache("clear") empties it (torch.clear_autocast_cache).
static napi_value autocastCache(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    bool prev = at::autocast::is_autocast_cache_enabled();
    if (typeOf(env, a[0]) == napi_string) at::autocast::clear_cache();
    else if (typeOf(env, a[0]) != napi_null) at::autocast::set_autocast_cache_enabled(getBool(env, a[0], "enabled"));
    return makeBool(env, prev);
  });
}

std::vector<Export> ampExports() {
  return {{"autocastEnter", autocastEnter}, {"autocastExit", autocastExit}, {"autocastState", autocastState},
          {"autocastSet", autocastSet}, {"autocastCache", autocastCache}};
}

}  // namespace tstorch
