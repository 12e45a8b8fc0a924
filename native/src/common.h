// Shared helpers of the tstorch addon: N-API error plumbing and the tensor handle.
//
// A tensor crosses into JavaScript as a napi External that owns a heap `Holder`. The External's
// finalizer is a *basic* finalizer (NAPI_EXPERIMENTAL), so V8 runs it during garbage collection
// itself, not on a later event-loop turn: a synchronous training loop that never yields still gets
// its tensors freed. Each handle reports its storage size to V8 (napi_adjust_external_memory) so
// that native and GPU bytes create GC pressure. dispose() frees the tensor at once.
#pragma once

#include <node_api.h>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tstorch {

// A JS-visible error raised from native code: becomes a JS Error with this message.
struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(napi_status s, const char* what) {
  if (s != napi_ok) throw JsError(std::string("tstorch internal N-API failure: ") + what);
}

struct Holder {
  at::Tensor tensor;  // undefined after dispose()
  // Whether this handle's storage bytes were reported to V8. Tensors made inside a torch.scope are
  // not (the scope frees them; reporting their gigabytes would only make V8 collect for nothing);
  // JS reports them when they outlive every scope (reportHandles).
  bool reported = false;
  // Bytes of a small storage (under 64 KiB) this handle counted into its thread's batch (see
  // handles.cc); 0 when it counted none.
  uint32_t smallBytes = 0;
};

// Wraps a tensor into a new handle (an External). Undefined tensors become null.
napi_value wrapTensor(napi_env env, at::Tensor t);
// Puts a tensor into a disposed handle (recycled by JS, see src/core/handle-pool.ts) and returns
// that handle: no new External, no new finalizer. Undefined tensors become null.
napi_value rewrapTensor(napi_env env, napi_value handle, at::Tensor t);
// resultFlags() -> an Int32Array of two words shared with JS: [0] rewrapTensor sets after each
// recycled-handle call (1 when the result may have its dispose() deferred, handles.cc: deferrable);
// [1] JS sets while a torch.scope runs (as setInScope does).
napi_value resultFlagsArray(napi_env env);
// The tensor behind a handle; throws a JsError for non-handles and disposed handles.
// What a "Tensor used after dispose()" error adds: why it happened and how to keep a tensor.
extern const char* const kDisposedHint;
const at::Tensor& unwrapTensor(napi_env env, napi_value v, const char* what = "argument");
// Frees the tensor behind a handle now (idempotent).
void disposeHandle(napi_env env, napi_value v);
// Inside a torch.scope new handles do not report their bytes to V8 (see Holder::reported).
void setInScope(bool on);
// Reports a handle's bytes to V8 now (a tensor that outlived its scopes).
void reportHandle(napi_env env, napi_value v);

// Small conversions.
napi_value makeNumber(napi_env env, double d);
napi_value makeBool(napi_env env, bool b);
napi_value makeString(napi_env env, const std::string& s);
napi_value makeUndefined(napi_env env);
napi_value makeNull(napi_env env);
// An int64 as a JS number when exactly representable (|x| <= 2^53), else as a bigint, so that
// values beyond 2^53 are never silently rounded.
napi_value makeInt64(napi_env env, int64_t x);
napi_valuetype typeOf(napi_env env, napi_value v);
double getNumber(napi_env env, napi_value v, const char* what);
int64_t getInt(napi_env env, napi_value v, const char* what);
bool getBool(napi_env env, napi_value v, const char* what);
std::string getString(napi_env env, napi_value v, const char* what);
bool isArray(napi_env env, napi_value v);
uint32_t arrayLength(napi_env env, napi_value v);
napi_value arrayGet(napi_env env, napi_value arr, uint32_t i);
std::vector<int64_t> getIntList(napi_env env, napi_value v, const char* what);
napi_value makeIntArray(napi_env env, c10::IntArrayRef xs);
// A Node Buffer holding a copy of `bytes`.
napi_value makeBuffer(napi_env env, const std::string& bytes);
// Rejects a promise with an Error carrying `message`.
void rejectDeferred(napi_env env, napi_deferred deferred, const std::string& message);
// A promise whose work runs on the libuv pool: creates *deferred and *work for `data` and queues it.
// On a queueing failure the work is deleted and a JsError thrown, so the caller still owns `data`;
// on success `complete` owns it (and must settle *deferred and delete *work).
napi_value queuePromiseWork(napi_env env, const char* name, napi_async_execute_callback execute,
                            napi_async_complete_callback complete, void* data, napi_deferred* deferred,
                            napi_async_work* work);
bool isNullish(napi_env env, napi_value v);  // null or undefined

