// Tensor handles and small value conversions (see common.h for the memory design).
#include <cmath>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common.h"

namespace tstorch {

// Bytes reported to V8 are counted once per storage, however many handles (views, grads, in-place
// aliases) point at it: counting each handle made V8 see phantom gigabytes and run full collections
// every few optimiser steps. The table is process-wide (every worker thread's environment and the
// main thread share it), hence the mutex; it is only touched for storages of 64 KiB or more.
struct StorageCount {
  int64_t handles;
  int64_t reported;  // bytes reported when first counted (a storage can be resized later)
};
static std::mutex storageMutex;
static std::unordered_map<const c10::StorageImpl*, StorageCount>& handlesPerStorage() {  // storageMutex
  static std::unordered_map<const c10::StorageImpl*, StorageCount> m;
  return m;
}

// Storages from this size on are counted per storage (above). Smaller ones are not worth a table
// lookup each, but they must count too: a loop of 60 KB temporaries that were never reported grew
// to 2 GB, the collector never hurrying. Each handle adds its overhead, and the bytes of its small
// storage when that is fresh (no other tensor shares it: not a view), to its thread's batch; the
// batch is reported to V8 in chunks, so a tiny op pays an add and a compare, not an N-API call.
constexpr size_t kReportedBytesMin = 64 << 10;
constexpr int64_t kSmallChunk = 256 << 10;

// The words shared with JS (see resultFlagsArray), per JS thread: [0] is written here after each
// recycled-handle call (whether the result is small and out of autograd's reach, so that its
// dispose() may be deferred to the next call); [1] is written by JS (core/scope.ts) when the
// outermost torch.scope starts and ends, so that a scope costs no call into the addon to say so.
static thread_local int32_t* resultFlags = nullptr;
enum : int { kFlagDeferrable = 0, kFlagInScope = 1, kFlagWords = 2 };

// Per JS thread (a napi_env lives on one thread; its basic finalizers run there during GC).
struct ThreadAccounting {
  bool inScope = false;      // JS runs inside a torch.scope (setInScope; the flags word once JS has it)
  int64_t smallPending = 0;  // small bytes counted but not yet reported (negative: released)
};
static thread_local ThreadAccounting perThread;

static bool inScope() { return resultFlags ? resultFlags[kFlagInScope] != 0 : perThread.inScope; }

// Adds delta to the batch and reports the batch once it reaches a chunk either way. From inside
// the collector (basic finalizers) nothing is reported: V8 aborted ("Check failed: marking_done_")
// when the batch was reported from there; the next report from JS carries it.
static void adjustSmall(napi_env env, int64_t delta, bool fromGc = false) {
  int64_t& pending = perThread.smallPending;
  pending += delta;
  if (fromGc) return;
  if (pending >= kSmallChunk || pending <= -kSmallChunk) {
    int64_t ignored;
    napi_adjust_external_memory(env, pending, &ignored);
    pending = 0;
  }
}

static const c10::StorageImpl* largeStorageOf(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return nullptr;
  const c10::StorageImpl* s = t.storage().unsafeGetStorageImpl();
  return s->nbytes() >= kReportedBytesMin ? s : nullptr;
}

// Called when a handle starts holding `t`: returns the bytes to report (0 if already counted).
static int64_t acquireBytes(const at::Tensor& t) {
  const c10::StorageImpl* s = largeStorageOf(t);
  if (!s) return 0;
  std::lock_guard<std::mutex> lock(storageMutex);
  auto [it, fresh] = handlesPerStorage().try_emplace(s, StorageCount{0, static_cast<int64_t>(s->nbytes())});
  return it->second.handles++ == 0 ? it->second.reported : 0;
}

// Called when a handle lets go of `t` (dispose or finalizer): returns the bytes to un-report.
static int64_t releaseBytes(const at::Tensor& t) {
  const c10::StorageImpl* s = largeStorageOf(t);
  if (!s) return 0;
  std::lock_guard<std::mutex> lock(storageMutex);
  auto& m = handlesPerStorage();
  auto it = m.find(s);
  if (it == m.end()) return 0;
  if (--it->second.handles > 0) return 0;
  int64_t bytes = it->second.reported;
  m.erase(it);
  return bytes;
}

// What a handle keeps alive besides its storage's bytes: the Holder, the TensorImpl and (for a
// fresh tensor) the StorageImpl, with the allocator's headers. A loop of tiny temporaries is
// mostly this: 200,000 leaked 400-byte tensors held 120 MB that V8 was told nothing of.
constexpr int64_t kHandleOverhead = 512;

// Reports h's bytes to V8 if it holds a tensor and has not reported them yet.
static void report(napi_env env, Holder* h) {
  if (h->reported || !h->tensor.defined()) return;
  h->reported = true;
  const at::Tensor& t = h->tensor;
  int64_t small = kHandleOverhead;
  if (t.has_storage()) {
    const c10::Storage& st = t.storage();
    size_t n = st.nbytes();
    if (n >= kReportedBytesMin) {
      int64_t bytes = acquireBytes(t);
      if (bytes) {
        int64_t ignored;
        napi_adjust_external_memory(env, bytes, &ignored);
      }
    } else if (st.use_count() == 1) {  // a fresh storage, not a view of one already counted
      small += static_cast<int64_t>(n);
    }
  }
  h->smallBytes = static_cast<uint32_t>(small);
  adjustSmall(env, small);
}

// Drops h's accounting: the batched small bytes at once, the large ones returned (to un-report).
static int64_t releaseHolderBytes(napi_env env, Holder* h, bool fromGc = false) {
  if (!h->reported || !h->tensor.defined()) return 0;
  h->reported = false;
  if (h->smallBytes) {
    adjustSmall(env, -static_cast<int64_t>(h->smallBytes), fromGc);
    h->smallBytes = 0;
  }
  return releaseBytes(h->tensor);
}

static void finalizeHolder(node_api_basic_env env, void* data, void* /*hint*/) {
  auto* h = static_cast<Holder*>(data);
  int64_t bytes = releaseHolderBytes(const_cast<napi_env>(env), h, /*fromGc=*/true);
  delete h;  // drops this reference to the tensor
  if (bytes) {
    int64_t ignored;
    napi_adjust_external_memory(env, -bytes, &ignored);
  }
}

napi_value wrapTensor(napi_env env, at::Tensor t) {
  if (!t.defined()) return makeNull(env);
  auto* h = new Holder{std::move(t)};
  napi_value v;
  napi_status s = napi_create_external(env, h, finalizeHolder, nullptr, &v);
  if (s != napi_ok) {
    delete h;
    throw JsError("tstorch: could not create a tensor handle");
  }
  if (!inScope()) report(env, h);
  return v;
}


// Small enough to keep a little longer without anyone noticing (a few KiB at most, one at a time),
// and holding no autograd graph (a loss of 4 bytes can keep gigabytes of saved activations alive).
constexpr size_t kDeferrableBytes = 4 << 10;
static bool deferrable(const at::Tensor& t) {
  return !t.requires_grad() && t.has_storage() && t.storage().nbytes() <= kDeferrableBytes;
}

napi_value rewrapTensor(napi_env env, napi_value handle, at::Tensor t) {
  void* data = nullptr;
  if (napi_get_value_external(env, handle, &data) != napi_ok || data == nullptr)
    throw JsError("tstorch: internal: a recycled handle is not a handle");
  auto* h = static_cast<Holder*>(data);
  // A handle whose dispose() JS deferred still holds its (small) tensor: freed now, as dispose would.
  if (h->tensor.defined()) {
    int64_t bytes = releaseHolderBytes(env, h);
    h->tensor.reset();
    if (bytes) {
      int64_t ignored;
      napi_adjust_external_memory(env, -bytes, &ignored);
    }
  }
  if (!t.defined()) return makeNull(env);
  if (resultFlags) resultFlags[kFlagDeferrable] = deferrable(t) ? 1 : 0;
  h->tensor = std::move(t);
  h->reported = false;
  h->smallBytes = 0;
  if (!inScope()) report(env, h);
  return handle;
}

napi_value resultFlagsArray(napi_env env) {
  void* data = nullptr;
  napi_value buffer, array;
  check(napi_create_arraybuffer(env, kFlagWords * sizeof(int32_t), &data, &buffer), "create_arraybuffer");
  check(napi_create_typedarray(env, napi_int32_array, kFlagWords, buffer, 0, &array), "create_typedarray");
  // The ArrayBuffer lives as long as JS holds the array (core/handle-pool.ts keeps it for good).
  resultFlags = static_cast<int32_t*>(data);
  resultFlags[kFlagDeferrable] = 0;
  resultFlags[kFlagInScope] = perThread.inScope ? 1 : 0;
  return array;
}

static Holder* holderOf(napi_env env, napi_value v, const char* what) {
  // One N-API call on the hot path: napi_get_value_external fails for anything but an External.
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr)
    throw JsError(std::string("tstorch: expected a Tensor for ") + what);
  return static_cast<Holder*>(data);
}

