// torch.autograd beyond grad mode: torch::autograd::grad/backward, tensor hooks, and custom Functions
// whose backward is JavaScript (a Node subclass whose apply calls back into JS, as the C++ frontend's
// CppNode calls T::backward), plus anomaly mode and forward-AD levels.
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
#include <ATen/ThreadLocalState.h>
#include <torch/csrc/autograd/anomaly_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/saved_variable.h>
#include <torch/csrc/autograd/variable.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common.h"
#define TSTORCH_AUTOGRAD_COMPAT 1
#include "compat.h"

namespace tstorch {
namespace {

using torch::autograd::variable_list;

// ---------------------------------------------------------------- the owner thread's queue
struct Request {
  std::function<void(napi_env)> run;
  bool done = false;  // EnvState::m
  std::exception_ptr error;
};

struct EnvState {
  napi_env env = nullptr;
  std::thread::id thread;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Request>> queue;  // m
  std::vector<napi_ref> releases;              // m: references to delete on the owner thread
  napi_threadsafe_function tsfn = nullptr;
  bool closed = false;  // m: the env is gone; nothing more runs there
};

// JS callbacks alive in the process: while there are none, backward()/grad() run the engine on the
// JS thread itself (no helper thread; nothing can need the JS thread).
std::atomic<int64_t> liveCallbacks{0};

std::mutex registryMutex;
std::unordered_map<napi_env, std::shared_ptr<EnvState>>& registry() {
  static auto* m = new std::unordered_map<napi_env, std::shared_ptr<EnvState>>();
  return *m;
}

void execute(EnvState& st, Request& r) {
  napi_handle_scope scope;
  napi_open_handle_scope(st.env, &scope);
  try {
    r.run(st.env);
  } catch (...) {
    r.error = std::current_exception();
  }
  napi_close_handle_scope(st.env, scope);
  {
    std::lock_guard<std::mutex> lk(st.m);
    r.done = true;
  }
  st.cv.notify_all();
}

// On the owner thread: deletes released references and runs queued requests until none is left.
void serve(EnvState& st) {
  for (;;) {
    std::shared_ptr<Request> r;
    std::vector<napi_ref> rel;
    {
      std::lock_guard<std::mutex> lk(st.m);
      if (st.closed) return;
      rel.swap(st.releases);
      if (!st.queue.empty()) {
        r = st.queue.front();
        st.queue.pop_front();
      }
    }
    for (napi_ref ref : rel) napi_delete_reference(st.env, ref);
    if (!r) return;
    execute(st, *r);
  }
}

void wakeCb(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;  // the env is being torn down
  serve(**static_cast<std::shared_ptr<EnvState>*>(context));
}

void envCleanup(void* arg) {
  auto* holder = static_cast<std::shared_ptr<EnvState>*>(arg);
  std::shared_ptr<EnvState> st = *holder;
  delete holder;
  std::deque<std::shared_ptr<Request>> pending;
  {
    std::lock_guard<std::mutex> lk(st->m);
    st->closed = true;
    pending.swap(st->queue);
    st->releases.clear();  // the env frees its references itself
    for (auto& r : pending) {
      r->error = std::make_exception_ptr(
          JsError("tstorch: the JS thread that owns this autograd callback (hook or Function) has exited"));
      r->done = true;
    }
  }
  st->cv.notify_all();
  // the tsfn itself is finalized by Node's own teardown, after this hook; nothing wakes it once closed
  std::lock_guard<std::mutex> lk(registryMutex);
  registry().erase(st->env);
}

// The calling JS thread's state (made on first use).
std::shared_ptr<EnvState> stateOf(napi_env env) {
  {
    std::lock_guard<std::mutex> lk(registryMutex);
    auto it = registry().find(env);
    if (it != registry().end()) return it->second;
  }
  auto st = std::make_shared<EnvState>();
  st->env = env;
  st->thread = std::this_thread::get_id();
  auto* ctx = new std::shared_ptr<EnvState>(st);
  napi_value name = makeString(env, "tstorch.autograd");
  check(napi_create_threadsafe_function(
            env, nullptr, nullptr, name, 0, 1, ctx,
            [](napi_env, void* data, void*) { delete static_cast<std::shared_ptr<EnvState>*>(data); }, ctx, wakeCb,
            &st->tsfn),
        "create_threadsafe_function");
  // the queue must not keep a worker's or the main event loop alive
  check(napi_unref_threadsafe_function(env, st->tsfn), "unref_threadsafe_function");
  check(napi_add_env_cleanup_hook(env, envCleanup, new std::shared_ptr<EnvState>(st)), "add_env_cleanup_hook");
  std::lock_guard<std::mutex> lk(registryMutex);
  registry()[env] = st;
  return st;
}

// Wakes the owner's event loop to serve its queue. Called with st.m held and st.closed false, so that
// it never touches a tsfn that the env's teardown has finalized.
void wakeLocked(EnvState& st) { napi_call_threadsafe_function(st.tsfn, nullptr, napi_tsfn_nonblocking); }

// Deletes a reference on its owner thread, later: this may run on any thread, and on the owner
// inside the collector (a tensor's finalizer dropping the last node), where N-API may not be called.
void releaseRef(const std::shared_ptr<EnvState>& st, napi_ref ref) {
  std::lock_guard<std::mutex> lk(st->m);
  if (st->closed) return;
  bool first = st->releases.empty();
  st->releases.push_back(ref);
  if (first) wakeLocked(*st);
}

// A JS exception thrown by a callback, carried through the engine as a C++ exception.
struct ErrorRef {
  std::shared_ptr<EnvState> st;
  napi_ref ref;
  ~ErrorRef() { releaseRef(st, ref); }
};
struct JsCallbackError : JsValueError {
  std::shared_ptr<ErrorRef> error;
  JsCallbackError(const std::string& msg, std::shared_ptr<ErrorRef> e) : JsValueError(msg), error(std::move(e)) {}
  napi_value value(napi_env env) const override {
    napi_value v = nullptr;
    if (error && error->st->env == env && napi_get_reference_value(env, error->ref, &v) == napi_ok) return v;
    return nullptr;
  }
};

std::string describeError(napi_env env, napi_value e) {
  napi_value msg;
  bool isErr = false;
  napi_is_error(env, e, &isErr);
  if (isErr && napi_get_named_property(env, e, "message", &msg) == napi_ok && typeOf(env, msg) == napi_string)
    return getString(env, msg, "message");
  napi_value s;
  if (napi_coerce_to_string(env, e, &s) == napi_ok) return getString(env, s, "error");
  return "a JS exception";
}

// A JS function held for libtorch (a hook, a Function's backward runner).
struct JsFn {
  std::shared_ptr<EnvState> st;
  napi_ref ref = nullptr;
  JsFn(napi_env env, napi_value fn) : st(stateOf(env)) {
    check(napi_create_reference(env, fn, 1, &ref), "create_reference");
    ++liveCallbacks;
  }
  ~JsFn() {
    --liveCallbacks;
    releaseRef(st, ref);
  }
  JsFn(const JsFn&) = delete;
  JsFn& operator=(const JsFn&) = delete;

