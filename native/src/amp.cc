// Automatic mixed precision (torch.autocast): while enabled for a device type, libtorch's Autocast
// dispatch keys cast the inputs of eligible ops (convolutions, matrix products) to a lower precision
// and keep precision-sensitive ops (losses, softmax, reductions) in float32. The state is
// thread-local, like PyTorch's; JS enters and leaves a region through these two calls.
#include "common.h"
#define TSTORCH_AUTOCAST_COMPAT  // compat::autocast: 2.4's by-device functions on every version
#include "compat.h"

namespace tstorch {
namespace {

namespace autocast = compat::autocast;

at::DeviceType autocastDevice(const std::string& d) {
  if (d == "cuda") return at::kCUDA;
  if (d == "cpu") return at::kCPU;
  throw JsError("tstorch: autocast supports the device types 'cuda' and 'cpu', got '" + d + "'");
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
    bool prevOn = autocast::is_autocast_enabled(d);
    at::ScalarType prevDtype = autocast::get_autocast_dtype(d);
    autocast::set_autocast_enabled(d, on);
    autocast::set_autocast_dtype(d, st);
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
    autocast::set_autocast_enabled(d, prevOn);
    autocast::set_autocast_dtype(d, prevDtype);
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
    napi_set_element(env, out, 0, makeBool(env, autocast::is_autocast_enabled(d)));
    napi_set_element(env, out, 1, makeNumber(env, static_cast<double>(static_cast<int>(autocast::get_autocast_dtype(d)))));
    return out;
  });
}

// autocastSet(deviceType, enabled | null, dtypeCode | null): torch.set_autocast_enabled, set_autocast_*_dtype
static napi_value autocastSet(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    at::DeviceType d = autocastDevice(getString(env, a[0], "deviceType"));
    if (typeOf(env, a[1]) != napi_null) autocast::set_autocast_enabled(d, getBool(env, a[1], "enabled"));
    if (typeOf(env, a[2]) != napi_null) {
      auto st = static_cast<at::ScalarType>(getInt(env, a[2], "dtype"));
      if (st != at::kHalf && st != at::kBFloat16 && st != at::kFloat)
        throw JsError("tstorch: autocast dtype must be float16, bfloat16 or float32");
      autocast::set_autocast_dtype(d, st);
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