const char* const kDisposedHint =
    "): it was freed by its dispose() or by the end of the torch.scope it was made in; to keep a tensor past its scope, return it from the scope's function or pass it to torch.keep(), and torch.persist() it to keep it across scopes (state that lives for many steps)";

const at::Tensor& unwrapTensor(napi_env env, napi_value v, const char* what) {
  Holder* h = holderOf(env, v, what);
  if (!h->tensor.defined())
    throw JsError(std::string("tstorch: Tensor used after dispose() (") + what + kDisposedHint);
  return h->tensor;
}

void setInScope(bool on) {
  perThread.inScope = on;
  if (resultFlags) resultFlags[kFlagInScope] = on ? 1 : 0;
}

void reportHandle(napi_env env, napi_value v) { report(env, holderOf(env, v, "reportHandles")); }

void disposeHandle(napi_env env, napi_value v) {
  Holder* h = holderOf(env, v, "dispose");
  if (!h->tensor.defined()) return;
  int64_t bytes = releaseHolderBytes(env, h);
  h->tensor.reset();
  if (bytes) {
    int64_t ignored;
    napi_adjust_external_memory(env, -bytes, &ignored);
  }
}

// Runs an N-API call that writes its one result through its last parameter and returns the result; a
// failing status becomes a JsError naming `what`.
template <typename T = napi_value, typename... P, typename... A>
static T napiOut(const char* what, napi_status (*call)(napi_env, P...), napi_env env, A&&... args) {
  T out;
  check(call(env, std::forward<A>(args)..., &out), what);
  return out;
}

