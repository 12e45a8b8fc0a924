// torch.autograd beyond grad mode: torch::autograd::grad/backward, anomaly mode and forward-AD levels
// (this file), tensor hooks (autograd_hooks.cc), and custom Functions whose backward is JavaScript (a
// Node subclass whose apply calls back into JS, as the C++ frontend's CppNode calls T::backward:
// autograd_function.cc). What they share is in autograd.h, the JS callbacks in autograd_callbacks.cc.
//
// Threads. libtorch's engine runs a node on the thread that called backward for CPU work, but on its
// own device threads for CUDA work, and a graph may be backwarded on another JS thread than the one
// that built it. JS may only run on the thread that owns its napi_env. So each JS callback (a hook,
// a Function's backward) remembers its env: on that env's thread it is called directly; on any
// other thread the call is queued to the owner and the caller waits. The owner services the queue
// (a) from its event loop, woken by a napi_threadsafe_function, and (b) while it is itself inside a
// synchronous backward()/grad(): those run the engine on a helper thread whenever JS callbacks exist,
// and the JS thread pumps the queue until the engine is done, instead of blocking in the engine
// (where a device thread's request for JS would deadlock). A JS exception thrown inside a callback
// travels through the engine as a C++ exception and is rethrown, as the same JS value, at the
// backward()/grad() call that ran it.
#include "autograd.h"

#include <torch/csrc/autograd/anomaly_mode.h>
#include <torch/csrc/autograd/autograd.h>

namespace tstorch::autograd {
namespace {

// ---------------------------------------------------------------- grad / backward
// autogradGrad(outputs, inputs, gradOutputs | null, retainGraph?, createGraph, allowUnused) -> (handle | null)[]
napi_value autogradGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<6> a(env, info);
    variable_list outputs = tensorList(env, a[0], "outputs");
    variable_list inputs = tensorList(env, a[1], "inputs");
    variable_list gradOutputs;
    if (!isNullish(env, a[2])) gradOutputs = tensorList(env, a[2], "gradOutputs", true);
    compat::Optional<bool> retain = optBool(env, a[3], "retainGraph");
    bool create = !isNullish(env, a[4]) && getBool(env, a[4], "createGraph");
    bool allowUnused = !isNullish(env, a[5]) && getBool(env, a[5], "allowUnused");
    variable_list result;
    runEngine(env, [&] { result = torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, allowUnused); });
    return handleList(env, result);
  });
}

// autogradBackward(tensors, grads | null, retainGraph?, createGraph, inputs | null)
napi_value autogradBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    variable_list tensors = tensorList(env, a[0], "tensors");
    variable_list grads;
    if (!isNullish(env, a[1])) grads = tensorList(env, a[1], "gradTensors", true);
    compat::Optional<bool> retain = optBool(env, a[2], "retainGraph");
    bool create = !isNullish(env, a[3]) && getBool(env, a[3], "createGraph");
    variable_list inputs;
    if (!isNullish(env, a[4])) inputs = tensorList(env, a[4], "inputs");
    // tstorch's messages for the one-tensor case (Tensor.backward), before libtorch's
    if (tensors.size() == 1 && (grads.empty() || !grads[0].defined())) {
      if (!tensors[0].requires_grad())
        throw JsError("tstorch: backward() on a tensor that does not require grad and has no grad_fn");
      if (tensors[0].numel() != 1)
        throw JsError("tstorch: backward() without a gradient needs a scalar (one-element) tensor, got shape " +
                      c10::str(tensors[0].sizes()));
    }
    runEngine(env, [&] { torch::autograd::backward(tensors, grads, retain, create, inputs); });
    return makeUndefined(env);
  });
}

// ---------------------------------------------------------------- anomaly mode, forward AD levels
napi_value autogradSetDetectAnomaly(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    bool prev = torch::autograd::AnomalyMode::is_enabled();
    bool checkNan = isNullish(env, a[1]) ? true : getBool(env, a[1], "checkNan");
    torch::autograd::AnomalyMode::set_enabled(getBool(env, a[0], "mode"), checkNan);
    return makeBool(env, prev);
  });
}
napi_value autogradAnomalyState(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value arr;
    check(napi_create_array_with_length(env, 2, &arr), "create_array");
    check(napi_set_element(env, arr, 0, makeBool(env, torch::autograd::AnomalyMode::is_enabled())), "set_element");
    check(napi_set_element(env, arr, 1, makeBool(env, torch::autograd::AnomalyMode::should_check_nan())), "set_element");
    return arr;
  });
}
napi_value autogradEnterDualLevel(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, static_cast<double>(torch::autograd::forward_ad::enter_dual_level())); });
}
napi_value autogradExitDualLevel(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    torch::autograd::forward_ad::exit_dual_level(static_cast<uint64_t>(getInt(env, a[0], "level")));
    return makeUndefined(env);
  });
}
// autogradNewHandle(h) -> a second handle on the same tensor: what a JS callback hands back to native
// code, which disposes it after reading (the callback's own Tensor objects stay the user's).
napi_value autogradNewHandle(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return wrapTensor(env, unwrapTensor(env, a[0], "a callback's result"));
  });
}
// The number of JS callbacks alive (tests: none may leak).
napi_value autogradLiveCallbacks(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeNumber(env, static_cast<double>(liveCallbackCount())); });
}

}  // namespace
}  // namespace tstorch::autograd

namespace tstorch {
std::vector<Export> autogradExports() {
  using namespace autograd;
  return {
      {"autogradGrad", autogradGrad},
      {"autogradBackward", autogradBackward},
      {"autogradSetDetectAnomaly", autogradSetDetectAnomaly},
      {"autogradAnomalyState", autogradAnomalyState},
      {"autogradEnterDualLevel", autogradEnterDualLevel},
      {"autogradExitDualLevel", autogradExitDualLevel},
      {"autogradLiveCallbacks", autogradLiveCallbacks},
      {"autogradNewHandle", autogradNewHandle},
  };
}
}  // namespace tstorch