  // Calls the function with argv made by `args` on the owner thread and hands its result to `take`
  // (both run there). A JS exception becomes a JsCallbackError.
  void call(const std::function<std::vector<napi_value>(napi_env)>& args,
            const std::function<void(napi_env, napi_value)>& take) {
    auto body = [&](napi_env env) {
      napi_value fn, recv, result;
      check(napi_get_reference_value(env, ref, &fn), "get_reference_value");
      napi_get_undefined(env, &recv);
      std::vector<napi_value> argv = args(env);
      napi_status s = napi_call_function(env, recv, fn, argv.size(), argv.data(), &result);
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
        auto er = std::make_shared<ErrorRef>();
        er->st = st;
        check(napi_create_reference(env, e, 1, &er->ref), "create_reference");
        throw JsCallbackError(describeError(env, e), er);
      }
      check(s, "call_function");
      take(env, result);
    };
    if (std::this_thread::get_id() == st->thread) {
      body(st->env);
      return;
    }
    auto req = std::make_shared<Request>();
    at::ThreadLocalState tls;  // the engine thread's modes (grad mode = create_graph, ...) for the call
    req->run = [&body, tls](napi_env env) {
      at::ThreadLocalStateGuard g(tls);
      body(env);
    };
    {
      std::lock_guard<std::mutex> lk(st->m);
      if (st->closed) throw JsError("tstorch: the JS thread that owns this autograd callback (hook or Function) has exited");
      st->queue.push_back(req);
      wakeLocked(*st);
    }
    st->cv.notify_all();
    {
      std::unique_lock<std::mutex> lk(st->m);
      st->cv.wait(lk, [&] { return req->done; });
    }
    if (req->error) std::rethrow_exception(req->error);
  }
};

// Runs the engine (f) for a JS call on env's thread. With JS callbacks about, f runs on a helper
// thread while this thread serves their requests; the calling thread's modes go with it.
void runEngine(napi_env env, const std::function<void()>& f) {
  std::shared_ptr<EnvState> st;
  {
    std::lock_guard<std::mutex> lk(registryMutex);
    auto it = registry().find(env);
    if (it != registry().end()) st = it->second;
  }
  if (st) serve(*st);
  if (liveCallbacks.load() == 0) {
    f();
    return;
  }
  if (!st) st = stateOf(env);
  at::ThreadLocalState tls;
  std::exception_ptr err;
  bool finished = false;  // st->m
  std::thread worker([&] {
    {
      at::ThreadLocalStateGuard g(tls);
      try {
        f();
      } catch (...) {
        err = std::current_exception();
      }
    }
    {
      std::lock_guard<std::mutex> lk(st->m);
      finished = true;
    }
    st->cv.notify_all();
  });
  for (;;) {
    std::shared_ptr<Request> r;
    std::vector<napi_ref> rel;
    {
      std::unique_lock<std::mutex> lk(st->m);
      st->cv.wait(lk, [&] { return finished || !st->queue.empty() || !st->releases.empty(); });
      rel.swap(st->releases);
      if (!st->queue.empty()) {
        r = st->queue.front();
        st->queue.pop_front();
      } else if (finished && rel.empty()) {
        break;
      }
    }
    for (napi_ref ref : rel) napi_delete_reference(env, ref);
    if (r) execute(*st, *r);
  }
  worker.join();
  if (err) std::rethrow_exception(err);
}

// An array of tensor handles (null entries allowed when `nullable`: undefined tensors).
variable_list tensorList(napi_env env, napi_value arr, const char* what, bool nullable = false) {
  if (!isArray(env, arr)) throw JsError(std::string("tstorch: ") + what + " must be an array of Tensors");
  uint32_t n = arrayLength(env, arr);
  variable_list out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    napi_value v = arrayGet(env, arr, i);
    if (nullable && isNullish(env, v)) out.emplace_back();
    else out.push_back(unwrapTensor(env, v, what));
  }
  return out;
}

