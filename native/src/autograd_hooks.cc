// Tensor hooks whose function is JavaScript (Tensor.register_hook), and retains_grad: the hook runs on
// the JS thread that registered it, wherever the engine runs the node (autograd_callbacks.cc).
#include "autograd.h"

#include <memory>
#include <mutex>

namespace tstorch::autograd {
namespace {

// What `registerHook` returns: the hook stays registered in libtorch (removing needs the tensor,
// which may be gone), remove() empties it.
struct HookToken {
  std::mutex m;
  std::shared_ptr<JsFn> fn;  // m; null once removed
};

// Calls a JS function fn(gradHandle) -> handle | null: the replacement gradient, or none.
at::Tensor callTensorHook(JsFn& fn, const at::Tensor& grad) {
  at::Tensor out;
  fn.call([&](napi_env env) { return std::vector<napi_value>{wrapTensor(env, grad)}; },
          [&](napi_env env, napi_value r) {
            if (isNullish(env, r)) return;
            out = unwrapTensor(env, r, "the hook's result");
            disposeHandle(env, r);  // a fresh handle the JS runner made for this call
          });
  return out;
}

// autogradRegisterHook(h, fn) -> token
napi_value autogradRegisterHook(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "registerHook");
    if (typeOf(env, a[1]) != napi_function) throw JsError("tstorch: registerHook() expects a function");
    if (!t.requires_grad()) throw JsError("tstorch: cannot register a hook on a tensor that doesn't require gradient");
    auto token = std::make_shared<HookToken>();
    token->fn = std::make_shared<JsFn>(env, a[1]);
    // the hook holds the token (and through it the JS function); the handle JS keeps for remove()
    // holds it weakly, so that an unused handle does not keep the function alive after the tensor
    t.register_hook([token](const at::Tensor& grad) -> at::Tensor {
      std::shared_ptr<JsFn> fn;
      {
        std::lock_guard<std::mutex> lk(token->m);
        fn = token->fn;
      }
      if (!fn) return at::Tensor();
      return callTensorHook(*fn, grad);
    });
    napi_value ext;
    auto* holder = new std::weak_ptr<HookToken>(token);
    check(napi_create_external(
              env, holder, [](node_api_basic_env, void* d, void*) { delete static_cast<std::weak_ptr<HookToken>*>(d); },
              nullptr, &ext),
          "create_external");
    return ext;
  });
}

napi_value autogradRemoveHook(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    void* d = nullptr;
    if (napi_get_value_external(env, a[0], &d) != napi_ok || !d) throw JsError("tstorch: not a hook handle");
    std::shared_ptr<HookToken> token = static_cast<std::weak_ptr<HookToken>*>(d)->lock();
    if (!token) return makeUndefined(env);  // the tensor (and its hook) is gone already
    std::shared_ptr<JsFn> fn;
    {
      std::lock_guard<std::mutex> lk(token->m);
      fn.swap(token->fn);
    }
    return makeUndefined(env);
  });
}

napi_value autogradRetainsGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeBool(env, unwrapTensor(env, a[0], "retainsGrad").retains_grad());
  });
}

}  // namespace
}  // namespace tstorch::autograd

namespace tstorch {
std::vector<Export> autogradHookExports() {
  using namespace autograd;
  return {
      {"autogradRegisterHook", autogradRegisterHook},
      {"autogradRemoveHook", autogradRemoveHook},
      {"autogradRetainsGrad", autogradRetainsGrad},
  };
}
}  // namespace tstorch
