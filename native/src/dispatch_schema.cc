// The operator dispatcher's schemas and arguments: every registered operator's schema for JS (which
// resolves overloads), each argument compiled into the kind that converts it, and JS values <-> IValues
// by that kind. dispatch.cc calls the operators.
#include "dispatch.h"

#include <ATen/ScalarOps.h>

#include <cmath>
#include <string>

namespace tstorch::dispatch {

namespace {

Kind kindOfElement(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::TensorType: return Kind::TensorList;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: return Kind::IntList;
    case c10::TypeKind::FloatType: return Kind::FloatList;
    case c10::TypeKind::BoolType: return Kind::BoolList;
    case c10::TypeKind::NumberType: return Kind::ScalarList;
    case c10::TypeKind::OptionalType:
      if (t->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType)
        return Kind::OptTensorList;
      return Kind::Unsupported;
    default: return Kind::Unsupported;
  }
}

// A float argument: a JS number, or the {tstorchFloat: x} object that torch.scalar(x) makes (a
// float Scalar wherever the schema says `float`, as Python passes 2.0).
double floatOf(napi_env env, napi_value v, const std::string& what) {
  if (typeOf(env, v) == napi_object) {
    bool has = false;
    napi_has_named_property(env, v, "tstorchFloat", &has);
    if (has) {
      napi_value f;
      check(napi_get_named_property(env, v, "tstorchFloat", &f), "get_named_property");
      return getNumber(env, f, what.c_str());
    }
  }
  return getNumber(env, v, what.c_str());
}

napi_value typeString(napi_env env, const c10::Argument& a) {
  std::string s = a.real_type()->str();
  if (a.N()) {  // int[2] rather than int[]: a single int may stand for the whole list
    size_t at = s.rfind("[]");
    if (at != std::string::npos) s = s.substr(0, at + 1) + std::to_string(*a.N()) + s.substr(at + 1);
  }
  return makeString(env, s);
}

}  // namespace

ArgSpec specOf(const c10::Argument& arg) {
  ArgSpec s{arg.name(), Kind::Unsupported, false, arg.N() ? *arg.N() : 0, arg.default_value()};
  s.write = arg.alias_info() && arg.alias_info()->isWrite();
  c10::TypePtr t = arg.real_type();
  if (t->kind() == c10::TypeKind::OptionalType) {
    s.optional = true;
    t = t->castRaw<c10::OptionalType>()->getElementType();
  }
  switch (t->kind()) {
    case c10::TypeKind::TensorType: s.kind = Kind::Tensor; break;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: s.kind = Kind::Int; break;
    case c10::TypeKind::ScalarTypeType:
      s.kind = Kind::Int;
      s.enumLimit = static_cast<int64_t>(at::ScalarType::NumOptions);
      break;
    case c10::TypeKind::LayoutType:
      s.kind = Kind::Int;
      s.enumLimit = static_cast<int64_t>(at::Layout::NumOptions);
      break;
    case c10::TypeKind::MemoryFormatType:
      s.kind = Kind::Int;
      s.enumLimit = static_cast<int64_t>(at::MemoryFormat::NumOptions);
      break;
    case c10::TypeKind::FloatType: s.kind = Kind::Float; break;
    case c10::TypeKind::BoolType: s.kind = Kind::Bool; break;
    case c10::TypeKind::NumberType: s.kind = Kind::Scalar; break;
    case c10::TypeKind::StringType: s.kind = Kind::String; break;
    case c10::TypeKind::DeviceObjType: s.kind = Kind::Device; break;
    case c10::TypeKind::GeneratorType: s.kind = Kind::Generator; break;
    case c10::TypeKind::ListType: s.kind = kindOfElement(t->castRaw<c10::ListType>()->getElementType()); break;
    default: s.kind = Kind::Unsupported;
  }
  return s;
}

// A JS number is an int Scalar when it is a whole number (as Python's `2`), else a float; an
// object {tstorchFloat: x} forces a float Scalar (torch.scalar(2, "float")); bigint is int64.
c10::Scalar scalarOfNumber(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= 9007199254740992.0) return c10::Scalar(static_cast<int64_t>(d));
  return c10::Scalar(d);
}