napi_value handleList(napi_env env, const variable_list& ts) {
  napi_value arr;
  check(napi_create_array_with_length(env, ts.size(), &arr), "create_array");
  for (size_t i = 0; i < ts.size(); ++i) check(napi_set_element(env, arr, i, wrapTensor(env, ts[i])), "set_element");
  return arr;
}

compat::Optional<bool> optBool(napi_env env, napi_value v, const char* what) {
  if (isNullish(env, v)) return compat::kNullopt;
  return getBool(env, v, what);
}

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

// ---------------------------------------------------------------- tensor hooks
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

// ---------------------------------------------------------------- custom Functions
// The node of one Function.apply: its backward calls the JS runner
//   runner(gradHandles: (handle|null)[], savedHandles: (handle|null)[]) -> (handle|null)[]
// with one gradient per forward output and one result per forward argument (null for non-tensors).
struct JsNode : torch::autograd::Node {
  std::shared_ptr<JsFn> runner;
  std::string fnName = "FunctionBackward";
  std::vector<bool> isTensorInput;  // per forward argument
  std::vector<torch::autograd::VariableInfo> outputInfo;
  std::vector<torch::autograd::SavedVariable> saved;  // savedMutex
  bool hadSaved = false;
  bool freed = false;  // savedMutex
  bool materializeGrads = true;
  std::mutex savedMutex;

