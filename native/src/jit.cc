// TorchScript in and out (src/jit/): torch::jit::load, a loaded module's parameters, methods and
// schemas, training mode, save and moving to a device (this file); running methods (on the JS thread
// or, for serving, on a libuv pool thread: jit_call.cc); torch::jit::tracer driving a JS forward into
// a new scripted module (jit_trace.cc); JS <-> TorchScript values (jit_values.cc). Shared: jit.h.
//
// <torch/script.h> is heavy (~30 s and ~1 GB of compiler memory): only the files that load, run or
// trace modules include it.
//
// JS <-> TorchScript values (jit_values.cc). Arguments are converted following the method's schema (a
// JS array becomes a List or a Tuple as the argument's type says), values typed Any by inference.
// Results: Tensor -> handle, int/float -> number (ints past 2^53 -> bigint), bool, str, None -> null,
// List/Tuple -> array, Dict[str, V] -> plain object, Dict[int, V] -> Map. Anything else is a JsError
// naming the value's type and where it was found.
//
// No static state lives in these files (several threads run methods at once); libtorch's tracing
// state is thread-local and only ever set on the JS thread.
#include "jit.h"

#include <torch/script.h>
#include <torch/cuda.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tstorch::script {

namespace {

// Distinguishes module handles from tensor handles (both are napi Externals).
const napi_type_tag kModuleTag = {0x7473746f7263686aULL, 0x69746d6f64756c65ULL};

struct ModuleBox {
  torch::jit::Module module;
};

void finalizeModule(node_api_basic_env /*env*/, void* data, void* /*hint*/) {
  delete static_cast<ModuleBox*>(data);
}

}  // namespace

napi_value wrapModule(napi_env env, torch::jit::Module m) {
  auto* box = new ModuleBox{std::move(m)};
  napi_value v;
  if (napi_create_external(env, box, finalizeModule, nullptr, &v) != napi_ok) {
    delete box;
    throw JsError("tstorch: could not create a ScriptModule handle");
  }
  check(napi_type_tag_object(env, v, &kModuleTag), "type_tag_object");
  return v;
}

bool isModuleHandle(napi_env env, napi_value v) {
  if (typeOf(env, v) != napi_external) return false;
  bool tagged = false;
  check(napi_check_object_type_tag(env, v, &kModuleTag, &tagged), "check_object_type_tag");
  return tagged;
}

torch::jit::Module& unwrapModule(napi_env env, napi_value v) {
  if (!isModuleHandle(env, v)) throw JsError("tstorch: expected a ScriptModule handle");
  void* data = nullptr;
  check(napi_get_value_external(env, v, &data), "get_value_external");
  return static_cast<ModuleBox*>(data)->module;
}

namespace {

// ------------------------------------------------------------------ devices
c10::optional<c10::Device> parseDevice(napi_env env, napi_value v) {
  if (isNullish(env, v)) return c10::nullopt;
  std::string s = getString(env, v, "device");
  c10::optional<c10::Device> d;
  try {
    d = c10::Device(s);
  } catch (const c10::Error&) {
    throw JsError("tstorch: '" + s + "' is not a device (expected 'cpu', 'cuda' or 'cuda:N')");
  }
  if (d->is_cpu()) {
    if (d->has_index() && d->index() != 0) throw JsError("tstorch: device '" + s + "' does not exist (the CPU is 'cpu')");
    return d;
  }
  if (d->is_cuda()) {
    size_t n = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
    int64_t idx = d->has_index() ? d->index() : 0;
    if (n == 0) throw JsError("tstorch: device '" + s + "' does not exist: no CUDA device is available to this libtorch");
    if (idx >= static_cast<int64_t>(n))
      throw JsError("tstorch: device '" + s + "' does not exist (" + std::to_string(n) + " CUDA device(s): cuda:0.." +
                    "cuda:" + std::to_string(n - 1) + ")");
    return d;
  }
  throw JsError("tstorch: device '" + s + "' is not supported by tstorch (cpu and cuda are)");
}

// ------------------------------------------------------------------ exports
napi_value jitLoad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    c10::optional<c10::Device> device = parseDevice(env, a[1]);
    bool isTyped = false;
    napi_is_typedarray(env, a[0], &isTyped);
    try {
      if (isTyped) {
        napi_typedarray_type type;
        size_t length, offset;
        void* data = nullptr;
        napi_value ab;
        check(napi_get_typedarray_info(env, a[0], &type, &length, &data, &ab, &offset), "get_typedarray_info");
        if (type != napi_uint8_array) throw JsError("tstorch: jit.load expects a path or a Uint8Array");
        std::istringstream in(std::string(static_cast<const char*>(data), length));
        return wrapModule(env, torch::jit::load(in, device));
      }
      if (typeOf(env, a[0]) != napi_string) throw JsError("tstorch: jit.load expects a path or a Uint8Array, got " + describe(env, a[0]));
      std::string path = getString(env, a[0], "path");
      return wrapModule(env, torch::jit::load(path, device));
    } catch (const c10::Error& e) {
      std::string what = isTyped ? std::string("the bytes") : "'" + getString(env, a[0], "path") + "'";
      throw JsError("tstorch: jit.load: " + what + " could not be loaded as a TorchScript archive (a zip written by torch.jit.save): " +
                    e.what_without_backtrace());
    }
  });
}

