// torch.jit.trace: libtorch's tracer driving a JS forward into a new scripted module. The tracing state
// is thread-local and only ever set on the JS thread.
#include "jit.h"

#include <torch/csrc/jit/frontend/tracer.h>

#include <memory>
#include <string>
#include <vector>

namespace tstorch::script {
namespace {

// A module spec from JS: { name, training, parameters: [[n, tensor]], buffers: [[n, tensor]],
// children: [[n, spec]] }. The new module holds the very same tensors (parameters stay
// parameters of the traced module, not constants baked into its graph).
torch::jit::Module buildModule(napi_env env, napi_value spec, const std::shared_ptr<torch::jit::CompilationUnit>& cu,
                               const std::string& path) {
  std::string cls = getString(env, property(env, spec, "name"), "name");
  torch::jit::Module m(c10::QualifiedName("__torch__.tstorch." + cls), cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), IValue(getBool(env, property(env, spec, "training"), "training")));
  auto each = [&](const char* key, auto&& fn) {
    napi_value list = property(env, spec, key);
    for (uint32_t i = 0, n = arrayLength(env, list); i < n; ++i) {
      napi_value kv = arrayGet(env, list, i);
      fn(getString(env, arrayGet(env, kv, 0), "name"), arrayGet(env, kv, 1));
    }
  };
  each("parameters", [&](const std::string& n, napi_value t) { m.register_parameter(n, unwrapTensor(env, t, (path + n).c_str()), false); });
  each("buffers", [&](const std::string& n, napi_value t) { m.register_buffer(n, unwrapTensor(env, t, (path + n).c_str())); });
  each("children", [&](const std::string& n, napi_value c) { m.register_module(n, buildModule(env, c, cu, path + n + ".")); });
  return m;
}

// What a JS forward returned, as the tracer's output: arrays are Tuples (PyTorch's traced
// functions return tuples), objects Dict[str, Tensor].
IValue traceOutput(napi_env env, napi_value v, const std::string& path) {
  ToIValue conv{env, "jit.trace()"};
  if (isArray(env, v)) {
    std::vector<IValue> xs;
    for (uint32_t i = 0, n = arrayLength(env, v); i < n; ++i) xs.push_back(traceOutput(env, arrayGet(env, v, i), path + "[" + std::to_string(i) + "]"));
    return IValue(c10::ivalue::Tuple::create(std::move(xs)));
  }
  if (typeOf(env, v) == napi_object && !isMap(env, v)) return conv.dict(v, c10::StringType::get(), c10::TensorType::get(), path);
  if (typeOf(env, v) != napi_external) {
    throw JsError("tstorch: jit.trace(): " + path + " is " + describe(env, v) +
                  "; a traced forward returns Tensors, arrays of them or objects of them");
  }
  return conv.tensor(v, path);
}

std::string pendingMessage(napi_env env) {
  napi_value exc;
  if (napi_get_and_clear_last_exception(env, &exc) != napi_ok) return "unknown error";
  napi_value msg;
  if (typeOf(env, exc) == napi_object && napi_get_named_property(env, exc, "message", &msg) == napi_ok &&
      typeOf(env, msg) == napi_string)
    return getString(env, msg, "message");
  napi_value str;
  if (napi_coerce_to_string(env, exc, &str) == napi_ok) return getString(env, str, "message");
  return "unknown error";
}

// (fn(...inputs) -> outputs, inputs[], spec, strict) -> module handle. fn runs here, on the JS
// thread, while libtorch's tracing state is set on it: every op that tstorch dispatches passes
// the Tracer dispatch key and is recorded.
napi_value jitTrace(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    napi_value fn = a[0];
    if (typeOf(env, fn) != napi_function) throw JsError("tstorch: jit.trace(): expected a function or a Module");
    if (!isArray(env, a[1])) throw JsError("tstorch: jit.trace(): the example inputs must be an array");
    bool strict = typeOf(env, a[3]) != napi_boolean || getBool(env, a[3], "strict");
    ToIValue conv{env, "jit.trace()"};
    torch::jit::Stack inputs;
    for (uint32_t i = 0, n = arrayLength(env, a[1]); i < n; ++i) {
      IValue x = conv.infer(arrayGet(env, a[1], i), "example input " + std::to_string(i));
      // arrays are tuples here (the tracer unpacks tuples, and lists only of tensors)
      if (x.isList() && !x.isTensorList()) x = IValue(c10::ivalue::Tuple::create(x.toListRef().vec()));
      inputs.push_back(std::move(x));
    }
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module self = buildModule(env, a[2], cu, "");
    std::string jsError;
    auto traced = [&](torch::jit::Stack in) -> torch::jit::Stack {
      std::vector<napi_value> argv;
      for (size_t i = 0; i < in.size(); ++i) argv.push_back(toJs(env, in[i], "input " + std::to_string(i)));
      napi_value undef = makeUndefined(env), result;
      if (napi_call_function(env, undef, fn, argv.size(), argv.data(), &result) != napi_ok) {
        jsError = pendingMessage(env);
        throw JsError("tstorch: jit.trace(): the traced forward threw: " + jsError);
      }
      return {traceOutput(env, result, "the output")};
    };
    std::shared_ptr<torch::jit::tracer::TracingState> state;
    try {
      state = torch::jit::tracer::trace(std::move(inputs), traced, [](const at::Tensor&) { return std::string(); }, strict,
                                        /*force_outplace=*/false, &self)
                  .first;
    } catch (const JsError&) {
      throw;  // ours (the JS forward threw, or returned what cannot be traced): already explained
    } catch (const c10::Error& e) {
      throw JsError(std::string("tstorch: jit.trace() failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw JsError(std::string("tstorch: jit.trace() failed: ") + e.what());
    }
    auto method = cu->create_function(c10::QualifiedName(*self.type()->name(), "forward"), state->graph);
    self.type()->addMethod(method);
    return wrapModule(env, self);
  });
}

}  // namespace
}  // namespace tstorch::script

namespace tstorch {
std::vector<Export> jitTraceExports() { return {{"jitTrace", script::jitTrace}}; }
}  // namespace tstorch