  std::string name() const override { return fnName; }

  void release_variables() override {
    std::lock_guard<std::mutex> lk(savedMutex);
    saved.clear();
    freed = true;
  }

  variable_list apply(variable_list&& grads) override {
    at::OptionalDeviceGuard deviceGuard;
    variable_list in;
    in.reserve(grads.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].defined() || !materializeGrads || i >= outputInfo.size()) in.push_back(grads[i]);
      else in.push_back(outputInfo[i].zeros(deviceGuard));
    }
    variable_list savedNow;
    {
      std::lock_guard<std::mutex> lk(savedMutex);
      if (freed && hadSaved)
        throw std::runtime_error(
            "Trying to backward through the graph a second time (or directly access saved tensors after they have "
            "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
            "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
            "you need to access saved tensors after calling backward.");
      auto self = compat::selfPtr(this);
      for (auto& s : saved) savedNow.push_back(s.unpack(self));
    }
    if (!runner) throw std::runtime_error("tstorch: " + fnName + ": its backward function was released");
    variable_list outs;
    bool wrongType = false;
    runner->call(
        [&](napi_env env) { return std::vector<napi_value>{handleList(env, in), handleList(env, savedNow)}; },
        [&](napi_env env, napi_value r) {
          if (!isArray(env, r)) {
            wrongType = true;
            return;
          }
          uint32_t n = arrayLength(env, r);
          for (uint32_t i = 0; i < n; ++i) {
            napi_value v = arrayGet(env, r, i);
            if (isNullish(env, v)) {
              outs.emplace_back();
            } else {
              outs.push_back(unwrapTensor(env, v, "a gradient returned by backward"));
              disposeHandle(env, v);  // a fresh handle the runner made for this call
            }
          }
        });
    if (wrongType) throw std::runtime_error("tstorch: " + fnName + ": internal: the backward runner returned no array");
    size_t nIn = isTensorInput.size();
    // as CppNode/PyNode: extra results are fine when they are all None
    if (outs.size() > nIn) {
      bool allUndef = true;
      for (size_t i = nIn; i < outs.size(); ++i) allUndef &= !outs[i].defined();
      if (allUndef) outs.resize(nIn);
    }
    if (outs.size() != nIn)
      throw std::runtime_error("function " + fnName + " returned an incorrect number of gradients (expected " +
                               std::to_string(nIn) + ", got " + std::to_string(outs.size()) + ")");
    variable_list results;
    for (size_t i = 0; i < nIn; ++i) {
      if (!isTensorInput[i]) {
        if (outs[i].defined())
          throw std::runtime_error("function " + fnName + " returned a gradient different than None at position " +
                                   std::to_string(i + 1) + ", but the corresponding forward input was not a Variable");
        continue;
      }
      results.push_back(outs[i]);
    }
    return results;
  }
};

std::unordered_set<at::TensorImpl*> implSet(const variable_list& ts) {
  std::unordered_set<at::TensorImpl*> s;
  for (const auto& t : ts)
    if (t.defined()) s.insert(t.unsafeGetTensorImpl());
  return s;
}

