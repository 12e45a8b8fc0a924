// Any registered operator by schema name, through the c10 dispatcher with boxed arguments.
// Autograd works through this path: callBoxed enters at the Autograd dispatch key like any call.
//
// JS resolves overloads (it has the schemas: `schemas`, dispatch_schema.cc) and asks once for an op
// id; each call then converts JS values into IValues following the argument kinds compiled for that
// id (dispatch_schema.cc), or, for the commonest signatures, calls an unboxed fast path (here).
#include <ATen/EmptyTensor.h>
#include <ATen/ScalarOps.h>
#include <c10/util/TypeCast.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "dispatch.h"

namespace tstorch::dispatch {

namespace {

// Unboxed fast paths for the commonest signatures (a Tensor result from Tensor and Scalar
// arguments): skipping the IValue stack saves a good part of the per-call cost of small ops.
using SigT = at::Tensor(const at::Tensor&);
using SigTT = at::Tensor(const at::Tensor&, const at::Tensor&);
using SigTS = at::Tensor(const at::Tensor&, const at::Scalar&);
using SigTTS = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Scalar&);
using SigTSS = at::Tensor(const at::Tensor&, const at::Scalar&, const at::Scalar&);
// In-place operators (`Tensor(a!) self` first, the result an alias of it: mul_, add_, relu_, fill_):
// the same, writing self. They always enter at the top of the dispatcher (the Autograd and
// ADInplaceOrView layers bump version counters and refuse writes into leaves that require grad).
using SigI = at::Tensor&(at::Tensor&);
using SigIT = at::Tensor&(at::Tensor&, const at::Tensor&);
using SigIS = at::Tensor&(at::Tensor&, const at::Scalar&);
using SigITS = at::Tensor&(at::Tensor&, const at::Tensor&, const at::Scalar&);
using SigISS = at::Tensor&(at::Tensor&, const at::Scalar&, const at::Scalar&);
// ScalarAsTensor / ScalarAsTensorAlpha: `x * 0.5` as PyTorch's Python front end runs it, the
// Tensor overload with the number wrapped into a 0-d "wrapped number" tensor (same type promotion),
// one dispatch instead of the Scalar overload's two; InScalarAsTensor* the same for `x.mul_(0.5)`.
enum class Fast : uint8_t {
  None, T, TT, TS, TTS, TSS, ScalarAsTensor, ScalarAsTensorAlpha,
  I, IT, IS, ITS, ISS, InScalarAsTensor, InScalarAsTensorAlpha
};

// Typed handles made once (typed() checks the C++ signature against the schema on every call).
struct TypedHandles {
  c10::optional<c10::TypedOperatorHandle<SigT>> t;
  c10::optional<c10::TypedOperatorHandle<SigTT>> tt;
  c10::optional<c10::TypedOperatorHandle<SigTS>> ts;
  c10::optional<c10::TypedOperatorHandle<SigTTS>> tts;
  c10::optional<c10::TypedOperatorHandle<SigTSS>> tss;
  c10::optional<c10::TypedOperatorHandle<SigI>> i;
  c10::optional<c10::TypedOperatorHandle<SigIT>> it;
  c10::optional<c10::TypedOperatorHandle<SigIS>> is;
  c10::optional<c10::TypedOperatorHandle<SigITS>> its;
  c10::optional<c10::TypedOperatorHandle<SigISS>> iss;
};

struct CompiledOp {
  c10::OperatorHandle handle;
  std::string fullName;
  std::vector<ArgSpec> args;
  Fast fast = Fast::None;
  c10::optional<c10::OperatorHandle> tensorOverload;  // for the ScalarAsTensor paths
  TypedHandles typed;  // the fast path's handle (of tensorOverload for ScalarAsTensor*), set by setTyped
  // The call may enter below the Autograd layer when no tensor argument has autograd metadata
  // (belowAutogradAllowed says which operators).
  bool belowAutograd = false;
};

// Makes the typed handle of pattern f on h (the fast path calls it without re-checking the C++
// signature each time). False when h's kernels do not have that signature: no fast path then.
bool setTyped(CompiledOp& op, const c10::OperatorHandle& h, Fast f) {
  try {
    switch (f) {
      case Fast::T: op.typed.t = h.typed<SigT>(); break;
      case Fast::TT: case Fast::ScalarAsTensor: op.typed.tt = h.typed<SigTT>(); break;
      case Fast::TS: op.typed.ts = h.typed<SigTS>(); break;
      case Fast::TTS: case Fast::ScalarAsTensorAlpha: op.typed.tts = h.typed<SigTTS>(); break;
      case Fast::TSS: op.typed.tss = h.typed<SigTSS>(); break;
      case Fast::I: op.typed.i = h.typed<SigI>(); break;
      case Fast::IT: case Fast::InScalarAsTensor: op.typed.it = h.typed<SigIT>(); break;
      case Fast::IS: op.typed.is = h.typed<SigIS>(); break;
      case Fast::ITS: case Fast::InScalarAsTensorAlpha: op.typed.its = h.typed<SigITS>(); break;
      case Fast::ISS: op.typed.iss = h.typed<SigISS>(); break;
      case Fast::None: return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// The compiled operators, shared by every JS thread of the process (the main thread and each
// worker_thread run their own environment but call the same table). Readers take no lock: an
// operator, once published, never moves or changes (a std::vector's push_back moved elements
// under other threads' `const CompiledOp&`), so a call costs one acquire load. Writers (opId,
// the first use of an overload) serialise on opsMutex, which also guards the name -> id map.
constexpr uint32_t kMaxOps = 1u << 14;  // about 3,000 aten schemas in libtorch 1.13..2.x
std::atomic<const CompiledOp*> opTable[kMaxOps];
uint32_t opCount = 0;  // guarded by opsMutex
std::mutex opsMutex;
std::unordered_map<std::string, uint32_t>& opIds() {  // guarded by opsMutex
  static std::unordered_map<std::string, uint32_t> m;
  return m;
}

const CompiledOp* opById(uint32_t id) {
  return id < kMaxOps ? opTable[id].load(std::memory_order_acquire) : nullptr;
}

// The fast-path pattern that the schema's arguments allow (setTyped then checks the kernels): a
// Tensor result from Tensor and Scalar arguments, or an in-place operator whose one written
// argument is the first and whose result is that argument.
Fast fastPattern(const c10::OperatorHandle& h, const std::vector<ArgSpec>& args) {
  const auto& fs = h.schema();
  if (fs.returns().size() != 1 || fs.returns()[0].type()->kind() != c10::TypeKind::TensorType) return Fast::None;
  const bool inPlace = fs.returns()[0].alias_info() && fs.returns()[0].alias_info()->isWrite();
  std::string code;
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgSpec& a = args[i];
    const bool written = fs.arguments()[i].alias_info() && fs.arguments()[i].alias_info()->isWrite();
    if (a.optional || written != (inPlace && i == 0)) return Fast::None;
    if (written && a.kind == Kind::Tensor) code += 'I';
    else if (a.kind == Kind::Tensor) code += 'T';
    else if (a.kind == Kind::Scalar) code += 'S';
    else return Fast::None;
  }
  static const std::unordered_map<std::string, Fast> kCodes = {
      {"T", Fast::T},   {"TT", Fast::TT},   {"TS", Fast::TS},   {"TTS", Fast::TTS},   {"TSS", Fast::TSS},
      {"I", Fast::I},   {"IT", Fast::IT},   {"IS", Fast::IS},   {"ITS", Fast::ITS},   {"ISS", Fast::ISS}};
  auto f = kCodes.find(code);
  return f == kCodes.end() ? Fast::None : f->second;
}

// The fast path passes nullptr for an argument the call left out (no napi_get_undefined, no napi_typeof).
const at::Tensor& tensorArg(napi_env env, napi_value v, const ArgSpec& s) {
  if (v == nullptr) throw JsError("tstorch: missing argument '" + s.name + "'");
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) {
    napi_valuetype vt = typeOf(env, v);  // the error path only: say what was given instead
    if (vt == napi_undefined) throw JsError("tstorch: missing argument '" + s.name + "'");
    if (vt == napi_null) throw JsError("tstorch: argument '" + s.name + "' cannot be null");
    throw JsError("tstorch: expected a Tensor for '" + s.name + "'");
  }
  const at::Tensor& t = static_cast<Holder*>(data)->tensor;
  if (!t.defined()) throw JsError("tstorch: Tensor used after dispose() (" + s.name + kDisposedHint);
  return t;
}

// A zero tensor (_efficientzerotensor) is immutable. libtorch 1.13's ZeroTensor fallback refuses
// most writes into one, but resize_ passes it through, and resizing one calls the allocator its
// storage points to: a ZeroTensorAllocator that _efficientzerotensor made on its own stack, gone
// when it returned (SIGSEGV: randn.out, kron.out, nuclear_norm.dim_out with out= a zero tensor;
// PyTorch 1.13 reaches the same dangling pointer, and survives or not by what the stack holds).
// Every written argument is checked, on the boxed path and the in-place fast path.
void refuseZeroTensorWrite(const at::Tensor& t, const ArgSpec& s) {
  if (t.defined() && t._is_zerotensor())
    throw JsError("tstorch: argument '" + s.name + "' is a zero tensor (_efficientzerotensor), which cannot be written: " +
                  "ZeroTensors are immutable; write into a materialized one (z.clone())");
}

void refuseZeroTensorWrite(const c10::IValue& v, const ArgSpec& s) {
  if (v.isTensor()) refuseZeroTensorWrite(v.toTensor(), s);
  else if (v.isTensorList())
    for (const at::Tensor& t : v.toTensorVector()) refuseZeroTensorWrite(t, s);
}

// The argument an in-place operator writes (a copy of the handle's tensor: the same TensorImpl).
at::Tensor writtenArg(napi_env env, napi_value v, const ArgSpec& s) {
  const at::Tensor& t = tensorArg(env, v, s);
  refuseZeroTensorWrite(t, s);
  return t;
}

c10::Scalar scalarArg(napi_env env, napi_value v, const ArgSpec& s, const std::string& op) {
  if (v == nullptr) {  // left out: the default (add's alpha) without asking N-API what the value is
    if (s.defaultValue) return s.defaultValue->toScalar();
    throw JsError("tstorch: " + op + ": missing argument '" + s.name + "'");
  }
  double d;  // a number (the common case, `x.mul(0.5)`): one N-API call instead of typeof and then the value
  if (napi_get_value_double(env, v, &d) == napi_ok) return scalarOfNumber(d);
  napi_valuetype vt = typeOf(env, v);
  if (vt == napi_undefined || vt == napi_null) {
    if (vt == napi_undefined && s.defaultValue) return s.defaultValue->toScalar();
    throw JsError("tstorch: " + op + ": missing argument '" + s.name + "'");
  }
  return scalarOf(env, v, s.name);
}

// A number as the dtype `T`, converted as libtorch's copy kernel converts (unchecked: 1e39 as a float
// is inf, as in PyTorch's `x * 1e39`, where Scalar::to<float> would throw).
template <class T>
T numberAs(const c10::Scalar& s) {
  if (s.isFloatingPoint()) return c10::convert<T>(s.toDouble());
  if (s.isBoolean()) return c10::convert<T>(s.toBool());
  return c10::convert<T>(s.toLong());
}

// The 0-d "wrapped number" tensor of a scalar, as PyTorch's Python front end makes it. On the CPU
// whatever self's device: CUDA kernels take a 0-d CPU tensor as a kernel argument, where a CUDA one
// would cost a fill kernel more.
// For a float32 or float64 CPU `self` it is made in self's dtype, which is the dtype TensorIterator
// computes in (a wrapped number never promotes a floating tensor): made as a double (or an int64),
// every `x * 0.5` on a float tensor casts it with a `to()` of its own, half the op's cost on a small
// tensor (2.3 -> 1.3 us on [64,64]; PyTorch pays it too). The value is the one that cast gives, and
// float32's and float64's kernels compute in their own dtype, so results are the same to the bit.
// (Not for float16/bfloat16: PyTorch 2.x computes those in float32 with the number's original value.)
at::Tensor wrappedNumber(const c10::Scalar& s, const at::Tensor& self) {
  at::Tensor t;
  const auto st = self.scalar_type();
  if (self.is_cpu() && (st == at::kFloat || st == at::kDouble) && !s.isComplex()) {
    t = at::detail::empty_cpu({}, st);
    if (st == at::kFloat) *t.data_ptr<float>() = numberAs<float>(s);
    else *t.data_ptr<double>() = numberAs<double>(s);
  } else {
    t = c10::scalar_to_tensor(s);
  }
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

// Which operators may skip the Autograd layer for inputs without autograd metadata: those whose
// Autograd kernel is the generated VariableType one of a functional operator, which for such inputs
// (no requires_grad, no grad, no hooks, no forward-mode tangent, not a view) records nothing and
// only redispatches under AutoDispatchBelowADInplaceOrView, the guard that belowAutograd sets
// instead. Not: views (the Autograd kernel redispatches to ADInplaceOrView, whose view bookkeeping
// the guard would skip), CompositeImplicitAutograd operators (no Autograd kernel: they run with
// ADInplaceOrView on, for their inner views and in-place steps), operators of other namespaces (a
// JS kernel may use autograd inside), and aten::data, whose Autograd kernel is hand-written.
bool belowAutogradAllowed(const c10::OperatorHandle& h) {
  const auto& fs = h.schema();
  if (fs.name().rfind("aten::", 0) != 0 || fs.name() == "aten::data") return false;
  for (const auto& r : fs.returns())
    if (r.alias_info()) return false;
  return h.hasKernelForDispatchKey(c10::DispatchKey::Autograd) &&
         !h.hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd);
}

// No autograd metadata: the one field VariableType's kernels look at (requires_grad, grad_fn,
// forward grads, view info all live there). An inline field read on most versions.
inline bool plain(const at::Tensor& t) { return t.unsafeGetTensorImpl()->autograd_meta() == nullptr; }

// f() below the Autograd layer when `below`, as VariableType's own kernels call the next layer
// (ADInplaceOrView too, a fallthrough for functional operators); else through it. Saves a dispatch
// and VariableType's checks per call (bench/per-op-instructions.ts).
template <class F>
at::Tensor run(bool below, F&& f) {
  if (!below) return f();
  at::AutoDispatchBelowADInplaceOrView guard;
  return f();
}

at::Tensor callFast(napi_env env, const CompiledOp& op, napi_value* a) {
  const auto& x = op.args;
  const TypedHandles& h = op.typed;
  const bool b = op.belowAutograd;
  switch (op.fast) {
    case Fast::T: {
      const at::Tensor& s = tensorArg(env, a[0], x[0]);
      return run(b && plain(s), [&] { return h.t->call(s); });
    }
    case Fast::TT: {
      const at::Tensor& s = tensorArg(env, a[0], x[0]);
      const at::Tensor& o = tensorArg(env, a[1], x[1]);
      return run(b && plain(s) && plain(o), [&] { return h.tt->call(s, o); });
    }
    case Fast::TS: {
      const at::Tensor& s = tensorArg(env, a[0], x[0]);
      c10::Scalar v = scalarArg(env, a[1], x[1], op.fullName);
      return run(b && plain(s), [&] { return h.ts->call(s, v); });
    }
    case Fast::TTS: {
      const at::Tensor& s = tensorArg(env, a[0], x[0]);
      const at::Tensor& o = tensorArg(env, a[1], x[1]);
      c10::Scalar v = scalarArg(env, a[2], x[2], op.fullName);
      return run(b && plain(s) && plain(o), [&] { return h.tts->call(s, o, v); });
    }
    case Fast::TSS: {
      const at::Tensor& s = tensorArg(env, a[0], x[0]);
      c10::Scalar v = scalarArg(env, a[1], x[1], op.fullName);
      c10::Scalar w = scalarArg(env, a[2], x[2], op.fullName);
      return run(b && plain(s), [&] { return h.tss->call(s, v, w); });
    }
    case Fast::ScalarAsTensor:
    case Fast::ScalarAsTensorAlpha: {
      const at::Tensor& self = tensorArg(env, a[0], x[0]);
      at::Tensor other = wrappedNumber(scalarArg(env, a[1], x[1], op.fullName), self);  // never has autograd metadata
      if (op.fast == Fast::ScalarAsTensor) return run(b && plain(self), [&] { return h.tt->call(self, other); });
      c10::Scalar alpha = scalarArg(env, a[2], x[2], op.fullName);
      return run(b && plain(self), [&] { return h.tts->call(self, other, alpha); });
    }
    case Fast::I: {
      at::Tensor s = writtenArg(env, a[0], x[0]);
      return h.i->call(s);
    }
    case Fast::IT: {
      at::Tensor s = writtenArg(env, a[0], x[0]);
      return h.it->call(s, tensorArg(env, a[1], x[1]));
    }
    case Fast::IS: {
      at::Tensor s = writtenArg(env, a[0], x[0]);
      return h.is->call(s, scalarArg(env, a[1], x[1], op.fullName));
    }
    case Fast::ITS: {
      at::Tensor s = writtenArg(env, a[0], x[0]);
      const at::Tensor& o = tensorArg(env, a[1], x[1]);
      return h.its->call(s, o, scalarArg(env, a[2], x[2], op.fullName));
    }
    case Fast::ISS: {
      at::Tensor s = writtenArg(env, a[0], x[0]);
      c10::Scalar v = scalarArg(env, a[1], x[1], op.fullName);
      return h.iss->call(s, v, scalarArg(env, a[2], x[2], op.fullName));
    }
    case Fast::InScalarAsTensor:
    case Fast::InScalarAsTensorAlpha: {
      at::Tensor self = writtenArg(env, a[0], x[0]);
      at::Tensor other = wrappedNumber(scalarArg(env, a[1], x[1], op.fullName), self);
      if (op.fast == Fast::InScalarAsTensor) return h.it->call(self, other);
      return h.its->call(self, other, scalarArg(env, a[2], x[2], op.fullName));
    }
    case Fast::None: break;
  }
  throw JsError("tstorch: internal: no fast path");
}

}  // namespace

// opId(name, overload) -> number: compiles the argument kinds once; same id for the same op.
static napi_value opId(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    std::string name = getString(env, a[0], "name");
    std::string overload = typeOf(env, a[1]) == napi_string ? getString(env, a[1], "overload") : "";
    if (name.find("::") == std::string::npos) name = "aten::" + name;
    std::string full = overload.empty() ? name : name + "." + overload;
    std::lock_guard<std::mutex> lock(opsMutex);
    auto it = opIds().find(full);
    if (it != opIds().end()) return makeNumber(env, it->second);
    auto h = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!h) throw JsError("tstorch: unknown operator " + full);
    if (opCount >= kMaxOps) throw JsError("tstorch: internal: more than " + std::to_string(kMaxOps) + " operators compiled");
    auto op = std::make_unique<CompiledOp>(CompiledOp{*h, full, {}});
    for (const auto& arg : h->schema().arguments()) op->args.push_back(specOf(arg));
    op->fast = fastPattern(*h, op->args);
    if (!setTyped(*op, *h, op->fast)) op->fast = Fast::None;
    // add/sub/mul/div (and add_ ... div_) with a number: run the Tensor overload on a wrapped number, as Python does
    static const std::vector<std::string> kWrapped = {"aten::add", "aten::sub", "aten::mul", "aten::div",
                                                      "aten::add_", "aten::sub_", "aten::mul_", "aten::div_"};
    if (overload == "Scalar" && std::find(kWrapped.begin(), kWrapped.end(), name) != kWrapped.end()) {
      auto t = c10::Dispatcher::singleton().findSchema({name, "Tensor"});
      Fast wrapped = op->fast == Fast::TS    ? Fast::ScalarAsTensor
                     : op->fast == Fast::TSS ? Fast::ScalarAsTensorAlpha
                     : op->fast == Fast::IS  ? Fast::InScalarAsTensor
                     : op->fast == Fast::ISS ? Fast::InScalarAsTensorAlpha
                                             : Fast::None;
      if (t && wrapped != Fast::None && setTyped(*op, *t, wrapped)) {
        op->fast = wrapped;
        op->tensorOverload = *t;
      }
    }
    if (op->fast != Fast::None) op->belowAutograd = belowAutogradAllowed(op->tensorOverload ? *op->tensorOverload : *h);
    uint32_t id = opCount++;
    opIds().emplace(full, id);
    // Published complete: a reader that sees the pointer sees every field (never freed: ids live
    // as long as the process).
    opTable[id].store(op.release(), std::memory_order_release);
    return makeNumber(env, id);
  });
}

