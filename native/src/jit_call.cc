// Running a ScriptModule's methods: on the JS thread (jitRun) or, for serving, on a libuv pool thread
// (jitRunAsync); the arguments are checked against the method's schema. No static state lives here
// (several threads run methods at once).
#include "jit.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tstorch::script {

namespace {

std::string methodNames(const torch::jit::Module& m) {
  std::string out;
  for (const auto& meth : m.get_methods()) out += (out.empty() ? "" : ", ") + meth.name();
  return out.empty() ? "none" : out;
}

}  // namespace

std::string schemaString(const c10::FunctionSchema& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

torch::jit::Method findMethod(const torch::jit::Module& m, const std::string& name) {
  auto meth = m.find_method(name);
  if (!meth) throw JsError("tstorch: the ScriptModule has no method '" + name + "' (its methods: " + methodNames(m) + ")");
  return *meth;
}

namespace {

// "tstorch: forward() failed: <the error's last line>", then libtorch's whole message (the
// TorchScript traceback ends with the error itself: put it first, where people look).
std::string failure(const std::string& method, const std::string& what) {
  std::string text = what;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t nl = text.rfind('\n');
  if (nl == std::string::npos) return "tstorch: " + method + "() failed: " + text;
  return "tstorch: " + method + "() failed: " + text.substr(nl + 1) + "\n" + text;
}

// The arguments of a call, checked against the method's schema (defaults fill missing ones).
std::vector<IValue> buildArgs(napi_env env, const torch::jit::Method& meth, napi_value jsArgs) {
  const c10::FunctionSchema& schema = meth.function().getSchema();
  const auto& formal = schema.arguments();  // formal[0] is self
  size_t nFormal = formal.empty() ? 0 : formal.size() - 1;
  uint32_t n = isArray(env, jsArgs) ? arrayLength(env, jsArgs) : 0;
  // trailing undefineds are absent arguments
  while (n > 0 && typeOf(env, arrayGet(env, jsArgs, n - 1)) == napi_undefined) --n;
  ToIValue conv{env, meth.name() + "()"};
  if (n > nFormal)
    throw JsError("tstorch: " + meth.name() + "() takes " + std::to_string(nFormal) + " argument(s), got " + std::to_string(n) +
                  " (schema: " + schemaString(schema) + ")");
  std::vector<IValue> args;
  args.reserve(nFormal);
  for (size_t i = 0; i < nFormal; ++i) {
    const c10::Argument& a = formal[i + 1];
    napi_value v = i < n ? arrayGet(env, jsArgs, static_cast<uint32_t>(i)) : nullptr;
    if (v == nullptr || typeOf(env, v) == napi_undefined) {
      if (a.default_value()) {
        args.push_back(*a.default_value());
        continue;
      }
      throw JsError("tstorch: " + meth.name() + "() is missing argument '" + a.name() + "' (schema: " + schemaString(schema) + ")");
    }
    args.push_back(conv.convert(v, a.type(), "argument '" + a.name() + "' (" + std::to_string(i + 1) + ")"));
  }
  return args;
}

// (module, name, args[]) -> value, on the JS thread (autograd records it unless noGrad).
napi_value jitRun(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    std::string name = getString(env, a[1], "method");
    torch::jit::Method meth = findMethod(m, name);
    std::vector<IValue> args = buildArgs(env, meth, a[2]);
    IValue out;
    try {
      out = meth(std::move(args));
    } catch (const c10::Error& e) {
      throw JsError(failure(name, e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw JsError(failure(name, e.what()));
    }
    return toJs(env, out, name + "() result");
  });
}

// A method call run on a libuv pool thread: the arguments were converted on the JS thread; the
// pool thread runs TorchScript only (no JS, no N-API) under no-grad; the result is converted on
// the JS thread when the promise settles.
struct AsyncRun {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  torch::jit::Module module;  // keeps the module alive
  std::string method;
  std::vector<IValue> args;
  std::vector<IValue> inputsAlive;  // the inputs, held until the promise settles
  IValue result;
  std::string error;
};

void executeRun(napi_env /*no N-API here*/, void* data) {
  auto* r = static_cast<AsyncRun*>(data);
  try {
    at::init_num_threads();  // this thread's intra-op thread count follows torch.setNumThreads
    torch::NoGradGuard noGrad;
    torch::jit::Method meth = r->module.get_method(r->method);
    r->result = meth(std::move(r->args));
  } catch (const c10::Error& e) {
    r->error = failure(r->method, e.what_without_backtrace());
  } catch (const std::exception& e) {
    r->error = failure(r->method, e.what());
  } catch (...) {
    r->error = "tstorch: " + r->method + "() failed with an unknown native exception";
  }
}

void completeRun(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncRun> r(static_cast<AsyncRun*>(data));
  napi_value outcome = nullptr;
  bool ok = status == napi_ok && r->error.empty();
  if (status != napi_ok && r->error.empty()) r->error = "tstorch: " + r->method + "Async() was cancelled";
  if (ok) {
    try {
      outcome = toJs(env, r->result, r->method + "() result");
    } catch (const std::exception& e) {
      ok = false;
      r->error = e.what();
    }
  }
  if (ok) napi_resolve_deferred(env, r->deferred, outcome);
  else rejectDeferred(env, r->deferred, r->error);
  napi_delete_async_work(env, r->work);
}

// (module, name, args[]) -> Promise<value>
napi_value jitRunAsync(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    auto r = std::make_unique<AsyncRun>();
    r->method = getString(env, a[1], "method");
    torch::jit::Method meth = findMethod(m, r->method);
    r->args = buildArgs(env, meth, a[2]);
    r->inputsAlive = r->args;
    r->module = m;
    napi_value promise = queuePromiseWork(env, "tstorch.jit.forwardAsync", executeRun, completeRun, r.get(),
                                          &r->deferred, &r->work);
    r.release();  // completeRun owns it now
    return promise;
  });
}

}  // namespace

}  // namespace tstorch::script

namespace tstorch {
std::vector<Export> jitCallExports() { return {{"jitRun", script::jitRun}, {"jitRunAsync", script::jitRunAsync}}; }
}  // namespace tstorch
