// What the operator dispatcher's files (dispatch*.cc) share: an argument of a schema compiled into the
// kind that converts it (specOf), and JS <-> IValue conversion by that kind (dispatch_schema.cc), which
// dispatch.cc's calls run.
#pragma once

#include "common.h"

#include <cstdint>
#include <string>

namespace tstorch::dispatch {

enum class Kind : uint8_t {
  Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Bool, BoolList,
  Scalar, ScalarList, String, Device, Generator, Unsupported
};

struct ArgSpec {
  std::string name;
  Kind kind;
  bool optional;
  int32_t fixedLength;  // int[2] -> 2; 0 when free
  c10::optional<c10::IValue> defaultValue;
  // ScalarType, Layout and MemoryFormat travel as ints: codes at or past this bound (their
  // NumOptions) are refused before libtorch casts them into its enums. 0: a plain int.
  int64_t enumLimit = 0;
  // Tensor(a!) / Tensor(a!)[]: an argument the operator writes (out=, in-place self)
  bool write = false;
};

// The spec of one schema argument.
ArgSpec specOf(const c10::Argument& arg);
// A Scalar from a JS number, bigint or {tstorchFloat: x}; `what` names the argument in errors.
c10::Scalar scalarOf(napi_env env, napi_value v, const std::string& what);
// The Scalar of a JS number: an int Scalar when it is whole (|x| <= 2^53), else a float one.
c10::Scalar scalarOfNumber(double d);
// A JS argument as the IValue the spec asks for; `op` (the operator's name) starts errors.
c10::IValue toIValue(napi_env env, napi_value v, const ArgSpec& s, const std::string& op);
// A result back to JS: tensors as handles, lists as arrays, numbers, bools, strings, null.
napi_value fromIValue(napi_env env, const c10::IValue& v);

}  // namespace tstorch::dispatch
