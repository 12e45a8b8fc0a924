// Any registered operator by schema name, through the c10 dispatcher with boxed arguments.
// Autograd works through this path: callBoxed enters at the Autograd dispatch key like any call.
//
// JS resolves overloads (it has the schemas: `schemas`, dispatch_schema.cc) and asks once for an op
// id; each call then converts JS values into IValues following the argument kinds compiled for that
// id (dispatch_schema.cc), or, for the commonest signatures, calls an unboxed fast path (dispatch_fast.cc).
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "dispatch_fast.h"

namespace tstorch::dispatch {

namespace {

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

