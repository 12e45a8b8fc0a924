// AOTInductor packages (src/aoti/): a .pt2 file made by torch._inductor.aoti_compile_and_package
// holds a torch.export-ed model compiled ahead of time to a shared library; libtorch's
// AOTIModelPackageLoader unpacks it, dlopens the library and runs it on flat lists of tensors (the
// package's call spec says how Python's pytrees flatten to them).
//
// Built only against libtorch >= 2.6 (TSTORCH_WITH_AOTI, compat.h); before, this file exports nothing
// and JS says which libtorch the feature needs. A package runs on the JS thread (aotiRun) or, for
// serving, on a libuv pool thread (aotiRunAsync); the loader's model container hands each call a
// free model instance and makes concurrent calls wait for one, so both may run at once.
#define TSTORCH_AOTI_COMPAT
#include "compat.h"

#include "common.h"

#ifdef TSTORCH_WITH_AOTI
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tstorch {
namespace {

// Distinguishes package handles from tensor and module handles (all napi Externals).
const napi_type_tag kPackageTag = {0x7473746f7263685fULL, 0x616f7469706b6721ULL};

// Shared: an async run keeps the loader alive even if JS drops the package meanwhile.
struct PackageBox {
  std::shared_ptr<compat::AotiLoader> loader;
};

void finalizePackage(node_api_basic_env, void* data, void*) { delete static_cast<PackageBox*>(data); }

PackageBox& packageBox(napi_env env, napi_value v) {
  bool tagged = false;
  if (typeOf(env, v) == napi_external) check(napi_check_object_type_tag(env, v, &kPackageTag, &tagged), "check_object_type_tag");
  if (!tagged) throw JsError("tstorch: expected an AOTInductor package handle");
  void* data = nullptr;
  check(napi_get_value_external(env, v, &data), "get_value_external");
  return *static_cast<PackageBox*>(data);
}

const std::shared_ptr<compat::AotiLoader>& unwrapPackage(napi_env env, napi_value v) {
  const auto& loader = packageBox(env, v).loader;
  if (!loader) throw JsError("torch.aoti: this AOTIPackage was disposed");
  return loader;
}

std::vector<at::Tensor> tensorList(napi_env env, napi_value arr) {
  if (!isArray(env, arr)) throw JsError("tstorch: AOTIPackage.run expects an array of tensors");
  std::vector<at::Tensor> out;
  uint32_t n = arrayLength(env, arr);
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string what = "inputs[" + std::to_string(i) + "]";
    out.push_back(unwrapTensor(env, arrayGet(env, arr, i), what.c_str()));
  }
  return out;
}

napi_value tensorArray(napi_env env, const std::vector<at::Tensor>& ts) {
  napi_value arr;
  check(napi_create_array_with_length(env, ts.size(), &arr), "create_array");
  for (size_t i = 0; i < ts.size(); ++i) check(napi_set_element(env, arr, static_cast<uint32_t>(i), wrapTensor(env, ts[i])), "set_element");
  return arr;
}

napi_value stringArray(napi_env env, const std::vector<std::string>& xs) {
  napi_value arr;
  check(napi_create_array_with_length(env, xs.size(), &arr), "create_array");
  for (size_t i = 0; i < xs.size(); ++i) check(napi_set_element(env, arr, static_cast<uint32_t>(i), makeString(env, xs[i])), "set_element");
  return arr;
}

// The compiled model reads its inputs through raw pointers at the sizes, strides and dtypes it was
// compiled for; inputs of another shape would be read out of bounds. The checks that the generated
// code carries (dtype, sizes, strides and device of every input) run, in 2.14's packages, only when
// AOTI_RUNTIME_CHECK_INPUTS is set, read once per loaded model: tstorch sets it unless the user did,
// so that a wrong input is an error naming it rather than a crash. (2.6 generates them only under
// aot_inductor.debug_compile.)
void enableInputChecks() { setenv("AOTI_RUNTIME_CHECK_INPUTS", "1", /*overwrite=*/0); }

std::string runFailure(const char* what) { return std::string("torch.aoti: running the package failed: ") + what; }

std::vector<at::Tensor> runPackage(compat::AotiLoader& loader, const std::vector<at::Tensor>& inputs) {
  // AOTInductor's kernels do not record autograd; outputs are plain tensors either way.
  at::NoGradGuard noGrad;
  try {
    return loader.run(inputs);
  } catch (const c10::Error& e) {
    throw JsError(runFailure(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw JsError(runFailure(e.what()));
  }
}

// (path, modelName, runSingleThreaded) -> package handle
napi_value aotiLoad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::string path = getString(env, a[0], "path");
    std::string model = getString(env, a[1], "modelName");
    bool single = getBool(env, a[2], "runSingleThreaded");
    enableInputChecks();
    auto box = std::make_unique<PackageBox>();
    try {
      box->loader = compat::makeAotiLoader(path, model, single);
    } catch (const c10::Error& e) {
      throw JsError("torch.aoti.loadPackage(" + path + "): " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw JsError("torch.aoti.loadPackage(" + path + "): " + e.what());
    }
    napi_value v;
    check(napi_create_external(env, box.get(), finalizePackage, nullptr, &v), "create_external");
    box.release();
    check(napi_type_tag_object(env, v, &kPackageTag), "type_tag_object");
    return v;
  });
}

// (package, inputs[]) -> outputs[], on the JS thread
napi_value aotiRun(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto& loader = unwrapPackage(env, a[0]);
    return tensorArray(env, runPackage(*loader, tensorList(env, a[1])));
  });
}