// { typeName, training, parameters: [[name, tensor]], buffers: [[name, tensor]], children: [[name, module]] }
napi_value jitSlots(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    auto pairs = [&](auto&& list, auto&& value) {
      std::vector<napi_value> items;
      for (const auto& item : list) {
        napi_value kv;
        check(napi_create_array_with_length(env, 2, &kv), "create_array");
        check(napi_set_element(env, kv, 0, makeString(env, item.name)), "set_element");
        check(napi_set_element(env, kv, 1, value(item.value)), "set_element");
        items.push_back(kv);
      }
      napi_value arr;
      check(napi_create_array_with_length(env, items.size(), &arr), "create_array");
      for (size_t i = 0; i < items.size(); ++i) check(napi_set_element(env, arr, static_cast<uint32_t>(i), items[i]), "set_element");
      return arr;
    };
    auto tensor = [&](const at::Tensor& t) { return wrapTensor(env, t); };
    auto module = [&](const torch::jit::Module& c) { return wrapModule(env, c); };
    napi_value out;
    check(napi_create_object(env, &out), "create_object");
    auto name = m.type()->name();
    check(napi_set_named_property(env, out, "typeName", makeString(env, name ? name->qualifiedName() : "")), "set");
    check(napi_set_named_property(env, out, "training", makeBool(env, m.is_training())), "set");
    check(napi_set_named_property(env, out, "parameters", pairs(m.named_parameters(false), tensor)), "set");
    check(napi_set_named_property(env, out, "buffers", pairs(m.named_buffers(false), tensor)), "set");
    check(napi_set_named_property(env, out, "children", pairs(m.named_children(), module)), "set");
    return out;
  });
}

// [[name, schema]] of the module's own methods.
napi_value jitMethods(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    auto methods = m.get_methods();
    napi_value arr;
    check(napi_create_array_with_length(env, methods.size(), &arr), "create_array");
    for (size_t i = 0; i < methods.size(); ++i) {
      napi_value kv;
      check(napi_create_array_with_length(env, 2, &kv), "create_array");
      check(napi_set_element(env, kv, 0, makeString(env, methods[i].name())), "set_element");
      check(napi_set_element(env, kv, 1, makeString(env, schemaString(methods[i].function().getSchema()))), "set_element");
      check(napi_set_element(env, arr, static_cast<uint32_t>(i), kv), "set_element");
    }
    return arr;
  });
}

// The TorchScript IR graph of a method (PyTorch's `module.graph`).
napi_value jitGraph(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    torch::jit::Method meth = findMethod(m, getString(env, a[1], "method"));
    return makeString(env, meth.graph()->toString());
  });
}


// Sets the training flag of this module only (JS walks the tree, as nn.Module.train does).
napi_value jitSetTraining(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    bool on = getBool(env, a[1], "mode");
    if (auto slot = m.type()->findAttributeSlot("training")) m._ivalue()->setSlot(*slot, IValue(on));
    else m.register_attribute("training", c10::BoolType::get(), IValue(on));
    return makeUndefined(env);
  });
}

napi_value jitIsTraining(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeBool(env, unwrapModule(env, a[0]).is_training());
  });
}

// The archive's bytes (a Node Buffer): JS writes them atomically.
napi_value jitSaveToBuffer(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    std::ostringstream os;
    m.save(os);
    return makeBuffer(env, os.str());
  });
}

// (module, device | null, dtype code | null, memory format code | null): converts every parameter
// and buffer in place with set_data, so the tensors keep their identity (the JS handles that wrap
// them see the new data). The dtype applies to floating tensors only, as nn.Module.to does.
napi_value jitTo(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    torch::jit::Module& m = unwrapModule(env, a[0]);
    c10::optional<c10::Device> device = parseDevice(env, a[1]);
    c10::optional<at::ScalarType> dtype;
    if (!isNullish(env, a[2])) dtype = static_cast<at::ScalarType>(getInt(env, a[2], "dtype"));
    c10::optional<at::MemoryFormat> format;
    if (!isNullish(env, a[3])) {
      int64_t f = getInt(env, a[3], "memoryFormat");
      format = f == 2 ? at::MemoryFormat::ChannelsLast : f == 1 ? at::MemoryFormat::Preserve : at::MemoryFormat::Contiguous;
    }
    torch::NoGradGuard noGrad;
    auto convert = [&](at::Tensor t) {
      at::Device dev = device.value_or(t.device());
      at::ScalarType dt = dtype && t.is_floating_point() ? *dtype : t.scalar_type();
      bool fmt = format && t.dim() == 4;
      if (dev == t.device() && dt == t.scalar_type() && !fmt) return;
      auto mf = fmt ? *format : at::MemoryFormat::Preserve;
      t.set_data(t.to(dev, dt, false, false, mf));
      if (t.grad().defined()) t.mutable_grad() = t.grad().to(dev, dt, false, false, mf);
    };
    for (const at::Tensor& t : m.parameters(true)) convert(t);
    for (const at::Tensor& t : m.buffers(true)) convert(t);
    return makeUndefined(env);
  });
}

}  // namespace

}  // namespace tstorch::script

namespace tstorch {
std::vector<Export> jitExports() {
  using namespace script;
  return {
      {"jitLoad", jitLoad},               {"jitSlots", jitSlots},           {"jitMethods", jitMethods},
      {"jitGraph", jitGraph},             {"jitSetTraining", jitSetTraining}, {"jitIsTraining", jitIsTraining},
      {"jitSaveToBuffer", jitSaveToBuffer}, {"jitTo", jitTo},
  };
}
}  // namespace tstorch
