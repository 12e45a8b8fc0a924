// The dispatcher's unboxed fast path: the commonest signatures (a Tensor result from Tensor and
// Scalar arguments, and in-place operators writing their first argument) called through typed
// handles, with no IValue stack, and where it is safe below the Autograd layer (dispatch_fast.h).
#include <ATen/EmptyTensor.h>
#include <ATen/ScalarOps.h>
#include <c10/util/TypeCast.h>

#include <string>
#include <unordered_map>

#include "dispatch_fast.h"

namespace tstorch::dispatch {

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

namespace {

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

}  // namespace

void refuseZeroTensorWrite(const c10::IValue& v, const ArgSpec& s) {
  if (v.isTensor()) refuseZeroTensorWrite(v.toTensor(), s);
  else if (v.isTensorList())
    for (const at::Tensor& t : v.toTensorVector()) refuseZeroTensorWrite(t, s);
}

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace tstorch::dispatch