// A run on a libuv pool thread: inputs were taken on the JS thread, the pool thread only runs the
// model (no N-API), outputs become handles on the JS thread when the promise settles.
struct AsyncRun {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::shared_ptr<compat::AotiLoader> loader;
  std::vector<at::Tensor> inputs;  // held until the promise settles
  std::vector<at::Tensor> outputs;
  std::string error;
};

void executeRun(napi_env, void* data) {
  auto* r = static_cast<AsyncRun*>(data);
  try {
    at::init_num_threads();  // this thread's intra-op thread count follows torch.setNumThreads
    r->outputs = runPackage(*r->loader, r->inputs);
  } catch (const std::exception& e) {
    r->error = e.what();
  } catch (...) {
    r->error = runFailure("an unknown native exception");
  }
}

void completeRun(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncRun> r(static_cast<AsyncRun*>(data));
  if (status != napi_ok && r->error.empty()) r->error = "torch.aoti: runAsync() was cancelled";
  napi_value outcome = nullptr;
  if (r->error.empty()) {
    try {
      outcome = tensorArray(env, r->outputs);
    } catch (const std::exception& e) {
      r->error = e.what();
    }
  }
  if (r->error.empty()) napi_resolve_deferred(env, r->deferred, outcome);
  else rejectDeferred(env, r->deferred, r->error);
  napi_delete_async_work(env, r->work);
}

// (package, inputs[]) -> Promise<outputs[]>
napi_value aotiRunAsync(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto r = std::make_unique<AsyncRun>();
    r->loader = unwrapPackage(env, a[0]);
    r->inputs = tensorList(env, a[1]);
    napi_value promise = queuePromiseWork(env, "tstorch.aoti.runAsync", executeRun, completeRun, r.get(),
                                          &r->deferred, &r->work);
    r.release();  // completeRun owns it now
    return promise;
  });
}

// The metadata the package was compiled with (AOTI_DEVICE_KEY and the user's aot_inductor.metadata).
napi_value aotiMetadata(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    napi_value obj;
    check(napi_create_object(env, &obj), "create_object");
    for (const auto& [k, v] : unwrapPackage(env, a[0])->get_metadata())
      check(napi_set_named_property(env, obj, k.c_str(), makeString(env, v)), "set_named_property");
    return obj;
  });
}

// [in_spec, out_spec]: the serialized pytree specs of the flattened inputs and outputs.
napi_value aotiCallSpec(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return stringArray(env, unwrapPackage(env, a[0])->get_call_spec());
  });
}

// The fully qualified names of the model's constants (parameters and buffers).
napi_value aotiConstantFqns(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return stringArray(env, unwrapPackage(env, a[0])->get_constant_fqns());
  });
}

// Unloads the model now (its library and weights; a run still in flight keeps them until it ends).
napi_value aotiDispose(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    packageBox(env, a[0]).loader.reset();
    return makeUndefined(env);
  });
}

}  // namespace

std::vector<Export> aotiExports() {
  return {
      {"aotiLoad", aotiLoad},         {"aotiRun", aotiRun},           {"aotiRunAsync", aotiRunAsync},
      {"aotiMetadata", aotiMetadata}, {"aotiCallSpec", aotiCallSpec}, {"aotiConstantFqns", aotiConstantFqns},
      {"aotiDispose", aotiDispose},
  };
}

}  // namespace tstorch

#else

namespace tstorch {
std::vector<Export> aotiExports() { return {}; }
}  // namespace tstorch

#endif
