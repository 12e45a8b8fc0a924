// torch.distributed on libtorch's own c10d: stores (TCPStore, FileStore, PrefixStore), process groups
// (Gloo; NCCL when the linked libtorch has it), collectives returning work handles whose wait can run
// off the JS thread, and the data-parallel gradient reducer driven by autograd hooks. One file per
// concern: distributed_store.cc, distributed_group.cc, distributed_collectives.cc, distributed_reducer.cc;
// this one has what they share (distributed.h), naming a lost rank, and whether torch.distributed exists.
//
// Built for real only when the build script finds Gloo's headers (TSTORCH_WITH_DISTRIBUTED, given to
// every distributed*.cc); otherwise this file exports `distIsAvailable() -> false` alone and defines
// the other files' tables empty. What differs between libtorch versions (groups over backends since
// 2.0, the store layout, the init barrier, sequence numbers) is in compat.h.
#include "common.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include "distributed.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace tstorch::dist {

// Whether the linked libtorch has ProcessGroupNCCL (the build script's finding).
#ifdef TSTORCH_WITH_NCCL
constexpr bool kWithNccl = true;
#else
constexpr bool kWithNccl = false;
#endif

namespace {
void finalizeObj(node_api_basic_env, void* data, void*) { delete static_cast<DistObj*>(data); }
}  // namespace

napi_value wrapObj(napi_env env, DistObj* obj) {
  napi_value v;
  if (napi_create_external(env, obj, finalizeObj, nullptr, &v) != napi_ok) {
    delete obj;
    throw JsError("tstorch: could not create a distributed handle");
  }
  return v;
}

c10d::Store& storeArg(napi_env env, napi_value v) { return *unwrapObj<StoreBox>(env, v, Kind::Store, "store")->store; }
const c10::intrusive_ptr<PG>& groupArg(napi_env env, napi_value v) {
  auto* box = unwrapObj<GroupBox>(env, v, Kind::Group, "process group");
  if (!box->pg) throw JsError("tstorch.distributed: the process group was destroyed");
  return box->pg;
}
napi_value wrapWork(napi_env env, c10::intrusive_ptr<c10d::Work> w) { return wrapObj(env, new WorkBox(std::move(w))); }

std::vector<at::Tensor> tensorList(napi_env env, napi_value v, const char* what) {
  if (!isArray(env, v)) throw JsError(std::string("tstorch.distributed: ") + what + " must be an array of tensors");
  std::vector<at::Tensor> out;
  uint32_t n = arrayLength(env, v);
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(unwrapTensor(env, arrayGet(env, v, i), what));
  return out;
}

c10d::ReduceOp reduceOpArg(napi_env env, napi_value v) {
  std::string op = getString(env, v, "op");
  if (op == "sum") return c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (op == "product") return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
  if (op == "min") return c10d::ReduceOp(c10d::ReduceOp::MIN);
  if (op == "max") return c10d::ReduceOp(c10d::ReduceOp::MAX);
  if (op == "band") return c10d::ReduceOp(c10d::ReduceOp::BAND);
  if (op == "bor") return c10d::ReduceOp(c10d::ReduceOp::BOR);
  if (op == "bxor") return c10d::ReduceOp(c10d::ReduceOp::BXOR);
  throw JsError("tstorch.distributed: unknown reduce op '" + op + "'");
}

milliseconds msArg(napi_env env, napi_value v, const char* what) { return milliseconds(getInt(env, v, what)); }

std::string errorText(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const c10::Error& err) {
    return err.what_without_backtrace();
  } catch (const std::exception& err) {
    return err.what();
  } catch (...) {
    return "unknown error";
  }
}

// ---------------------------------------------------------------- naming a lost rank from native code

namespace {

// The ranks of this host (global rank -> pid), set by JS after initProcessGroup: a failure inside
// backward (the reducer's all-reduce) cannot go through JS's error explanation, so it is named here.
struct Peers {
  std::mutex mu;
  int self = -1;
  std::vector<std::pair<int, int64_t>> local;
};
Peers& peers() {
  static Peers p;
  return p;
}

bool pidAlive(int64_t pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return false;
  char buf[512];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* close = std::strrchr(buf, ')');
  return !(close && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X'));
}

}  // namespace

std::string explainLost(const std::string& what, const std::string& cause) {
  std::vector<std::pair<int, int64_t>> local;
  int self;
  {
    std::lock_guard<std::mutex> lock(peers().mu);
    local = peers().local;
    self = peers().self;
  }
  std::string lost, pids;
  for (int attempt = 0; attempt < 20 && lost.empty(); ++attempt) {
    for (auto& [r, pid] : local)
      if (r != self && !pidAlive(pid)) {
        lost += (lost.empty() ? "" : ", ") + std::to_string(r);
        pids += ", pid " + std::to_string(pid);
      }
    if (lost.empty()) std::this_thread::sleep_for(milliseconds(50));
  }
  std::string first = cause.substr(0, cause.find('\n'));
  if (lost.empty()) return "tstorch.distributed: rank " + std::to_string(self) + ": " + what + " failed: " + first;
  return "DistributedError: tstorch.distributed: rank " + std::to_string(self) + ": " + what + " failed: rank " + lost + " is gone (lost rank " + lost + pids + "): " + first;
}

namespace {

// distSetPeers(selfRank, [[rank, pid], ...]) — the ranks on this host.
napi_value setPeers(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    std::lock_guard<std::mutex> lock(peers().mu);
    peers().self = static_cast<int>(getInt(env, a[0], "rank"));
    peers().local.clear();
    for (uint32_t i = 0, n = arrayLength(env, a[1]); i < n; ++i) {
      auto pair = getIntList(env, arrayGet(env, a[1], i), "peer");
      if (pair.size() == 2) peers().local.emplace_back(static_cast<int>(pair[0]), pair[1]);
    }
    return makeUndefined(env);
  });
}

}  // namespace

}  // namespace tstorch::dist

namespace tstorch {
std::vector<Export> distributedExports() {
  using namespace dist;
  return {
      {"distIsAvailable", builtFact<true>}, {"distIsNcclAvailable", builtFact<kWithNccl>}, {"distSetPeers", setPeers},
      // facts of the linked libtorch (compat.h): whether Gloo has reduce_scatter (a mixed group then needs
      // the backend's own protocol, which JS otherwise replaces by an all-reduce), and whether torchrun's
      // workers key the agent's store under "/worker/attempt_N"
      {"distGlooHasReduceScatter", builtFact<compat::kGlooReduceScatter>},
      {"distAgentStoreAttemptPrefix", builtFact<compat::kAgentStoreAttemptPrefix>},
  };
}
}  // namespace tstorch

#else  // no Gloo headers: torch.distributed reports itself unavailable

namespace tstorch {
std::vector<Export> distributedExports() { return {{"distIsAvailable", builtFact<false>}, {"distIsNcclAvailable", builtFact<false>}}; }
// the other distributed*.cc compile to nothing
std::vector<Export> distributedStoreExports() { return {}; }
std::vector<Export> distributedGroupExports() { return {}; }
std::vector<Export> distributedCollectiveExports() { return {}; }
std::vector<Export> distributedReducerExports() { return {}; }
}  // namespace tstorch

#endif
