// What the TorchScript files (jit*.cc) share: module handles (jit.cc), JS <-> TorchScript values
// (jit_values.cc), and finding a module's methods (jit_call.cc). See jit.cc for the whole picture.
#pragma once

#include "common.h"

#include <torch/csrc/jit/api/module.h>

#include <string>

namespace tstorch::script {

using c10::IValue;
using c10::TypePtr;

// ScriptModule handles: napi Externals tagged apart from tensor handles.
napi_value wrapModule(napi_env env, torch::jit::Module m);
bool isModuleHandle(napi_env env, napi_value v);
torch::jit::Module& unwrapModule(napi_env env, napi_value v);

// Small JS helpers: globalThis[name], obj[name], `v instanceof Map`, and what a JS value is (for
// conversions and error messages).
napi_value global(napi_env env, const char* name);
napi_value property(napi_env env, napi_value obj, const char* name);
bool isMap(napi_env env, napi_value v);
std::string describe(napi_env env, napi_value v);

// JS -> IValue, following a TorchScript type (convert) or inferring one (infer). `where` ("forward()" or
// "jit.trace()") starts every error, `path` names the value ("argument 'x' (1)", "[2]['key']").
struct ToIValue {
  napi_env env;
  std::string where;

  [[noreturn]] void fail(const std::string& path, const std::string& expected, napi_value v) const;
  at::Tensor tensor(napi_value v, const std::string& path) const;
  IValue dictKey(const std::string& key, napi_value jsKey, const TypePtr& keyType, const std::string& path) const;
  IValue dict(napi_value v, const TypePtr& keyType, const TypePtr& valueType, const std::string& path) const;
  IValue convert(napi_value v, const TypePtr& type, const std::string& path) const;
  IValue infer(napi_value v, const std::string& path) const;
};

// IValue -> JS (see jit.cc's opening comment for the mapping); `path` names the value in errors.
napi_value toJs(napi_env env, const IValue& v, const std::string& path);

// A method's schema as TorchScript prints it, and a method by name (an error lists the module's methods).
std::string schemaString(const c10::FunctionSchema& s);
torch::jit::Method findMethod(const torch::jit::Module& m, const std::string& name);

}  // namespace tstorch::script
