// What the files of torch.distributed (distributed*.cc) share: the handles JS holds (stores, process
// groups, work, reducers: Externals over a DistObj) and the argument helpers. Included only in builds
// that found Gloo's headers (TSTORCH_WITH_DISTRIBUTED); without them each file compiles to an empty
// table and distributed.cc reports torch.distributed unavailable.
#pragma once

#ifndef TSTORCH_WITH_DISTRIBUTED
#error "distributed.h is included only in builds with Gloo (TSTORCH_WITH_DISTRIBUTED)"
#endif

#include "common.h"
#include "compat.h"

#include <chrono>
#include <exception>
#include <string>
#include <vector>

namespace tstorch::dist {

using PG = c10d::ProcessGroup;
using std::chrono::milliseconds;

// Every object these files hand to JS is an External over one of these; `kind` checks the type.
enum class Kind { Store, Group, Work, Reducer };
struct DistObj {
  Kind kind;
  explicit DistObj(Kind k) : kind(k) {}
  virtual ~DistObj() = default;
};
struct StoreBox : DistObj {
  c10::intrusive_ptr<c10d::Store> store;
  explicit StoreBox(c10::intrusive_ptr<c10d::Store> s) : DistObj(Kind::Store), store(std::move(s)) {}
};
struct GroupBox : DistObj {
  c10::intrusive_ptr<PG> pg;
  explicit GroupBox(c10::intrusive_ptr<PG> p) : DistObj(Kind::Group), pg(std::move(p)) {}
};
struct WorkBox : DistObj {
  c10::intrusive_ptr<c10d::Work> work;
  explicit WorkBox(c10::intrusive_ptr<c10d::Work> w) : DistObj(Kind::Work), work(std::move(w)) {}
};

// A new External owning `obj` (deleted when JS collects it, or here if the External cannot be made).
napi_value wrapObj(napi_env env, DistObj* obj);

template <typename T>
T* unwrapObj(napi_env env, napi_value v, Kind kind, const char* what) {
  void* data = nullptr;
  if (typeOf(env, v) != napi_external || napi_get_value_external(env, v, &data) != napi_ok || data == nullptr ||
      static_cast<DistObj*>(data)->kind != kind)
    throw JsError(std::string("tstorch.distributed: expected a ") + what + " handle");
  return static_cast<T*>(data);
}

c10d::Store& storeArg(napi_env env, napi_value v);
// The group behind a handle; throws once the group was destroyed.
const c10::intrusive_ptr<PG>& groupArg(napi_env env, napi_value v);
napi_value wrapWork(napi_env env, c10::intrusive_ptr<c10d::Work> w);
std::vector<at::Tensor> tensorList(napi_env env, napi_value v, const char* what);
c10d::ReduceOp reduceOpArg(napi_env env, napi_value v);
milliseconds msArg(napi_env env, napi_value v, const char* what);

// A binding whose one argument is a process group and whose result is `read(group)`.
template <typename Read>
napi_value readGroup(napi_env env, napi_callback_info info, Read&& read) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return read(groupArg(env, a[0]));
  });
}

// The message of an exception caught as `catch (...)`.
std::string errorText(std::exception_ptr e);
// The error of a collective that failed inside native code (the reducer's all-reduce in backward),
// naming the ranks of this host that are gone (set by distSetPeers) when some are.
std::string explainLost(const std::string& what, const std::string& cause);

}  // namespace tstorch::dist
