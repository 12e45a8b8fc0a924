// The JS side of autograd's callbacks (autograd.h): JS functions that libtorch's engine calls (tensor
// hooks, custom Functions' backward), from whichever thread runs the node, and running the engine for
// a JS call so that those calls can reach the JS thread. The threading is explained in autograd.cc.
#include "autograd.h"

#include <ATen/ThreadLocalState.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tstorch::autograd {

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

namespace {

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

}  // namespace

int64_t liveCallbackCount() { return liveCallbacks.load(); }

// ---------------------------------------------------------------- JsFn

JsFn::JsFn(napi_env env, napi_value fn) : st(stateOf(env)) {
  check(napi_create_reference(env, fn, 1, &ref), "create_reference");
  ++liveCallbacks;
}

JsFn::~JsFn() {
  --liveCallbacks;
  releaseRef(st, ref);
}

void JsFn::call(const std::function<std::vector<napi_value>(napi_env)>& args,
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

variable_list tensorList(napi_env env, napi_value arr, const char* what, bool nullable) {
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

}  // namespace tstorch::autograd