napi_value makeNumber(napi_env env, double d) { return napiOut("create_double", napi_create_double, env, d); }
napi_value makeBool(napi_env env, bool b) { return napiOut("get_boolean", napi_get_boolean, env, b); }
napi_value makeString(napi_env env, const std::string& s) {
  return napiOut("create_string", napi_create_string_utf8, env, s.data(), s.size());
}
napi_value makeUndefined(napi_env env) { return napiOut("get_undefined", napi_get_undefined, env); }
napi_value makeNull(napi_env env) { return napiOut("get_null", napi_get_null, env); }
napi_value makeInt64(napi_env env, int64_t x) {
  constexpr int64_t kExact = int64_t(1) << 53;
  if (x >= -kExact && x <= kExact) return makeNumber(env, static_cast<double>(x));
  return napiOut("create_bigint", napi_create_bigint_int64, env, x);
}
napi_value makeBuffer(napi_env env, const std::string& bytes) {
  void* ignored;
  return napiOut("create_buffer_copy", napi_create_buffer_copy, env, bytes.size(), bytes.data(), &ignored);
}
void rejectDeferred(napi_env env, napi_deferred deferred, const std::string& message) {
  napi_value msg, err;
  napi_create_string_utf8(env, message.data(), message.size(), &msg);
  napi_create_error(env, nullptr, msg, &err);
  napi_reject_deferred(env, deferred, err);
}
napi_value queuePromiseWork(napi_env env, const char* name, napi_async_execute_callback execute,
                            napi_async_complete_callback complete, void* data, napi_deferred* deferred,
                            napi_async_work* work) {
  napi_value promise = napiOut("create_promise", napi_create_promise, env, deferred);
  napi_value label = napiOut("create_string", napi_create_string_utf8, env, name, NAPI_AUTO_LENGTH);
  check(napi_create_async_work(env, nullptr, label, execute, complete, data, work), "create_async_work");
  if (napi_queue_async_work(env, *work) != napi_ok) {
    napi_delete_async_work(env, *work);
    throw JsError(std::string("tstorch: could not queue ") + name);
  }
  return promise;
}
napi_valuetype typeOf(napi_env env, napi_value v) { return napiOut<napi_valuetype>("typeof", napi_typeof, env, v); }
bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t = typeOf(env, v);
  return t == napi_null || t == napi_undefined;
}
double getNumber(napi_env env, napi_value v, const char* what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok)
    throw JsError(std::string("tstorch: expected a number for ") + what);
  return d;
}
int64_t getInt(napi_env env, napi_value v, const char* what) {
  napi_valuetype t = typeOf(env, v);
  if (t == napi_bigint) {
    int64_t x;
    bool lossless;
    check(napi_get_value_bigint_int64(env, v, &x, &lossless), "bigint");
    // N-API wraps modulo 2^64 (2n ** 64n read as 0): refuse instead
    if (!lossless) throw JsError(std::string("tstorch: ") + what + ": bigint out of int64 range [-2^63, 2^63)");
    return x;
  }
  double d = getNumber(env, v, what);
  if (!std::isfinite(d) || d != std::trunc(d))
    throw JsError(std::string("tstorch: expected an integer for ") + what + ", got " + std::to_string(d));
  // 2^63 itself rounds to a double that does not fit: the cast below would be undefined
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    throw JsError(std::string("tstorch: ") + what + ": " + std::to_string(d) + " is out of int64 range [-2^63, 2^63)");
  return static_cast<int64_t>(d);
}
bool getBool(napi_env env, napi_value v, const char* what) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok)
    throw JsError(std::string("tstorch: expected a boolean for ") + what);
  return b;
}
std::string getString(napi_env env, napi_value v, const char* what) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok)
    throw JsError(std::string("tstorch: expected a string for ") + what);
  std::string s(n, '\0');
  napi_get_value_string_utf8(env, v, s.data(), n + 1, &n);
  return s;
}
bool isArray(napi_env env, napi_value v) {
  bool b = false;
  napi_is_array(env, v, &b);
  return b;
}
uint32_t arrayLength(napi_env env, napi_value v) { return napiOut<uint32_t>("array_length", napi_get_array_length, env, v); }
napi_value arrayGet(napi_env env, napi_value arr, uint32_t i) { return napiOut("get_element", napi_get_element, env, arr, i); }
std::vector<int64_t> getIntList(napi_env env, napi_value v, const char* what) {
  if (!isArray(env, v)) throw JsError(std::string("tstorch: expected an array of integers for ") + what);
  uint32_t n = arrayLength(env, v);
  std::vector<int64_t> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = getInt(env, arrayGet(env, v, i), what);
  return out;
}
napi_value makeIntArray(napi_env env, c10::IntArrayRef xs) {
  napi_value arr;
  check(napi_create_array_with_length(env, xs.size(), &arr), "create_array");
  for (size_t i = 0; i < xs.size(); ++i)
    check(napi_set_element(env, arr, i, makeNumber(env, static_cast<double>(xs[i]))), "set_element");
  return arr;
}

void registerExports(napi_env env, napi_value exports, const std::vector<Export>& table) {
  for (const auto& e : table) {
    napi_value fn;
    check(napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn), "create_function");
    check(napi_set_named_property(env, exports, e.name, fn), "set_named_property");
  }
}

}  // namespace tstorch
