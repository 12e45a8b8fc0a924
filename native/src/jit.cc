// TorchScript in and out (src/jit/): torch::jit::load, a loaded module's parameters, methods and
// schemas, running methods (on the JS thread or, for serving, on a libuv pool thread), save, and
// torch::jit::tracer driving a JS forward into a new scripted module.
//
// <torch/script.h> is heavy (~30 s and ~1 GB of compiler memory): it is included here only.
//
// JS <-> TorchScript values. Arguments are converted following the method's schema (a JS array
// becomes a List or a Tuple as the argument's type says), values typed Any by inference. Results:
// Tensor -> handle, int/float -> number (ints past 2^53 -> bigint), bool, str, None -> null,
// List/Tuple -> array, Dict[str, V] -> plain object, Dict[int, V] -> Map. Anything else is a
// JsError naming the value's type and where it was found.
//
// No static state lives here (several threads run methods at once); libtorch's tracing state is
// thread-local and only ever set on the JS thread.
#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/frontend/tracer.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"

namespace tstorch {

namespace {

using c10::IValue;
using c10::TypePtr;

// Distinguishes module handles from tensor handles (both are napi Externals).
const napi_type_tag kModuleTag = {0x7473746f7263686aULL, 0x69746d6f64756c65ULL};

struct ModuleBox {
  torch::jit::Module module;
};

void finalizeModule(node_api_basic_env /*env*/, void* data, void* /*hint*/) {
  delete static_cast<ModuleBox*>(data);
}

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

// ------------------------------------------------------------------ small JS helpers
napi_value global(napi_env env, const char* name) {
  napi_value g, v;
  check(napi_get_global(env, &g), "get_global");
  check(napi_get_named_property(env, g, name, &v), "get_named_property");
  return v;
}

napi_value property(napi_env env, napi_value obj, const char* name) {
  napi_value v;
  check(napi_get_named_property(env, obj, name, &v), "get_named_property");
  return v;
}

bool isMap(napi_env env, napi_value v) {
  if (typeOf(env, v) != napi_object) return false;
  bool r = false;
  check(napi_instanceof(env, v, global(env, "Map"), &r), "instanceof");
  return r;
}

// [key, value] pairs of a JS Map (Array.from(map)).
napi_value mapEntries(napi_env env, napi_value map) {
  napi_value arrayCtor = global(env, "Array");
  napi_value from = property(env, arrayCtor, "from");
  napi_value out;
  check(napi_call_function(env, arrayCtor, from, 1, &map, &out), "Array.from");
  return out;
}

napi_value ownKeys(napi_env env, napi_value obj) {
  napi_value keys;
  check(napi_get_all_property_names(env, obj, napi_key_own_only,
                                    static_cast<napi_key_filter>(napi_key_enumerable | napi_key_skip_symbols),
                                    napi_key_numbers_to_strings, &keys),
        "get_all_property_names");
  return keys;
}

// What a JS value is, for conversions and for error messages.
std::string describe(napi_env env, napi_value v) {
  switch (typeOf(env, v)) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: {
      double d = getNumber(env, v, "value");
      std::ostringstream os;
      os << "the number " << d;
      return os.str();
    }
    case napi_bigint: return "a bigint";
    case napi_string: return "a string";
    case napi_external: return isModuleHandle(env, v) ? "a ScriptModule" : "a Tensor";
    case napi_function: return "a function";
    case napi_symbol: return "a symbol";
    case napi_object:
      if (isArray(env, v)) return "an array of " + std::to_string(arrayLength(env, v));
      if (isMap(env, v)) return "a Map";
      return "an object";
  }
  return "a value";
}

bool isIntegral(double d) { return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18; }

// ------------------------------------------------------------------ JS -> IValue
struct ToIValue {
  napi_env env;
  std::string where;  // "forward()" or "jit.trace()": the prefix of every error

  [[noreturn]] void fail(const std::string& path, const std::string& expected, napi_value v) const {
    throw JsError("tstorch: " + where + ": " + path + " must be " + expected + ", got " + describe(env, v));
  }

  at::Tensor tensor(napi_value v, const std::string& path) const {
    if (typeOf(env, v) != napi_external || isModuleHandle(env, v)) fail(path, "a Tensor", v);
    return unwrapTensor(env, v, path.c_str());
  }