// A JS value thrown by JS code that native code called (a hook, a custom Function's backward), carried
// through C++ (the autograd engine) as an exception: `guarded` throws the value itself again.
struct JsValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
  // The thrown value if it belongs to `env` and is still held, else nullptr (then the message is thrown).
  virtual napi_value value(napi_env env) const = 0;
};

// Every exported function runs inside `guarded`, which turns C++ exceptions (libtorch's c10::Error
// included) into JS Errors carrying the message, so the process never aborts on bad input.
template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const JsValueError& e) {
    napi_value v = e.value(env);
    if (v) napi_throw(env, v);
    else napi_throw_error(env, nullptr, e.what());
  } catch (const c10::Error& e) {
    napi_throw_error(env, nullptr, e.what_without_backtrace());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  } catch (...) {
    napi_throw_error(env, nullptr, "tstorch: unknown native exception");
  }
  return nullptr;
}

// A binding that answers a fact fixed when the addon was built (a build option, the libtorch version).
template <bool Value>
napi_value builtFact(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return makeBool(env, Value); });
}

// Reads up to N arguments; missing ones are `undefined`.
template <size_t N>
struct Args {
  napi_value argv[N];
  size_t argc = N;
  Args(napi_env env, napi_callback_info info) {
    check(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "get_cb_info");
    if (argc > N) argc = N;
    napi_value undef;
    napi_get_undefined(env, &undef);
    for (size_t i = argc; i < N; ++i) argv[i] = undef;
  }
  napi_value operator[](size_t i) const { return argv[i]; }
};

// Registration of exported functions, one table per source file.
struct Export {
  const char* name;
  napi_callback fn;
};
void registerExports(napi_env env, napi_value exports, const std::vector<Export>& table);

// Every source file's table, defined in that file and registered by addon.cc in this order. A new
// file adds its line here and its name to addon.cc's list.
std::vector<Export> tensorExports();         // tensor.cc: tensor data in and out, metadata
std::vector<Export> dispatchExports();       // dispatch.cc: ATen operator calls
std::vector<Export> dispatchSchemaExports(); // dispatch_schema.cc: the operators' schemas
std::vector<Export> runtimeExports();        // runtime.cc: grad mode, seeds, threads, versions
std::vector<Export> allocatorExports();      // cpu_allocator.cc
std::vector<Export> ampExports();            // amp.cc: torch.autocast
std::vector<Export> cudaGraphExports();      // cuda_graph.cc: empty without CUDA's headers
std::vector<Export> distributedExports();    // distributed.cc: torch.distributed (availability alone without Gloo)
// distributed_*.cc: compiled with Gloo only (else distributed.cc defines these empty)
std::vector<Export> distributedStoreExports();       // distributed_store.cc: stores, the init barrier
std::vector<Export> distributedGroupExports();       // distributed_group.cc: process groups
std::vector<Export> distributedCollectiveExports();  // distributed_collectives.cc: collectives, work handles
std::vector<Export> distributedReducerExports();     // distributed_reducer.cc: DDP's gradient reducer
std::vector<Export> jitExports();            // jit.cc: TorchScript modules: load, slots, save, to
std::vector<Export> jitCallExports();        // jit_call.cc: running a module's methods
std::vector<Export> jitTraceExports();       // jit_trace.cc: torch.jit.trace
std::vector<Export> opRegistryExports();     // op_registry.cc
std::vector<Export> serializationExports();  // serialization.cc: torch.load/save
std::vector<Export> imageExports();          // image.cc: image codecs, one image
std::vector<Export> imageJobExports();       // image_jobs.cc: batches decoded on the libuv pool
std::vector<Export> autogradExports();       // autograd.cc: torch.autograd: grad, backward, anomaly mode, dual levels
std::vector<Export> autogradHookExports();          // autograd_hooks.cc: tensor hooks
std::vector<Export> autogradFunctionExports();      // autograd_function.cc: custom Functions
std::vector<Export> autogradPostHookExports();      // autograd_post_hooks.cc: post-accumulate-grad hooks (libtorch >= 2.1)
std::vector<Export> autogradEngineSwitchExports();  // autograd_engine_switches.cc: multithreading, grad layout policy
std::vector<Export> aotiExports();           // aoti.cc: torch.aoti .pt2 packages (empty below libtorch 2.6)
std::vector<Export> runtimeStateExports();   // runtime_state.cc: default dtype, determinism, RNG state
std::vector<Export> dlpackExports();         // dlpack.cc: DLPack capsules
std::vector<Export> optimStepExports();      // optim_step.cc: SGD and Adam(W) steps in one call
// Installs the caching CPU allocator (cpu_allocator.cc) unless TSTORCH_CPU_ALLOCATOR=default.
void installCpuAllocator();

}  // namespace tstorch
