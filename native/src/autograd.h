// What the files of torch.autograd (autograd*.cc) share: JS functions that libtorch's engine calls
// (JsFn, defined with the owner thread's queue in autograd_callbacks.cc), running the engine for a JS
// call (runEngine), and the argument helpers. The threading is explained in autograd.cc.
#pragma once

#include "common.h"
#include "compat.h"

#include <torch/csrc/autograd/variable.h>

#include <functional>
#include <memory>
#include <vector>

namespace tstorch::autograd {

using torch::autograd::variable_list;

struct EnvState;  // a JS thread's queue of calls from other threads (autograd_callbacks.cc)

// A JS function held for libtorch (a hook, a Function's backward runner).
struct JsFn {
  std::shared_ptr<EnvState> st;
  napi_ref ref = nullptr;
  JsFn(napi_env env, napi_value fn);
  ~JsFn();
  JsFn(const JsFn&) = delete;
  JsFn& operator=(const JsFn&) = delete;

  // Calls the function with argv made by `args` on the owner thread and hands its result to `take`
  // (both run there). A JS exception becomes a JsValueError that `guarded` rethrows as that value.
  void call(const std::function<std::vector<napi_value>(napi_env)>& args,
            const std::function<void(napi_env, napi_value)>& take);
};

// The number of JsFn alive: while there are none, the engine runs on the JS thread itself.
int64_t liveCallbackCount();

// Runs the engine (f) for a JS call on env's thread. With JS callbacks about, f runs on a helper
// thread while this thread serves their requests; the calling thread's modes go with it.
void runEngine(napi_env env, const std::function<void()>& f);

// An array of tensor handles (null entries allowed when `nullable`: undefined tensors).
variable_list tensorList(napi_env env, napi_value arr, const char* what, bool nullable = false);
napi_value handleList(napi_env env, const variable_list& ts);
compat::Optional<bool> optBool(napi_env env, napi_value v, const char* what);

}  // namespace tstorch::autograd