  IValue dictKey(const std::string& key, napi_value jsKey, const TypePtr& keyType, const std::string& path) const {
    if (keyType->kind() == c10::TypeKind::StringType) return IValue(key);
    if (keyType->kind() == c10::TypeKind::IntType) {
      if (jsKey != nullptr) return IValue(getInt(env, jsKey, (path + " key").c_str()));
      // a plain object's keys are strings: accept those that spell an integer
      char* end = nullptr;
      long long x = std::strtoll(key.c_str(), &end, 10);
      if (key.empty() || *end != '\0') throw JsError("tstorch: " + where + ": " + path + " has key '" + key + "', not an integer (the dict's keys are int)");
      return IValue(static_cast<int64_t>(x));
    }
    throw JsError("tstorch: " + where + ": " + path + " is a Dict with " + keyType->repr_str() +
                  " keys; tstorch converts dicts with str or int keys only");
  }

  IValue dict(napi_value v, const TypePtr& keyType, const TypePtr& valueType, const std::string& path) const {
    if (typeOf(env, v) != napi_object || isArray(env, v)) fail(path, "an object or a Map (" + c10::DictType::create(keyType, valueType)->repr_str() + ")", v);
    c10::impl::GenericDict d(keyType, valueType);
    if (isMap(env, v)) {
      napi_value entries = mapEntries(env, v);
      uint32_t n = arrayLength(env, entries);
      for (uint32_t i = 0; i < n; ++i) {
        napi_value kv = arrayGet(env, entries, i);
        napi_value k = arrayGet(env, kv, 0);
        napi_value val = arrayGet(env, kv, 1);
        std::string ks;
        if (typeOf(env, k) == napi_string) {
          ks = getString(env, k, "key");
          k = nullptr;
        } else if (keyType->kind() == c10::TypeKind::StringType) {
          fail(path + " key", "a string", k);
        }
        IValue key = dictKey(ks, k, keyType, path);
        std::ostringstream p;
        p << path << "[" << key << "]";
        d.insert_or_assign(std::move(key), convert(val, valueType, p.str()));
      }
    } else {
      napi_value keys = ownKeys(env, v);
      uint32_t n = arrayLength(env, keys);
      for (uint32_t i = 0; i < n; ++i) {
        std::string ks = getString(env, arrayGet(env, keys, i), "key");
        napi_value val;
        check(napi_get_named_property(env, v, ks.c_str(), &val), "get_named_property");
        IValue key = dictKey(ks, nullptr, keyType, path);
        d.insert_or_assign(std::move(key), convert(val, valueType, path + "['" + ks + "']"));
      }
    }
    return IValue(std::move(d));
  }

  // A value of the given TorchScript type.
  IValue convert(napi_value v, const TypePtr& type, const std::string& path) const {
    using K = c10::TypeKind;
    napi_valuetype jt = typeOf(env, v);
    switch (type->kind()) {
      case K::TensorType:
        return tensor(v, path);
      case K::IntType:
        if (jt != napi_number && jt != napi_bigint) fail(path, "an int", v);
        if (jt == napi_number && !isIntegral(getNumber(env, v, path.c_str()))) fail(path, "an int (a whole number)", v);
        return IValue(getInt(env, v, path.c_str()));
      case K::FloatType:
        if (jt != napi_number) fail(path, "a float (a number)", v);
        return IValue(getNumber(env, v, path.c_str()));
      case K::NumberType: {
        if (jt == napi_bigint) return IValue(getInt(env, v, path.c_str()));
        if (jt != napi_number) fail(path, "a number", v);
        double d = getNumber(env, v, path.c_str());
        return isIntegral(d) ? IValue(static_cast<int64_t>(d)) : IValue(d);
      }
      case K::BoolType:
        if (jt != napi_boolean) fail(path, "a boolean", v);
        return IValue(getBool(env, v, path.c_str()));
      case K::StringType:
        if (jt != napi_string) fail(path, "a string", v);
        return IValue(getString(env, v, path.c_str()));
      case K::NoneType:
        if (!isNullish(env, v)) fail(path, "null (None)", v);
        return IValue();
      case K::DeviceObjType:
        if (jt != napi_string) fail(path, "a device string such as 'cpu'", v);
        return IValue(c10::Device(getString(env, v, path.c_str())));
      case K::OptionalType:
        if (isNullish(env, v)) return IValue();
        return convert(v, type->expectRef<c10::OptionalType>().getElementType(), path);
      case K::ListType: {
        const TypePtr& elem = type->expectRef<c10::ListType>().getElementType();
        if (!isArray(env, v)) fail(path, "an array (" + type->repr_str() + ")", v);
        c10::impl::GenericList list(elem);
        uint32_t n = arrayLength(env, v);
        list.reserve(n);
        for (uint32_t i = 0; i < n; ++i) list.push_back(convert(arrayGet(env, v, i), elem, path + "[" + std::to_string(i) + "]"));
        return IValue(std::move(list));
      }
      case K::TupleType: {
        auto tuple = type->expect<c10::TupleType>();
        const auto& elems = tuple->elements();
        if (!isArray(env, v) || arrayLength(env, v) != elems.size())
          fail(path, "an array of " + std::to_string(elems.size()) + " (" + type->repr_str() + ")", v);
        std::vector<IValue> xs;
        xs.reserve(elems.size());
        for (size_t i = 0; i < elems.size(); ++i)
          xs.push_back(convert(arrayGet(env, v, static_cast<uint32_t>(i)), elems[i], path + "[" + std::to_string(i) + "]"));
        if (tuple->schema()) return IValue(c10::ivalue::Tuple::createNamed(std::move(xs), tuple));
        return IValue(c10::ivalue::Tuple::create(std::move(xs)));
      }
      case K::DictType: {
        const auto& dt = type->expectRef<c10::DictType>();
        return dict(v, dt.getKeyType(), dt.getValueType(), path);
      }
      case K::UnionType: {
        for (const TypePtr& alt : type->expectRef<c10::UnionType>().containedTypes()) {
          try {
            return convert(v, alt, path);
          } catch (const std::exception&) {
          }
        }
        fail(path, "one of " + type->repr_str(), v);
      }
      case K::AnyType:
        return infer(v, path);
      default:
        throw JsError("tstorch: " + where + ": " + path + " has TorchScript type " + type->repr_str() +
                      ", which tstorch does not convert (Tensor, int, float, bool, str, None, Optional, List, Tuple, "
                      "Dict[str|int, ...] and Any are supported)");
    }
  }

