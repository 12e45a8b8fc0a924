// Tensor data in and out, metadata, and autograd entry points.
#include <cstring>

#include <torch/csrc/autograd/function.h>

#include "common.h"

namespace tstorch {

static at::ScalarType scalarTypeArg(napi_env env, napi_value v) {
  int64_t code = getInt(env, v, "dtype");
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions))
    throw JsError("tstorch: unknown dtype code " + std::to_string(code));
  return static_cast<at::ScalarType>(code);
}

// A binding whose one argument is a tensor handle and whose result is `read(tensor)`; `what` names the
// call in the error for a non-handle or a disposed one.
template <typename Read>
static napi_value readTensor(napi_env env, napi_callback_info info, const char* what, Read&& read) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return read(unwrapTensor(env, a[0], what));
  });
}

// Element size of a typed array kind (N-API has no such helper).
static size_t typedArrayElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 1;
  }
}

// fromBuffer(typedArray, dtypeCode, shape, device?, requiresGrad?) -> handle. Copies the bytes.
static napi_value fromBuffer(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    void* data = nullptr;
    size_t byteLength = 0;
    bool isTyped = false;
    napi_is_typedarray(env, a[0], &isTyped);
    if (isTyped) {
      napi_typedarray_type tt;
      size_t length;
      napi_value ab;
      size_t offset;
      check(napi_get_typedarray_info(env, a[0], &tt, &length, &data, &ab, &offset), "typedarray_info");
      byteLength = length * static_cast<size_t>(typedArrayElementSize(tt));
    } else {
      bool isAb = false;
      napi_is_arraybuffer(env, a[0], &isAb);
      if (!isAb) throw JsError("tstorch: fromBuffer expects a typed array or ArrayBuffer");
      check(napi_get_arraybuffer_info(env, a[0], &data, &byteLength), "arraybuffer_info");
    }
    at::ScalarType st = scalarTypeArg(env, a[1]);
    std::vector<int64_t> shape = getIntList(env, a[2], "shape");
    int64_t numel = 1;
    for (int64_t d : shape) {
      if (d < 0) throw JsError("tstorch: negative dimension in shape");
      if (__builtin_mul_overflow(numel, d, &numel))
        throw JsError("tstorch: shape " + c10::str(c10::IntArrayRef(shape)) + " has more elements than int64 can count");
    }
    size_t need = 0;
    if (__builtin_mul_overflow(static_cast<size_t>(numel), c10::elementSize(st), &need))
      throw JsError("tstorch: shape " + c10::str(c10::IntArrayRef(shape)) + " is too large");
    if (need != byteLength)
      throw JsError("tstorch: data has " + std::to_string(byteLength) + " bytes but shape and dtype need " +
                    std::to_string(need));
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
    if (need) std::memcpy(t.data_ptr(), data, need);
    napi_valuetype dt = typeOf(env, a[3]);
    if (dt == napi_string) {
      c10::Device dev(getString(env, a[3], "device"));
      if (!dev.is_cpu()) t = t.to(dev);
    }
    if (typeOf(env, a[4]) == napi_boolean && getBool(env, a[4], "requiresGrad")) t.set_requires_grad(true);
    return wrapTensor(env, std::move(t));
  });
}

// The tensor's values as a plain dense CPU tensor whose memory holds exactly them: what a copy out
// can read with memcpy. Lazy views are resolved first: a zero tensor (_efficientzerotensor) has no
// memory at all (its data_ptr is null), and the conjugate and negative bits of a view say that
// its memory holds conj(x) or -x (reading it raw gave [1, 1] for _neg_view(ones)).
static at::Tensor materialized(const at::Tensor& src) {
  at::NoGradGuard ng;
  at::Tensor t = src.detach();
  if (t.layout() != at::kStrided) t = t.to_dense();
  if (t._is_zerotensor()) return at::zeros(t.sizes(), t.options().device(at::kCPU));
  if (!t.device().is_cpu()) t = t.to(at::kCPU);
  t = t.resolve_conj().resolve_neg();
  return t.contiguous();
}