c10::Scalar scalarOf(napi_env env, napi_value v, const std::string& what) {
  switch (typeOf(env, v)) {
    case napi_boolean: return c10::Scalar(getBool(env, v, what.c_str()));
    case napi_bigint: return c10::Scalar(getInt(env, v, what.c_str()));
    case napi_number: return scalarOfNumber(getNumber(env, v, what.c_str()));
    case napi_object: {
      bool has = false;
      napi_has_named_property(env, v, "tstorchFloat", &has);
      if (has) {
        napi_value f;
        check(napi_get_named_property(env, v, "tstorchFloat", &f), "get_named_property");
        return c10::Scalar(getNumber(env, f, what.c_str()));
      }
      // {tstorchComplex: [re, im]}: a complex Scalar, as Python passes 1+2j
      napi_has_named_property(env, v, "tstorchComplex", &has);
      if (has) {
        napi_value pair;
        check(napi_get_named_property(env, v, "tstorchComplex", &pair), "get_named_property");
        if (!isArray(env, pair) || arrayLength(env, pair) != 2)
          throw JsError("tstorch: a complex Scalar for '" + what + "' is {tstorchComplex: [re, im]}");
        return c10::Scalar(c10::complex<double>(getNumber(env, arrayGet(env, pair, 0), what.c_str()),
                                                getNumber(env, arrayGet(env, pair, 1), what.c_str())));
      }
      break;
    }
    default: break;
  }
  throw JsError("tstorch: expected a number for Scalar argument '" + what + "'");
}

c10::IValue toIValue(napi_env env, napi_value v, const ArgSpec& s, const std::string& op) {
  if (s.kind == Kind::Tensor) {  // hot path: no typeof round trip for the common case
    void* data = nullptr;
    if (napi_get_value_external(env, v, &data) == napi_ok && data != nullptr) {
      const at::Tensor& t = static_cast<Holder*>(data)->tensor;
      if (!t.defined()) throw JsError("tstorch: Tensor used after dispose() (" + s.name + kDisposedHint);
      return t;
    }
  }
  napi_valuetype vt = typeOf(env, v);
  if (vt == napi_undefined) {
    // Left out: the schema's default, else an error, as PyTorch's binding does. An optional
    // argument without a default (`Tensor? input_bias`) must be given; only null means None
    // (passing None for it sent *_cell_backward kernels into null tensors).
    if (s.defaultValue) return *s.defaultValue;
    if (s.optional)
      throw JsError("tstorch: " + op + ": missing value for argument '" + s.name + "' (pass null for None)");
    throw JsError("tstorch: " + op + ": missing argument '" + s.name + "'");
  }
  if (vt == napi_null) {
    if (s.optional) return c10::IValue();
    throw JsError("tstorch: " + op + ": argument '" + s.name + "' cannot be null");
  }
  const char* what = s.name.c_str();
  switch (s.kind) {
    case Kind::Tensor: return unwrapTensor(env, v, what);
    case Kind::TensorList:
    case Kind::OptTensorList: {
      if (!isArray(env, v)) throw JsError("tstorch: " + op + ": expected an array of Tensors for '" + s.name + "'");
      uint32_t n = arrayLength(env, v);
      if (s.kind == Kind::TensorList) {
        c10::List<at::Tensor> list;
        list.reserve(n);
        for (uint32_t i = 0; i < n; ++i) list.push_back(unwrapTensor(env, arrayGet(env, v, i), what));
        return list;
      }
      c10::List<c10::optional<at::Tensor>> list;
      list.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        napi_value e = arrayGet(env, v, i);
        napi_valuetype et = typeOf(env, e);
        if (et == napi_null || et == napi_undefined) list.push_back(c10::nullopt);
        else list.push_back(unwrapTensor(env, e, what));
      }
      return list;
    }
    case Kind::Int: {
      int64_t x = getInt(env, v, what);
      if (s.enumLimit && (x < 0 || x >= s.enumLimit))
        throw JsError("tstorch: " + op + ": " + std::to_string(x) + " is not a valid code for '" + s.name + "'");
      return x;
    }
    case Kind::IntList: {
      if (!isArray(env, v)) {
        int64_t x = getInt(env, v, what);  // a single int stands for int[N], as in Python
        return c10::List<int64_t>(std::vector<int64_t>(s.fixedLength > 0 ? s.fixedLength : 1, x));
      }
      return c10::List<int64_t>(getIntList(env, v, what));
    }
    case Kind::Float: return floatOf(env, v, s.name);
    case Kind::FloatList: {
      if (!isArray(env, v)) throw JsError("tstorch: " + op + ": expected an array of numbers for '" + s.name + "'");
      uint32_t n = arrayLength(env, v);
      c10::List<double> list;
      for (uint32_t i = 0; i < n; ++i) list.push_back(floatOf(env, arrayGet(env, v, i), s.name));
      return list;
    }
    case Kind::Bool: return getBool(env, v, what);
    case Kind::BoolList: {
      if (!isArray(env, v)) throw JsError("tstorch: " + op + ": expected an array of booleans for '" + s.name + "'");
      uint32_t n = arrayLength(env, v);
      c10::List<bool> list;
      for (uint32_t i = 0; i < n; ++i) list.push_back(getBool(env, arrayGet(env, v, i), what));
      return list;
    }
    case Kind::Scalar: return scalarOf(env, v, s.name);
    case Kind::ScalarList: {
      if (!isArray(env, v)) throw JsError("tstorch: " + op + ": expected an array of numbers for '" + s.name + "'");
      uint32_t n = arrayLength(env, v);
      std::vector<c10::Scalar> xs;
      for (uint32_t i = 0; i < n; ++i) xs.push_back(scalarOf(env, arrayGet(env, v, i), s.name));
      return c10::IValue(c10::List<c10::Scalar>(xs));
    }
    case Kind::String: return getString(env, v, what);
    case Kind::Device: return c10::Device(getString(env, v, what));
    case Kind::Generator:
      throw JsError("tstorch: " + op + ": explicit generators are not supported; pass null for '" + s.name + "'");
    case Kind::Unsupported: break;
  }
  throw JsError("tstorch: " + op + ": argument '" + s.name + "' has a type tstorch cannot pass");
}

