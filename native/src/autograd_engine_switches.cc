// The autograd engine's thread-local switches that PyTorch 2.x added to c10::AutogradState:
// multithreaded backward (torch.autograd.set_multithreading_enabled, libtorch >= 2.0) and the gradient
// layout contract of AccumulateGrad (torch.autograd.enforce_grad_layout_policy). Each setter returns
// the previous value so that JS can restore it. Where the linked libtorch lacks a switch the binding
// throws, naming the libtorch it needs (compat.h says which versions have which).
//
// Thread-local, as in PyTorch: they belong to the JS thread that sets them, and travel with its other
// modes to the helper thread that runs its backward (runEngine copies the ThreadLocalState).
#include "common.h"
#include "compat.h"

#include <c10/core/AutogradState.h>

#include <string>

namespace tstorch {
namespace {

[[noreturn]] void needs(const char* api, const char* libtorch) {
  throw JsError(std::string("tstorch: torch.autograd.") + api + " needs " + libtorch + "; this build links libtorch " +
                TORCH_VERSION);
}

constexpr const char* kMultithreadingVersion = "libtorch 2.0 or later";
// The gradient layout switch's first release is not known here (compat::kGradLayoutSwitch): say which has it.
constexpr const char* kLayoutVersion = "a libtorch with the grad-layout switch (PyTorch added it in 2026: 2.14 has it)";

// autogradSetMultithreadingEnabled(mode) -> previous mode
napi_value autogradSetMultithreadingEnabled(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args<1> a(env, info);
    bool on = getBool(env, a[0], "setMultithreadingEnabled(mode)");
#ifdef TSTORCH_AUTOGRAD_MULTITHREADING_SWITCH
    auto& s = c10::AutogradState::get_tls_state();
    bool prev = s.get_multithreading_enabled();
    s.set_multithreading_enabled(on);
    return makeBool(env, prev);
#else
    (void)on;
    needs("setMultithreadingEnabled", kMultithreadingVersion);
#endif
  });
}

napi_value autogradIsMultithreadingEnabled(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
#ifdef TSTORCH_AUTOGRAD_MULTITHREADING_SWITCH
    return makeBool(env, c10::AutogradState::get_tls_state().get_multithreading_enabled());
#else
    needs("isMultithreadingEnabled", kMultithreadingVersion);
#endif
  });
}

// autogradSetGradLayoutEnforcement(enable) -> previous value
napi_value autogradSetGradLayoutEnforcement(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args<1> a(env, info);
    bool on = getBool(env, a[0], "enforceGradLayoutPolicy(enable)");
    compat::Optional<bool> prev = compat::exchangeGradLayoutEnforcement(on);
    if (!prev) needs("enforceGradLayoutPolicy", kLayoutVersion);
    return makeBool(env, *prev);
  });
}

napi_value autogradIsGradLayoutEnforcementEnabled(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    compat::Optional<bool> on = compat::gradLayoutEnforcement();
    if (!on) needs("isGradLayoutEnforcementEnabled", kLayoutVersion);
    return makeBool(env, *on);
  });
}

}  // namespace

std::vector<Export> autogradEngineSwitchExports() {
  return {
      {"autogradSetMultithreadingEnabled", autogradSetMultithreadingEnabled},
      {"autogradIsMultithreadingEnabled", autogradIsMultithreadingEnabled},
      {"autogradSetGradLayoutEnforcement", autogradSetGradLayoutEnforcement},
      {"autogradIsGradLayoutEnforcementEnabled", autogradIsGradLayoutEnforcementEnabled},
  };
}

}  // namespace tstorch