// toBuffer(h) -> ArrayBuffer with the tensor's elements, contiguous, on the CPU.
static napi_value toBuffer(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    at::Tensor t = materialized(unwrapTensor(env, a[0], "toBuffer"));
    size_t n = t.nbytes();
    void* out = nullptr;
    napi_value ab;
    check(napi_create_arraybuffer(env, n, &out, &ab), "create_arraybuffer");
    if (n) {
      if (!t.data_ptr()) throw JsError("tstorch: toBuffer: the tensor has no data to read");
      std::memcpy(out, t.data_ptr(), n);
    }
    return ab;
  });
}

static napi_value dispose(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    disposeHandle(env, a[0]);
    return makeUndefined(env);
  });
}

// Every argument of a call, however many (one N-API call to read them all).
static std::vector<napi_value> allArgs(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  check(napi_get_cb_info(env, info, &argc, nullptr, nullptr, nullptr), "get_cb_info");
  std::vector<napi_value> argv(argc);
  if (argc > 0) check(napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr), "get_cb_info");
  return argv;
}

// disposeMany(...handles): dispose() of each, in one call (a scope's end frees dozens at once).
static napi_value disposeMany(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    for (napi_value h : allArgs(env, info)) disposeHandle(env, h);
    return makeUndefined(env);
  });
}

static napi_value setScopeActive(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    setInScope(getBool(env, a[0], "active"));
    return makeUndefined(env);
  });
}

// reportHandles(...handles): the collector backstop for tensors that outlived every scope.
static napi_value reportHandles(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    for (napi_value h : allArgs(env, info)) reportHandle(env, h);
    return makeUndefined(env);
  });
}

static napi_value resultFlags(napi_env env, napi_callback_info) {
  return guarded(env, [&] { return resultFlagsArray(env); });
}

// reportedBytes() -> the external memory V8 counts (what napi_adjust_external_memory has added up).
static napi_value reportedBytes(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    int64_t total = 0;
    check(napi_adjust_external_memory(env, 0, &total), "adjust_external_memory");
    return makeNumber(env, static_cast<double>(total));
  });
}

static napi_value shape(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "shape", [&](const at::Tensor& t) { return makeIntArray(env, t.sizes()); });
}

static napi_value strides(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "stride", [&](const at::Tensor& t) { return makeIntArray(env, t.strides()); });
}

static napi_value dim(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "dim", [&](const at::Tensor& t) { return makeNumber(env, static_cast<double>(t.dim())); });
}

static napi_value numel(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "numel", [&](const at::Tensor& t) { return makeNumber(env, static_cast<double>(t.numel())); });
}

static napi_value dtype(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "dtype", [&](const at::Tensor& t) { return makeNumber(env, static_cast<double>(static_cast<int>(t.scalar_type()))); });
}

static napi_value device(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "device", [&](const at::Tensor& t) { return makeString(env, t.device().str()); });
}

static napi_value isContiguous(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "isContiguous", [&](const at::Tensor& t) { return makeBool(env, t.is_contiguous()); });
}

static napi_value storageBytes(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "storageBytes", [&](const at::Tensor& t) {
    return makeNumber(env, t.has_storage() ? static_cast<double>(t.storage().nbytes()) : 0.0);
  });
}

// t.storage_offset() and t.data_ptr() (PyTorch's Tensor.storage_offset(), Tensor.data_ptr()): the
// address is a bigint, exact where a double would round a 64-bit pointer.
static napi_value storageOffset(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeInt64(env, unwrapTensor(env, a[0], "storageOffset").storage_offset());
  });
}

static napi_value elementSize(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeInt64(env, static_cast<int64_t>(unwrapTensor(env, a[0], "elementSize").element_size()));
  });
}

static napi_value dataPtr(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "dataPtr");
    napi_value out;
    check(napi_create_bigint_uint64(env, reinterpret_cast<uint64_t>(t.has_storage() ? t.data_ptr() : nullptr), &out), "create_bigint_uint64");
    return out;
  });
}

static napi_value isDisposed(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    if (typeOf(env, a[0]) != napi_external) throw JsError("tstorch: expected a Tensor handle");
    void* data = nullptr;
    check(napi_get_value_external(env, a[0], &data), "get_value_external");
    return makeBool(env, !static_cast<Holder*>(data)->tensor.defined());
  });
}

