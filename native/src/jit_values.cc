// JS values <-> TorchScript values (IValue) for jit*.cc, as jit.cc's opening comment describes them.
#include "jit.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace tstorch::script {

namespace {

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

bool isIntegral(double d) { return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18; }

}  // namespace

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

// ------------------------------------------------------------------ JS -> IValue

void ToIValue::fail(const std::string& path, const std::string& expected, napi_value v) const {
  throw JsError("tstorch: " + where + ": " + path + " must be " + expected + ", got " + describe(env, v));
}

at::Tensor ToIValue::tensor(napi_value v, const std::string& path) const {
  if (typeOf(env, v) != napi_external || isModuleHandle(env, v)) fail(path, "a Tensor", v);
  return unwrapTensor(env, v, path.c_str());
}

IValue ToIValue::dictKey(const std::string& key, napi_value jsKey, const TypePtr& keyType, const std::string& path) const {
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

IValue ToIValue::dict(napi_value v, const TypePtr& keyType, const TypePtr& valueType, const std::string& path) const {
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
IValue ToIValue::convert(napi_value v, const TypePtr& type, const std::string& path) const {
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
IValue ToIValue::infer(napi_value v, const std::string& path) const {
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

}  // namespace tstorch::script
