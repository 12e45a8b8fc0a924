// The dispatcher's unboxed fast path (dispatch_fast.cc), as dispatch.cc's calls use it: an operator
// compiled once (CompiledOp: its schema's argument kinds, and for the commonest signatures a typed
// handle), the pattern that decides whether a signature has a fast path, and the call itself.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>

#include <vector>

#include "dispatch.h"

namespace tstorch::dispatch {

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
bool setTyped(CompiledOp& op, const c10::OperatorHandle& h, Fast f);
// The fast-path pattern that the schema's arguments allow (setTyped then checks the kernels).
Fast fastPattern(const c10::OperatorHandle& h, const std::vector<ArgSpec>& args);
// Whether a call may enter below the Autograd layer when no tensor argument has autograd metadata.
bool belowAutogradAllowed(const c10::OperatorHandle& h);
// The call through op's fast path (op.fast != None); a[i] is nullptr for an argument left out.
at::Tensor callFast(napi_env env, const CompiledOp& op, napi_value* a);
// Refuses a write into a zero tensor (_efficientzerotensor), on the boxed path's written arguments too.
void refuseZeroTensorWrite(const c10::IValue& v, const ArgSpec& s);

}  // namespace tstorch::dispatch