// An argument error as the user should read it: naming the operator it was given to.
static std::string namingOp(const std::string& op, const std::string& msg) {
  if (msg.find(op) != std::string::npos) return msg;
  const std::string prefix = "tstorch: ";
  std::string rest = msg.compare(0, prefix.size(), prefix) == 0 ? msg.substr(prefix.size()) : msg;
  return prefix + op + ": " + rest;
}

// A kernel's own error (libtorch's message), with the operator named and, for a dtype mismatch,
// what to do about it: "expected scalar type Float but found Long" alone names neither.
static std::string kernelError(const std::string& op, const c10::Error& e) {
  std::string msg = namingOp(op, e.what_without_backtrace());
  if (msg.find("expected scalar type") != std::string::npos || msg.find("same dtype") != std::string::npos)
    msg += " (the tensors' dtypes differ: convert one, e.g. x.to(\"float32\"); torch.tensor() of plain JS numbers is"
           " float32, of bigints int64)";
  else if (msg.find("Found dtype") != std::string::npos)  // the loss kernels' check of target against input
    msg += " (the target's dtype must be the input's: convert it, e.g. target.float() or target.to(input.dtype))";
  return msg;
}

// call(id, ...args) -> undefined | value | [values]. Missing trailing arguments take the schema's
// defaults; null stands for an absent optional.
// `into`: argv[0] is a disposed handle to reuse for a single-tensor result (callInto).
static napi_value runOp(napi_env env, napi_callback_info info, bool wantResult, bool into = false) {
  return guarded(env, [&]() -> napi_value {
    // Most calls pass few arguments: read 8 first (N-API pads the rest of the buffer with
    // undefined), and only re-read with room for 32 when there are more.
    constexpr size_t kMax = 32;
    napi_value argv[kMax];
    size_t argc = 8;
    check(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "get_cb_info");
    if (argc > 8) {
      argc = kMax;
      check(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "get_cb_info");
      if (argc > kMax) argc = kMax;
    }
    const size_t first = into ? 1 : 0;  // index of the op id
    if (argc < first + 1) throw JsError("tstorch: call needs an op id");
    uint32_t id = 0;
    const CompiledOp* found = napi_get_value_uint32(env, argv[first], &id) == napi_ok ? opById(id) : nullptr;
    if (!found) throw JsError("tstorch: bad op id (an operator this libtorch does not have?)");
    const CompiledOp& op = *found;
    napi_value* args = argv + first + 1;
    size_t given = argc - first - 1;
    if (given > op.args.size())
      throw JsError("tstorch: " + op.fullName + " takes " + std::to_string(op.args.size()) + " arguments, got " +
                    std::to_string(given));
    if (op.fast != Fast::None) {
      napi_value a[3];
      for (size_t i = 0; i < 3; ++i) a[i] = i < given ? args[i] : nullptr;
      at::Tensor r;
      try {
        r = callFast(env, op, a);
      } catch (const JsError& e) {
        throw JsError(namingOp(op.fullName, e.what()));
      } catch (const c10::Error& e) {
        throw JsError(kernelError(op.fullName, e));
      }
      if (!wantResult) return makeUndefined(env);
      return into ? rewrapTensor(env, argv[0], std::move(r)) : wrapTensor(env, std::move(r));
    }
    napi_value undef = makeUndefined(env);
    torch::jit::Stack stack;
    try {
      stack.reserve(op.args.size());
      for (size_t i = 0; i < op.args.size(); ++i) {
        stack.push_back(toIValue(env, i < given ? args[i] : undef, op.args[i], op.fullName));
        if (op.args[i].write) refuseZeroTensorWrite(stack.back(), op.args[i]);
      }
    } catch (const JsError& e) {
      throw JsError(namingOp(op.fullName, e.what()));  // "expected a Tensor for 'self'": of which call?
    } catch (const c10::Error& e) {
      throw JsError(kernelError(op.fullName, e));
    }
    try {
      op.handle.callBoxed(&stack);
    } catch (const c10::Error& e) {
      throw JsError(kernelError(op.fullName, e));
    }
    if (stack.empty() || !wantResult) return undef;
    if (stack.size() == 1) {
      if (into && stack[0].isTensor()) return rewrapTensor(env, argv[0], std::move(stack[0]).toTensor());
      return fromIValue(env, stack[0]);
    }
    napi_value arr;
    check(napi_create_array_with_length(env, stack.size(), &arr), "create_array");
    for (size_t i = 0; i < stack.size(); ++i) check(napi_set_element(env, arr, i, fromIValue(env, stack[i])), "set");
    return arr;
  });
}

static napi_value call(napi_env env, napi_callback_info info) { return runOp(env, info, true); }

// callInPlace(id, ...args) -> undefined: for in-place ops, whose result is only an alias of `self`;
// skips creating a handle that the caller would dispose at once.
static napi_value callInPlace(napi_env env, napi_callback_info info) { return runOp(env, info, false); }

// callInto(recycledHandle, id, ...args): as call, but a single-tensor result comes back in the
// recycled (disposed) handle, saving the creation of an External and its finalizer.
static napi_value callInto(napi_env env, napi_callback_info info) { return runOp(env, info, true, true); }

}  // namespace tstorch::dispatch

namespace tstorch {
std::vector<Export> dispatchExports() {
  using namespace dispatch;
  return {{"opId", opId}, {"call", call}, {"callInPlace", callInPlace}, {"callInto", callInto}};
}
}  // namespace tstorch