napi_value fromIValue(napi_env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return makeNull(env);
  if (v.isInt()) return makeInt64(env, v.toInt());
  if (v.isDouble()) return makeNumber(env, v.toDouble());
  if (v.isBool()) return makeBool(env, v.toBool());
  if (v.isString()) return makeString(env, v.toStringRef());
  if (v.isDevice()) return makeString(env, v.toDevice().str());
  if (v.isScalar()) {
    at::Scalar s = v.toScalar();
    if (s.isIntegral(false)) return makeInt64(env, s.toLong());
    if (s.isBoolean()) return makeBool(env, s.toBool());
    if (s.isComplex()) {  // {tstorchComplex: [re, im]}, the form complex Scalars are passed in
      c10::complex<double> c = s.toComplexDouble();
      napi_value o, pair;
      check(napi_create_object(env, &o), "create_object");
      check(napi_create_array_with_length(env, 2, &pair), "create_array");
      check(napi_set_element(env, pair, 0, makeNumber(env, c.real())), "set");
      check(napi_set_element(env, pair, 1, makeNumber(env, c.imag())), "set");
      check(napi_set_named_property(env, o, "tstorchComplex", pair), "set_named_property");
      return o;
    }
    return makeNumber(env, s.toDouble());
  }
  if (v.isTuple() || v.isList()) {
    std::vector<c10::IValue> items;
    if (v.isTuple()) {
      for (const auto& e : v.toTupleRef().elements()) items.push_back(e);
    } else {
      for (const auto& e : v.toListRef()) items.push_back(e);
    }
    napi_value arr;
    check(napi_create_array_with_length(env, items.size(), &arr), "create_array");
    for (size_t i = 0; i < items.size(); ++i) check(napi_set_element(env, arr, i, fromIValue(env, items[i])), "set");
    return arr;
  }
  throw JsError(std::string("tstorch: cannot return a value of type ") + v.tagKind() + " to JavaScript");
}

namespace {

// schemas() -> [[name, overload, [[argName, type, hasDefault, kwargOnly, writes]...], [returnType...]], ...]
napi_value schemas(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto names = c10::Dispatcher::singleton().getAllOpNames();
    napi_value out;
    check(napi_create_array(env, &out), "create_array");  // grows to the operators that have a schema (no holes)
    uint32_t k = 0;
    for (const auto& n : names) {
      auto h = c10::Dispatcher::singleton().findOp(n);
      if (!h || !h->hasSchema()) continue;
      const c10::FunctionSchema& fs = h->schema();
      napi_value args;
      check(napi_create_array_with_length(env, fs.arguments().size(), &args), "create_array");
      for (size_t i = 0; i < fs.arguments().size(); ++i) {
        const auto& a = fs.arguments()[i];
        napi_value row;
        check(napi_create_array_with_length(env, 5, &row), "create_array");
        napi_set_element(env, row, 0, makeString(env, a.name()));
        napi_set_element(env, row, 1, typeString(env, a));
        napi_set_element(env, row, 2, makeBool(env, a.default_value().has_value()));
        napi_set_element(env, row, 3, makeBool(env, a.kwarg_only()));
        napi_set_element(env, row, 4, makeBool(env, a.alias_info() && a.alias_info()->isWrite()));
        napi_set_element(env, args, i, row);
      }
      napi_value rets;
      check(napi_create_array_with_length(env, fs.returns().size(), &rets), "create_array");
      for (size_t i = 0; i < fs.returns().size(); ++i) napi_set_element(env, rets, i, typeString(env, fs.returns()[i]));
      napi_value entry;
      check(napi_create_array_with_length(env, 4, &entry), "create_array");
      napi_set_element(env, entry, 0, makeString(env, n.name));
      napi_set_element(env, entry, 1, makeString(env, n.overload_name));
      napi_set_element(env, entry, 2, args);
      napi_set_element(env, entry, 3, rets);
      napi_set_element(env, out, k++, entry);
    }
    return out;
  });
}

}  // namespace

}  // namespace tstorch::dispatch

namespace tstorch {
std::vector<Export> dispatchSchemaExports() { return {{"schemas", dispatch::schemas}}; }
}  // namespace tstorch