  // A value of unknown type (Any, trace inputs): arrays become Lists when their elements agree on
  // a type, else Tuples; objects become Dict[str, ...], Maps with number keys Dict[int, ...].
  IValue infer(napi_value v, const std::string& path) const {
    switch (typeOf(env, v)) {
      case napi_undefined:
      case napi_null: return IValue();
      case napi_boolean: return IValue(getBool(env, v, path.c_str()));
      case napi_number: {
        double d = getNumber(env, v, path.c_str());
        return isIntegral(d) ? IValue(static_cast<int64_t>(d)) : IValue(d);
      }
      case napi_bigint: return IValue(getInt(env, v, path.c_str()));
      case napi_string: return IValue(getString(env, v, path.c_str()));
      case napi_external: return tensor(v, path);
      case napi_object: {
        if (isArray(env, v)) {
          uint32_t n = arrayLength(env, v);
          std::vector<IValue> xs;
          for (uint32_t i = 0; i < n; ++i) xs.push_back(infer(arrayGet(env, v, i), path + "[" + std::to_string(i) + "]"));
          TypePtr elem = n == 0 ? c10::TensorType::get() : xs[0].type();
          bool same = true;
          for (const IValue& x : xs) same = same && *x.type() == *elem;
          if (!same) return IValue(c10::ivalue::Tuple::create(std::move(xs)));
          c10::impl::GenericList list(elem);
          for (IValue& x : xs) list.push_back(std::move(x));
          return IValue(std::move(list));
        }
        bool map = isMap(env, v);
        TypePtr keyType = c10::StringType::get();
        if (map) {
          napi_value entries = mapEntries(env, v);
          if (arrayLength(env, entries) > 0 && typeOf(env, arrayGet(env, arrayGet(env, entries, 0), 0)) != napi_string)
            keyType = c10::IntType::get();
        }
        // values: the type of the first, Any when they disagree
        std::vector<std::pair<IValue, IValue>> items;
        if (map) {
          napi_value entries = mapEntries(env, v);
          for (uint32_t i = 0, n = arrayLength(env, entries); i < n; ++i) {
            napi_value kv = arrayGet(env, entries, i);
            napi_value k = arrayGet(env, kv, 0);
            IValue key = keyType->kind() == c10::TypeKind::IntType ? IValue(getInt(env, k, (path + " key").c_str()))
                                                                    : IValue(getString(env, k, (path + " key").c_str()));
            items.emplace_back(std::move(key), infer(arrayGet(env, kv, 1), path + "[" + std::to_string(i) + "]"));
          }
        } else {
          napi_value keys = ownKeys(env, v);
          for (uint32_t i = 0, n = arrayLength(env, keys); i < n; ++i) {
            std::string ks = getString(env, arrayGet(env, keys, i), "key");
            napi_value val;
            check(napi_get_named_property(env, v, ks.c_str(), &val), "get_named_property");
            items.emplace_back(IValue(ks), infer(val, path + "['" + ks + "']"));
          }
        }
        TypePtr valueType = items.empty() ? c10::TensorType::get() : items[0].second.type();
        for (auto& kv : items)
          if (!(*kv.second.type() == *valueType)) valueType = c10::AnyType::get();
        c10::impl::GenericDict d(keyType, valueType);
        for (auto& kv : items) d.insert_or_assign(std::move(kv.first), std::move(kv.second));
        return IValue(std::move(d));
      }
      default:
        throw JsError("tstorch: " + where + ": " + path + " is " + describe(env, v) + ", which has no TorchScript equivalent");
    }
  }
};

// ------------------------------------------------------------------ IValue -> JS
napi_value toJs(napi_env env, const IValue& v, const std::string& path) {
  if (v.isNone()) return makeNull(env);
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isBool()) return makeBool(env, v.toBool());
  if (v.isInt()) return makeInt64(env, v.toInt());
  if (v.isDouble()) return makeNumber(env, v.toDouble());
  if (v.isString()) return makeString(env, v.toStringRef());
  if (v.isDevice()) return makeString(env, v.toDevice().str());
  if (v.isList() || v.isTuple()) {
    c10::ArrayRef<IValue> xs = v.isList() ? v.toListRef() : v.toTupleRef().elements().asArrayRef();
    napi_value arr;
    check(napi_create_array_with_length(env, xs.size(), &arr), "create_array");
    for (size_t i = 0; i < xs.size(); ++i)
      check(napi_set_element(env, arr, static_cast<uint32_t>(i), toJs(env, xs[i], path + "[" + std::to_string(i) + "]")), "set_element");
    return arr;
  }
  if (v.isGenericDict()) {
    auto d = v.toGenericDict();
    auto keyKind = d.keyType()->kind();
    if (keyKind == c10::TypeKind::StringType) {
      napi_value obj;
      check(napi_create_object(env, &obj), "create_object");
      for (const auto& e : d) {
        const std::string& k = e.key().toStringRef();
        check(napi_set_property(env, obj, makeString(env, k), toJs(env, e.value(), path + "['" + k + "']")), "set_property");
      }
      return obj;
    }
    if (keyKind == c10::TypeKind::IntType) {
      napi_value map;
      check(napi_new_instance(env, global(env, "Map"), 0, nullptr, &map), "new Map");
      napi_value set = property(env, map, "set");
      for (const auto& e : d) {
        napi_value kv[2] = {makeInt64(env, e.key().toInt()), toJs(env, e.value(), path + "[" + std::to_string(e.key().toInt()) + "]")};
        napi_value ignored;
        check(napi_call_function(env, map, set, 2, kv, &ignored), "Map.set");
      }
      return map;
    }
    throw JsError("tstorch: " + path + " is a " + v.type()->repr_str() + "; tstorch converts dicts with str or int keys only");
  }
  throw JsError("tstorch: " + path + " is a TorchScript " + v.type()->repr_str() + " (" + v.tagKind() +
                "), which tstorch does not convert to JS");
}

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