// autogradFunctionApply(runner, name, args: (handle|null)[], outputs: handle[], dirty: handle[],
//   nonDifferentiable: handle[], toSave: (handle|null)[], materializeGrads: boolean)
//   -> [handle|null per output: null when the output is the very tensor passed in, else a new handle]
// Called after JS ran forward (under no_grad): wires the outputs to a JsNode as Function<T>::apply does.
napi_value autogradFunctionApply(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<8> a(env, info);
    if (typeOf(env, a[0]) != napi_function) throw JsError("tstorch: Function.apply: internal: no backward runner");
    std::string name = getString(env, a[1], "name");
    variable_list args = tensorList(env, a[2], "args", true);
    variable_list rawOutputs = tensorList(env, a[3], "outputs");
    variable_list dirty = tensorList(env, a[4], "markDirty");
    variable_list nonDiff = tensorList(env, a[5], "markNonDifferentiable");
    variable_list toSave = tensorList(env, a[6], "saveForBackward", true);
    bool materialize = getBool(env, a[7], "materializeGrads");

    variable_list inputVars;
    std::vector<bool> isTensor;
    for (const auto& t : args) {
      isTensor.push_back(t.defined());
      if (t.defined()) inputVars.push_back(t);
    }
    auto dirtySet = implSet(dirty);
    auto argSet = implSet(inputVars);
    for (auto* impl : dirtySet)
      if (!argSet.count(impl)) throw JsError("tstorch: " + name + ": markDirty() takes only tensors passed to forward");
    auto outSet = implSet(rawOutputs);
    for (auto* impl : dirtySet)
      if (!outSet.count(impl))
        throw JsError("tstorch: " + name + ": a tensor marked dirty (modified in place) must be returned by forward");
    for (const auto& t : dirty) torch::autograd::impl::bump_version(t);

    bool executable = at::GradMode::is_enabled() && torch::autograd::any_variable_requires_grad(inputVars);
    compat::NodePtr nodePtr;
    JsNode* node = nullptr;
    if (executable) {
      nodePtr = compat::makeNode<JsNode>();
      node = static_cast<JsNode*>(nodePtr.get());
      node->runner = std::make_shared<JsFn>(env, a[0]);
      node->fnName = name;
      node->isTensorInput = isTensor;
      node->materializeGrads = materialize;
      node->set_next_edges(torch::autograd::collect_next_edges(inputVars));
      node->clear_input_metadata();
    }
    std::vector<compat::Optional<at::Tensor>> raw(rawOutputs.begin(), rawOutputs.end());
    auto wrapped = compat::wrapOutputs(inputVars, implSet(nonDiff), dirtySet, raw, executable ? nodePtr : compat::NodePtr());
    if (executable) {
      for (auto& o : wrapped) {
        if (o.has_value()) node->outputInfo.emplace_back(o.value());
        else node->outputInfo.emplace_back();
      }
      for (const auto& t : toSave) {
        if (!t.defined()) {
          node->saved.emplace_back();
          continue;
        }
        bool isOutput = t.grad_fn().get() == node;
        node->saved.emplace_back(t, isOutput);
      }
      node->hadSaved = !toSave.empty();
    }
    napi_value arr;
    check(napi_create_array_with_length(env, wrapped.size(), &arr), "create_array");
    for (size_t i = 0; i < wrapped.size(); ++i) {
      const at::Tensor& w = wrapped[i].value();
      napi_value v = w.unsafeGetTensorImpl() == rawOutputs[i].unsafeGetTensorImpl() ? makeNull(env) : wrapTensor(env, w);
      check(napi_set_element(env, arr, i, v), "set_element");
    }
    return arr;
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
  return guarded(env, [&] { return makeNumber(env, static_cast<double>(liveCallbacks.load())); });
}

}  // namespace

std::vector<Export> autogradExports() {
  return {
      {"autogradGrad", autogradGrad},
      {"autogradBackward", autogradBackward},
      {"autogradRegisterHook", autogradRegisterHook},
      {"autogradRemoveHook", autogradRemoveHook},
      {"autogradRetainsGrad", autogradRetainsGrad},
      {"autogradFunctionApply", autogradFunctionApply},
      {"autogradSetDetectAnomaly", autogradSetDetectAnomaly},
      {"autogradAnomalyState", autogradAnomalyState},
      {"autogradEnterDualLevel", autogradEnterDualLevel},
      {"autogradExitDualLevel", autogradExitDualLevel},
      {"autogradLiveCallbacks", autogradLiveCallbacks},
      {"autogradNewHandle", autogradNewHandle},
  };
}

}  // namespace tstorch
