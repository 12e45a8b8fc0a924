// Post-accumulate-grad hooks whose function is JavaScript (Tensor.register_post_accumulate_grad_hook,
// libtorch >= 2.1): called with the leaf itself once AccumulateGrad has written its .grad. libtorch
// keeps one PostAccumulateGradHook per leaf; as PyTorch's Python hooks do (a dict of functions behind
// one PyFunctionTensorPostAccGradHooks), tstorch keeps one JsPostAccGradHooks per leaf holding every JS
// function in registration order. The engine may call it on a device thread: JsFn hands the call to
// the JS thread that registered it, as for tensor hooks (autograd_hooks.cc, autograd_callbacks.cc).
#include "autograd.h"

#include <memory>
#include <mutex>
#include <vector>

#ifdef TSTORCH_POST_ACC_GRAD_HOOKS
#include <torch/csrc/autograd/function_hook.h>
#endif

namespace tstorch::autograd {
namespace {

// What `registerPostAccumulateGradHook` returns: remove() empties it (the leaf's list drops it at its
// next call); the JS handle holds it weakly, so that the hook does not outlive the leaf through it.
struct PostHookToken {
  std::mutex m;
  std::shared_ptr<JsFn> fn;  // m; null once removed
};

#ifdef TSTORCH_POST_ACC_GRAD_HOOKS
struct JsPostAccGradHooks : torch::autograd::PostAccumulateGradHook {
  std::mutex m;
  std::vector<std::shared_ptr<PostHookToken>> tokens;  // m; registration order

  void operator()(const torch::autograd::Variable& leaf) override {
    std::vector<std::shared_ptr<JsFn>> fns;
    {
      std::lock_guard<std::mutex> lk(m);
      std::vector<std::shared_ptr<PostHookToken>> alive;
      for (auto& t : tokens) {
        std::lock_guard<std::mutex> tl(t->m);
        if (!t->fn) continue;  // removed
        fns.push_back(t->fn);
        alive.push_back(t);
      }
      tokens.swap(alive);
    }
    // Every hook runs, then a value returned by any of them is an error (PyTorch: _call_hooks, then the check).
    bool returned = false;
    for (auto& fn : fns) {
      fn->call([&](napi_env env) { return std::vector<napi_value>{wrapTensor(env, leaf)}; },
               [&](napi_env env, napi_value r) { returned = getBool(env, r, "a post-accumulate-grad hook runner's result") || returned; });
    }
    TORCH_CHECK(!returned, "Tensor post accumulate grad hooks should return None (tstorch: return nothing from the hook)");
  }
};
#endif

// autogradRegisterPostAccHook(h, fn) -> token; fn(leafHandle) -> whether the user's hook returned a value
napi_value autogradRegisterPostAccHook(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args<2> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "registerPostAccumulateGradHook");
    if (typeOf(env, a[1]) != napi_function) throw JsError("tstorch: registerPostAccumulateGradHook() expects a function");
#ifdef TSTORCH_POST_ACC_GRAD_HOOKS
    // PyTorch's checks and messages (torch/_tensor.py), in its order
    if (!t.requires_grad()) throw JsError("cannot register a hook on a tensor that doesn't require gradient");
    if (t.grad_fn()) throw JsError("post accumulate grad hooks cannot be registered on non-leaf tensors");
    auto token = std::make_shared<PostHookToken>();
    token->fn = std::make_shared<JsFn>(env, a[1]);
    auto& slot = torch::autograd::impl::post_acc_grad_hooks(t);
    auto* hooks = dynamic_cast<JsPostAccGradHooks*>(slot.get());
    if (slot && !hooks) throw JsError("tstorch: this tensor already holds a post-accumulate-grad hook that tstorch did not make");
    if (!hooks) {
      auto made = std::make_unique<JsPostAccGradHooks>();
      hooks = made.get();
      torch::autograd::impl::set_post_acc_grad_hooks(t, std::move(made));
    }
    {
      std::lock_guard<std::mutex> lk(hooks->m);
      hooks->tokens.push_back(token);
    }
    napi_value ext;
    auto* holder = new std::weak_ptr<PostHookToken>(token);
    check(napi_create_external(
              env, holder, [](node_api_basic_env, void* d, void*) { delete static_cast<std::weak_ptr<PostHookToken>*>(d); },
              nullptr, &ext),
          "create_external");
    return ext;
#else
    (void)t;
    throw JsError(std::string("tstorch: Tensor.registerPostAccumulateGradHook needs libtorch 2.1 or later; this build links libtorch ") +
                  TORCH_VERSION);
#endif
  });
}

napi_value autogradRemovePostAccHook(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    Args<1> a(env, info);
    void* d = nullptr;
    if (napi_get_value_external(env, a[0], &d) != napi_ok || !d) throw JsError("tstorch: not a post-accumulate-grad hook handle");
    std::shared_ptr<PostHookToken> token = static_cast<std::weak_ptr<PostHookToken>*>(d)->lock();
    if (!token) return makeUndefined(env);  // the leaf (and its hooks) is gone already
    std::shared_ptr<JsFn> fn;
    {
      std::lock_guard<std::mutex> lk(token->m);
      fn.swap(token->fn);
    }
    return makeUndefined(env);  // fn (the JS function's reference) is released here, on the JS thread
  });
}

}  // namespace
}  // namespace tstorch::autograd

namespace tstorch {
std::vector<Export> autogradPostHookExports() {
  using namespace autograd;
  return {
      {"autogradRegisterPostAccHook", autogradRegisterPostAccHook},
      {"autogradRemovePostAccHook", autogradRemovePostAccHook},
  };
}
}  // namespace tstorch