// item(h) -> number | boolean
static napi_value item(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "item", [&](const at::Tensor& t) {
    if (t.numel() != 1)
      throw JsError("tstorch: item() needs a tensor with one element, this one has " + std::to_string(t.numel()));
    bool lazy = t._is_zerotensor() || t.is_neg() || t.is_conj();
    at::Scalar s = lazy ? materialized(t).item() : t.item();
    if (s.isBoolean()) return makeBool(env, s.toBool());
    if (s.isIntegral(false)) return makeNumber(env, static_cast<double>(s.toLong()));
    if (s.isComplex()) throw JsError("tstorch: item() of a complex tensor is not supported");
    return makeNumber(env, s.toDouble());
  });
}

static napi_value requiresGrad(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "requiresGrad", [&](const at::Tensor& t) { return makeBool(env, t.requires_grad()); });
}

static napi_value setRequiresGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    at::Tensor t = unwrapTensor(env, a[0], "requiresGrad_");
    t.set_requires_grad(getBool(env, a[1], "requiresGrad"));
    return makeUndefined(env);
  });
}

static napi_value isLeaf(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "isLeaf", [&](const at::Tensor& t) { return makeBool(env, t.is_leaf()); });
}

static napi_value gradFnName(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "gradFn", [&](const at::Tensor& t) {
    const auto& fn = t.grad_fn();
    if (!fn) return makeNull(env);
    return makeString(env, fn->name());
  });
}

static napi_value grad(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "grad", [&](const at::Tensor& t) { return wrapTensor(env, t.grad()); });
}

// setGrad(h, gradHandle | null): null clears the gradient (PyTorch's zero_grad(set_to_none=True)).
static napi_value setGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    at::Tensor t = unwrapTensor(env, a[0], "grad");
    if (isNullish(env, a[1])) {
      t.mutable_grad().reset();
    } else {
      const at::Tensor& g = unwrapTensor(env, a[1], "grad");
      // PyTorch's checks (THPVariable_set_grad): a gradient must match its tensor's dtype, device
      // and shape, or the optimiser's in-place updates would broadcast, cast or fail later.
      if (g.unsafeGetTensorImpl() == t.unsafeGetTensorImpl())
        throw JsError("tstorch: a tensor cannot be its own grad");
      if (g.scalar_type() != t.scalar_type())
        throw JsError(std::string("tstorch: assigned grad has dtype ") + c10::toString(g.scalar_type()) +
                      " but the tensor has " + c10::toString(t.scalar_type()));
      if (g.device() != t.device())
        throw JsError("tstorch: assigned grad is on " + g.device().str() + " but the tensor is on " + t.device().str());
      if (!g.sizes().equals(t.sizes()))
        throw JsError("tstorch: assigned grad has shape " + c10::str(g.sizes()) + " but the tensor has shape " +
                      c10::str(t.sizes()));
      t.mutable_grad() = g;
    }
    return makeUndefined(env);
  });
}

static napi_value retainGrad(napi_env env, napi_callback_info info) {
  return readTensor(env, info, "retainGrad", [&](const at::Tensor& t) {
    t.retain_grad();
    return makeUndefined(env);
  });
}

std::vector<Export> tensorExports() {
  return {
      {"fromBuffer", fromBuffer}, {"toBuffer", toBuffer},       {"dispose", dispose}, {"disposeMany", disposeMany},
      {"setScopeActive", setScopeActive}, {"reportHandles", reportHandles}, {"reportedBytes", reportedBytes},
      {"isDisposed", isDisposed}, {"shape", shape},             {"strides", strides},
      {"dim", dim},               {"numel", numel},             {"dtype", dtype},
      {"device", device},         {"isContiguous", isContiguous}, {"storageBytes", storageBytes},
      {"storageOffset", storageOffset}, {"dataPtr", dataPtr}, {"elementSize", elementSize},
      {"item", item},             {"requiresGrad", requiresGrad}, {"setRequiresGrad", setRequiresGrad},
      {"isLeaf", isLeaf},         {"gradFnName", gradFnName},   {"grad", grad},
      {"setGrad", setGrad},       {"retainGrad", retainGrad}, {"resultFlags", resultFlags},
  };
}

}  // namespace tstorch