// ------------------------------------------------------------------ methods
std::string methodNames(const torch::jit::Module& m) {
  std::string out;
  for (const auto& meth : m.get_methods()) out += (out.empty() ? "" : ", ") + meth.name();
  return out.empty() ? "none" : out;
}

// "tstorch: forward() failed: <the error's last line>", then libtorch's whole message (the
// TorchScript traceback ends with the error itself: put it first, where people look).
std::string failure(const std::string& method, const std::string& what) {
  std::string text = what;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t nl = text.rfind('\n');
  if (nl == std::string::npos) return "tstorch: " + method + "() failed: " + text;
  return "tstorch: " + method + "() failed: " + text.substr(nl + 1) + "\n" + text;
}

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

// ------------------------------------------------------------------ tracing
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

std::vector<Export> jitExports() {
  return {
      {"jitLoad", jitLoad},         {"jitSlots", jitSlots},         {"jitMethods", jitMethods},
      {"jitGraph", jitGraph},         {"jitRun", jitRun},             {"jitRunAsync", jitRunAsync},
      {"jitSetTraining", jitSetTraining}, {"jitIsTraining", jitIsTraining}, {"jitSaveToBuffer", jitSaveToBuffer},
      {"jitTo", jitTo},             {"jitTrace", jitTrace},
  };
}

}  // namespace tstorch
