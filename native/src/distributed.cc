// torch.distributed on libtorch's own c10d: stores (TCPStore, FileStore, PrefixStore), process groups
// (Gloo; NCCL when the linked libtorch has it), collectives returning work handles whose wait can run
// off the JS thread, and the data-parallel gradient reducer driven by autograd hooks.
//
// Built for real only when the build script finds Gloo's headers (TSTORCH_WITH_DISTRIBUTED); otherwise
// this file exports `distIsAvailable() -> false` alone. What differs between libtorch versions (groups
// over backends since 2.0, the store layout, the init barrier, sequence numbers) is in compat.h.
// libtorch's own Reducer (reducer.hpp) does not compile against Debian's 1.13 headers, so the reducer
// here re-creates its bucket protocol on top of the functions libtorch does export:
// compute_bucket_assignment_by_size, verify_params_across_processes, broadcast_coalesced, and the
// process group's allreduce/broadcast. Ranks of PyTorch's
// DistributedDataParallel and of this reducer therefore issue the same collectives in the same order.
#include "common.h"
#include "compat.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>

namespace tstorch {
namespace {

using PG = c10d::ProcessGroup;
using std::chrono::milliseconds;

// Whether the linked libtorch has ProcessGroupNCCL (the build script's finding).
#ifdef TSTORCH_WITH_NCCL
constexpr bool kWithNccl = true;
#else
constexpr bool kWithNccl = false;
#endif

// Every object this file hands to JS is an External over one of these; `kind` checks the type.
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

void finalizeObj(node_api_basic_env, void* data, void*) { delete static_cast<DistObj*>(data); }

napi_value wrapObj(napi_env env, DistObj* obj) {
  napi_value v;
  if (napi_create_external(env, obj, finalizeObj, nullptr, &v) != napi_ok) {
    delete obj;
    throw JsError("tstorch: could not create a distributed handle");
  }
  return v;
}

template <typename T>
T* unwrapObj(napi_env env, napi_value v, Kind kind, const char* what) {
  void* data = nullptr;
  if (typeOf(env, v) != napi_external || napi_get_value_external(env, v, &data) != napi_ok || data == nullptr ||
      static_cast<DistObj*>(data)->kind != kind)
    throw JsError(std::string("tstorch.distributed: expected a ") + what + " handle");
  return static_cast<T*>(data);
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

// ---------------------------------------------------------------- stores

// distTcpStore(host, port, worldSize | -1, isServer, timeoutMs, waitWorkers, multiTenant)
napi_value tcpStore(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<7> a(env, info);
    c10d::TCPStoreOptions o;
    int64_t port = getInt(env, a[1], "port");
    if (port < 0 || port > 65535) throw JsError("tstorch.distributed: port must be 0..65535, got " + std::to_string(port));
    o.port = static_cast<uint16_t>(port);
    int64_t ws = getInt(env, a[2], "worldSize");
    if (ws > 0) o.numWorkers = static_cast<size_t>(ws);
    o.isServer = getBool(env, a[3], "isServer");
    o.timeout = msArg(env, a[4], "timeout");
    o.waitWorkers = getBool(env, a[5], "waitWorkers");
    o.multiTenant = getBool(env, a[6], "multiTenant");
    std::string host = getString(env, a[0], "host");
#ifdef TSTORCH_TCPSTORE_LIBUV
    // USE_LIBUV as PyTorch reads it (default 1); unless the user asked for libuv, a libtorch built
    // without it gets the classic server (the same protocol) instead of PyTorch's error.
    const char* uv = std::getenv("USE_LIBUV");
    bool askedForLibuv = uv && std::string(uv) == "1";
    o.useLibUV = !(uv && std::string(uv) == "0");
    if (o.useLibUV && !askedForLibuv) {
      try {
        return wrapObj(env, new StoreBox(c10::make_intrusive<c10d::TCPStore>(host, o)));
      } catch (const c10::Error& e) {
        if (std::string(e.what()).find("without libuv support") == std::string::npos) throw;
        o.useLibUV = false;
      }
    }
#endif
    return wrapObj(env, new StoreBox(c10::make_intrusive<c10d::TCPStore>(host, o)));
  });
}

napi_value fileStore(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto s = c10::make_intrusive<c10d::FileStore>(getString(env, a[0], "path"), static_cast<int>(getInt(env, a[1], "worldSize")));
    return wrapObj(env, new StoreBox(s));
  });
}

napi_value prefixStore(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto* base = unwrapObj<StoreBox>(env, a[1], Kind::Store, "store");
    return wrapObj(env, new StoreBox(c10::make_intrusive<c10d::PrefixStore>(getString(env, a[0], "prefix"), base->store)));
  });
}

// distSubgroupStore(store, defaultGroupName): the store new_group works on, as that version lays it out
// (compat.h): `store` is the "default_pg"-prefixed one the default group was made from.
napi_value subgroupStore(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto* base = unwrapObj<StoreBox>(env, a[0], Kind::Store, "store");
    return wrapObj(env, new StoreBox(compat::subgroupBase(base->store, getString(env, a[1], "defaultGroupName"))));
  });
}

napi_value storeSet(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::string value = getString(env, a[2], "value");
    storeArg(env, a[0]).set(getString(env, a[1], "key"), std::vector<uint8_t>(value.begin(), value.end()));
    return makeUndefined(env);
  });
}

napi_value storeGet(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    auto bytes = storeArg(env, a[0]).get(getString(env, a[1], "key"));
    return makeString(env, std::string(bytes.begin(), bytes.end()));
  });
}

napi_value storeAdd(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    return makeNumber(env, static_cast<double>(storeArg(env, a[0]).add(getString(env, a[1], "key"), getInt(env, a[2], "amount"))));
  });
}

// distStoreCheck(store, keys[]) -> whether every key is set (does not wait).
napi_value storeCheck(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    std::vector<std::string> keys;
    for (uint32_t i = 0, n = arrayLength(env, a[1]); i < n; ++i) keys.push_back(getString(env, arrayGet(env, a[1], i), "key"));
    return makeBool(env, storeArg(env, a[0]).check(keys));
  });
}

// distInitBarrier(store, groupName, groupCount, worldSize, timeoutMs): the store-based barrier that
// that version's init_process_group and new_group end with (TSTORCH_C10D_BARRIER_OPT_IN in compat.h):
// `groupCount` is the group counter after this group's increment. Returns whether it ran.
napi_value initBarrier(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    c10d::Store& s = storeArg(env, a[0]);
    std::string name = getString(env, a[1], "groupName");
    int64_t groupCount = getInt(env, a[2], "groupCount");
    int64_t world = getInt(env, a[3], "worldSize");
    auto deadline = std::chrono::steady_clock::now() + msArg(env, a[4], "timeout");
    auto timedOut = [&](int64_t count, const std::string& key) {
      return JsError("tstorch.distributed: timed out initializing the process group: " + std::to_string(count) + " of " +
                     std::to_string(world) + " ranks checked in (key " + key + ")");
    };
#ifdef TSTORCH_C10D_BARRIER_OPT_IN
    (void)groupCount;
    const char* on = std::getenv("TORCH_DIST_INIT_BARRIER");
    if (!on || std::string(on) != "1") return makeBool(env, false);
    std::string key = "store_based_barrier_key:" + name;
    std::string last = key + ":last_worker";
    int64_t count = s.add(key, 1);
    if (count == world) s.set(last, std::vector<uint8_t>{'1'});
    while (!s.check({last})) {
      if (std::chrono::steady_clock::now() > deadline) throw timedOut(s.add(key, 0), key);
      std::this_thread::sleep_for(milliseconds(10));
    }
#else
    (void)name;
    std::string key = "store_based_barrier_key:" + std::to_string(groupCount);
    s.add(key, 1);
    int64_t count;
    while ((count = s.add(key, 0)) < world) {
      if (std::chrono::steady_clock::now() > deadline) throw timedOut(count, key);
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (count > world)
      throw JsError("tstorch.distributed: " + std::to_string(count) + " ranks checked in but the world size is " +
                    std::to_string(world) + " (wrong world size, or a rank was started twice)");
#endif
    return makeBool(env, true);
  });
}

// ---------------------------------------------------------------- process groups

// distNewGloo(store, groupName, rank, size, timeoutMs): `store` is the "default_pg"-prefixed one; the
// group's keys go under `groupName` as that version's PyTorch puts them (compat.h). Devices as
// PyTorch's binding picks them: one per interface in GLOO_SOCKET_IFNAME (comma-separated), else the
// default (this host's address).
napi_value newGloo(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    auto* store = unwrapObj<StoreBox>(env, a[0], Kind::Store, "store");
    std::string name = getString(env, a[1], "groupName");
    int rank = static_cast<int>(getInt(env, a[2], "rank"));
    int size = static_cast<int>(getInt(env, a[3], "size"));
    auto opts = c10d::ProcessGroupGloo::Options::create(msArg(env, a[4], "timeout"));
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname && *ifname) {
      std::string all(ifname);
      size_t pos = 0;
      while (pos <= all.size()) {
        size_t comma = all.find(',', pos);
        std::string one = all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!one.empty()) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(one));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = static_cast<int>(opts->devices.size()) * 2;
    return wrapObj(env, new GroupBox(compat::backendGroup<c10d::ProcessGroupGloo>(store->store, name, rank, size, std::move(opts), c10::DeviceType::CPU)));
  });
}

// distNewNccl(store, groupName, rank, size, timeoutMs): only in builds against a libtorch with ProcessGroupNCCL.
napi_value newNccl(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
#ifdef TSTORCH_WITH_NCCL
    Args<5> a(env, info);
    auto* store = unwrapObj<StoreBox>(env, a[0], Kind::Store, "store");
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = msArg(env, a[4], "timeout");
    return wrapObj(env, new GroupBox(compat::backendGroup<c10d::ProcessGroupNCCL>(store->store, getString(env, a[1], "groupName"), static_cast<int>(getInt(env, a[2], "rank")),
                                                                          static_cast<int>(getInt(env, a[3], "size")), std::move(opts), c10::DeviceType::CUDA)));
#else
    throw JsError("tstorch.distributed: this addon was built without NCCL (the linked libtorch has no ProcessGroupNCCL); use backend 'gloo'");
#endif
  });
}

// After the store-based barrier: the group's sequence number where that version's PyTorch syncs it
// there (1.13; compat.h): rank 0 draws it into the store and the others read it (before the barrier
// a PyTorch rank 0 would not have written it yet).
napi_value groupSetSequence(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    compat::syncSequenceAfterBarrier(groupArg(env, a[0]));
    return makeUndefined(env);
  });
}

// A binding whose one argument is a process group and whose result is `read(group)`.
template <typename Read>
napi_value readGroup(napi_env env, napi_callback_info info, Read&& read) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return read(groupArg(env, a[0]));
  });
}

napi_value groupRank(napi_env env, napi_callback_info info) {
  return readGroup(env, info, [&](const c10::intrusive_ptr<PG>& pg) { return makeNumber(env, pg->getRank()); });
}
napi_value groupSize(napi_env env, napi_callback_info info) {
  return readGroup(env, info, [&](const c10::intrusive_ptr<PG>& pg) { return makeNumber(env, pg->getSize()); });
}

// Drops this handle's reference: Gloo's worker threads end once no work holds the group.
napi_value groupDestroy(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    unwrapObj<GroupBox>(env, a[0], Kind::Group, "process group")->pg.reset();
    return makeUndefined(env);
  });
}

// ---------------------------------------------------------------- collectives (each returns a work handle)

napi_value allReduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::vector<at::Tensor> ts{unwrapTensor(env, a[1], "tensor")};
    c10d::AllreduceOptions o;
    o.reduceOp = reduceOpArg(env, a[2]);
    return wrapWork(env, groupArg(env, a[0])->allreduce(ts, o));
  });
}

napi_value broadcast(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::vector<at::Tensor> ts{unwrapTensor(env, a[1], "tensor")};
    c10d::BroadcastOptions o;
    o.rootRank = getInt(env, a[2], "src");
    return wrapWork(env, groupArg(env, a[0])->broadcast(ts, o));
  });
}

// distAllGather(pg, outputs[], input)
napi_value allGather(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::vector<std::vector<at::Tensor>> outs{tensorList(env, a[1], "tensorList")};
    std::vector<at::Tensor> in{unwrapTensor(env, a[2], "tensor")};
    return wrapWork(env, groupArg(env, a[0])->allgather(outs, in));
  });
}

// A list argument that only the root rank passes (gather's outputs, scatter's inputs): no list elsewhere.
std::vector<std::vector<at::Tensor>> rootOnlyList(napi_env env, napi_value v, const char* what) {
  std::vector<at::Tensor> list = tensorList(env, v, what);
  std::vector<std::vector<at::Tensor>> out;
  if (!list.empty()) out.push_back(std::move(list));
  return out;
}

// distGather(pg, outputs[] (empty off the root), input, dst)
napi_value gather(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<std::vector<at::Tensor>> outs = rootOnlyList(env, a[1], "gatherList");
    std::vector<at::Tensor> in{unwrapTensor(env, a[2], "tensor")};
    c10d::GatherOptions o;
    o.rootRank = getInt(env, a[3], "dst");
    return wrapWork(env, groupArg(env, a[0])->gather(outs, in, o));
  });
}

// distScatter(pg, output, inputs[] (empty off the root), src)
napi_value scatter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<at::Tensor> out{unwrapTensor(env, a[1], "tensor")};
    std::vector<std::vector<at::Tensor>> ins = rootOnlyList(env, a[2], "scatterList");
    c10d::ScatterOptions o;
    o.rootRank = getInt(env, a[3], "src");
    return wrapWork(env, groupArg(env, a[0])->scatter(out, ins, o));
  });
}

// distReduceScatter(pg, output, inputs[], op): backends that have it (NCCL; Gloo in libtorch 1.13 does not).
napi_value reduceScatter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<at::Tensor> out{unwrapTensor(env, a[1], "output")};
    std::vector<std::vector<at::Tensor>> ins{tensorList(env, a[2], "inputList")};
    c10d::ReduceScatterOptions o;
    o.reduceOp = reduceOpArg(env, a[3]);
    return wrapWork(env, groupArg(env, a[0])->reduce_scatter(out, ins, o));
  });
}

// distSend(pg, tensor, dst, tag) and distRecv(pg, tensor, src, tag)
napi_value pointToPoint(napi_env env, napi_callback_info info, bool sending) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<at::Tensor> ts{unwrapTensor(env, a[1], "tensor")};
    int peer = static_cast<int>(getInt(env, a[2], sending ? "dst" : "src"));
    int tag = static_cast<int>(getInt(env, a[3], "tag"));
    const c10::intrusive_ptr<PG>& pg = groupArg(env, a[0]);
    return wrapWork(env, sending ? pg->send(ts, peer, tag) : pg->recv(ts, peer, tag));
  });
}
napi_value send(napi_env env, napi_callback_info info) { return pointToPoint(env, info, true); }
napi_value recv(napi_env env, napi_callback_info info) { return pointToPoint(env, info, false); }

napi_value barrier(napi_env env, napi_callback_info info) {
  return readGroup(env, info, [&](const c10::intrusive_ptr<PG>& pg) { return wrapWork(env, pg->barrier()); });
}

// distBroadcastCoalesced(pg, tensors[], bufferBytes, src): DDP's module-state broadcast (sync).
napi_value broadcastCoalesced(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<at::Tensor> ts = tensorList(env, a[1], "tensors");
    at::NoGradGuard ng;
    std::vector<at::Tensor> detached;
    for (auto& t : ts) detached.push_back(t.detach());
    if (!detached.empty())
      c10d::broadcast_coalesced(groupArg(env, a[0]), detached, static_cast<size_t>(getInt(env, a[2], "bufferSize")),
                                static_cast<int>(getInt(env, a[3], "src")));
    return makeUndefined(env);
  });
}

// distVerifyParams(pg, params[]): every rank has rank 0's parameter count, shapes, strides and dtypes.
napi_value verifyParams(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    c10d::verify_params_across_processes(groupArg(env, a[0]), tensorList(env, a[1], "params"), compat::kNullopt);
    return makeUndefined(env);
  });
}

// distBucketAssignment(tensors[], sizeLimits[], tensorIndices[]) -> [buckets (index lists), per-bucket limits]
napi_value bucketAssignment(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    std::vector<at::Tensor> ts = tensorList(env, a[0], "tensors");
    std::vector<size_t> limits;
    for (uint32_t i = 0, n = arrayLength(env, a[1]); i < n; ++i) limits.push_back(static_cast<size_t>(getNumber(env, arrayGet(env, a[1], i), "limit")));
    std::vector<int64_t> indices = getIntList(env, a[2], "tensorIndices");
    auto [buckets, sizes] = c10d::compute_bucket_assignment_by_size(ts, limits, {}, indices, compat::kNullopt);
    napi_value out, list, lim;
    check(napi_create_array_with_length(env, buckets.size(), &list), "array");
    for (size_t b = 0; b < buckets.size(); ++b) {
      std::vector<int64_t> ids(buckets[b].begin(), buckets[b].end());
      check(napi_set_element(env, list, static_cast<uint32_t>(b), makeIntArray(env, ids)), "set_element");
    }
    check(napi_create_array_with_length(env, sizes.size(), &lim), "array");
    for (size_t b = 0; b < sizes.size(); ++b) check(napi_set_element(env, lim, static_cast<uint32_t>(b), makeNumber(env, static_cast<double>(sizes[b]))), "set_element");
    check(napi_create_array_with_length(env, 2, &out), "array");
    check(napi_set_element(env, out, 0, list), "set_element");
    check(napi_set_element(env, out, 1, lim), "set_element");
    return out;
  });
}

// ---------------------------------------------------------------- waiting

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

napi_value workWait(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    unwrapObj<WorkBox>(env, a[0], Kind::Work, "work")->work->wait();
    return makeUndefined(env);
  });
}

napi_value workIsCompleted(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeBool(env, unwrapObj<WorkBox>(env, a[0], Kind::Work, "work")->work->isCompleted());
  });
}

// distWorkWaitAsync(work) -> Promise: work->wait() runs on a libuv pool thread, so the event loop
// keeps turning while Gloo's threads move the data.
struct AsyncWait {
  c10::intrusive_ptr<c10d::Work> work;
  napi_deferred deferred = nullptr;
  napi_async_work async = nullptr;
  std::string error;
};

void asyncWaitExecute(napi_env, void* data) {
  auto* w = static_cast<AsyncWait*>(data);
  try {
    w->work->wait();
  } catch (...) {
    w->error = errorText(std::current_exception());
    if (w->error.empty()) w->error = "collective failed";
  }
}

void asyncWaitComplete(napi_env env, napi_status, void* data) {
  std::unique_ptr<AsyncWait> w(static_cast<AsyncWait*>(data));
  if (w->error.empty()) napi_resolve_deferred(env, w->deferred, makeUndefined(env));
  else rejectDeferred(env, w->deferred, w->error);
  napi_delete_async_work(env, w->async);
}

napi_value workWaitAsync(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    auto w = std::make_unique<AsyncWait>();
    w->work = unwrapObj<WorkBox>(env, a[0], Kind::Work, "work")->work;
    napi_value promise = queuePromiseWork(env, "tstorch.distributed.wait", asyncWaitExecute, asyncWaitComplete,
                                          w.get(), &w->deferred, &w->async);
    w.release();
    return promise;
  });
}

// ---------------------------------------------------------------- naming a lost rank from native code

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

// ---------------------------------------------------------------- the data-parallel reducer

// Gradients are averaged in buckets, each one flat tensor, as PyTorch's Reducer does: a hook after
// each parameter's AccumulateGrad copies its gradient, divided by the world size, into the bucket;
// when a bucket is full its all-reduce (sum) starts at once, on Gloo's threads, while backward goes
// on; buckets start strictly in order, so every rank issues the same collectives in the same order.
// A callback queued on the autograd engine waits for the buckets at the end of backward and writes
// the averaged values back into the gradients.
struct ReducerState : std::enable_shared_from_this<ReducerState> {
  struct Bucket {
    std::vector<size_t> vars;
    at::Tensor flat;
    std::vector<at::Tensor> views;
    size_t pending = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };
  c10::intrusive_ptr<PG> pg;
  std::vector<at::Tensor> params;
  std::vector<compat::NodePtr> accumulators;  // kept alive: the hooks live on them
  std::vector<Bucket> buckets;
  std::vector<std::pair<size_t, size_t>> where;  // param -> (bucket, slot)
  std::vector<bool> ready;
  bool gradAsView = false;
  bool findUnused = false;
  bool expectHooks = false;    // prepare() was called: this backward synchronises
  bool callbackQueued = false;
  bool recordOrder = true;     // first iteration: remember the order gradients became ready
  bool rebuilt = false;
  std::vector<int64_t> readyOrder;
  size_t nextBucket = 0;
  size_t readyCount = 0;                  // gradients ready so far in this backward
  std::vector<int64_t> launchedAt;        // per bucket: gradients ready when its all-reduce started (last backward)
  std::mutex mu;

  void initBuckets(const std::vector<std::vector<size_t>>& indices) {
    at::NoGradGuard ng;
    buckets.clear();
    where.assign(params.size(), {SIZE_MAX, 0});
    for (const auto& ids : indices) {
      Bucket b;
      b.vars = ids;
      int64_t total = 0;
      for (size_t i : ids) {
        if (i >= params.size()) throw JsError("tstorch.distributed: bucket index out of range");
        if (where[i].first != SIZE_MAX) throw JsError("tstorch.distributed: a parameter is in two buckets");
        total += params[i].numel();
      }
      if (ids.empty()) throw JsError("tstorch.distributed: empty bucket");
      b.flat = at::zeros({total}, params[ids[0]].options().requires_grad(false));
      int64_t off = 0;
      for (size_t s = 0; s < ids.size(); ++s) {
        const at::Tensor& p = params[ids[s]];
        if (p.scalar_type() != params[ids[0]].scalar_type() || p.device() != params[ids[0]].device())
          throw JsError("tstorch.distributed: a bucket mixes dtypes or devices");
        b.views.push_back(b.flat.narrow(0, off, p.numel()).view(p.sizes()));
        off += p.numel();
        where[ids[s]] = {buckets.size(), s};
        if (gradAsView) {
          at::Tensor& g = params[ids[s]].mutable_grad();
          if (g.defined() && !g.is_alias_of(b.views.back())) {
            b.views.back().copy_(g);
            g = b.views.back();
          }
        }
      }
      buckets.push_back(std::move(b));
    }
    for (size_t i = 0; i < params.size(); ++i)
      if (where[i].first == SIZE_MAX) throw JsError("tstorch.distributed: parameter " + std::to_string(i) + " is in no bucket");
    resetIteration();
  }

  void resetIteration() {
    ready.assign(params.size(), false);
    readyCount = 0;
    for (auto& b : buckets) {
      b.pending = b.vars.size();
      b.work.reset();
    }
    nextBucket = 0;
  }

  // Copies (or, for a gradient that is the bucket's view, scales in place) one gradient into its bucket.
  void copyIn(size_t i) {
    at::NoGradGuard ng;
    auto [bi, slot] = where[i];
    at::Tensor& view = buckets[bi].views[slot];
    at::Tensor& grad = params[i].mutable_grad();
    double scale = 1.0 / static_cast<double>(pg->getSize());
    if (!grad.defined()) {
      view.zero_();
      if (gradAsView) grad = view;
    } else if (grad.is_alias_of(view)) {
      view.mul_(scale);
    } else {
      at::Tensor s = at::scalar_tensor(scale, at::TensorOptions().dtype(at::kDouble));
      s.unsafeGetTensorImpl()->set_wrapped_number(true);
      at::mul_out(view, grad, s);
      if (gradAsView) grad = view;
    }
  }

  void markReady(size_t i) {
    if (ready[i]) throw JsError("tstorch.distributed: parameter " + std::to_string(i) +
                                " got its gradient twice in one backward pass (a shared parameter, or backward run twice without a forward)");
    ready[i] = true;
    ++readyCount;
    copyIn(i);
    auto& b = buckets[where[i].first];
    if (--b.pending == 0) launchReady();
  }

  void launchReady() {
    for (; nextBucket < buckets.size() && buckets[nextBucket].pending == 0; ++nextBucket) {
      std::vector<at::Tensor> ts{buckets[nextBucket].flat};
      buckets[nextBucket].work = pg->allreduce(ts);
      if (nextBucket == 0) launchedAt.clear();
      launchedAt.push_back(static_cast<int64_t>(readyCount));
    }
  }

  void onGradReady(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!expectHooks) return;
    if (recordOrder) readyOrder.push_back(static_cast<int64_t>(i));
    if (!callbackQueued) {
      callbackQueued = true;
      std::weak_ptr<ReducerState> weak = weak_from_this();
      torch::autograd::Engine::get_default_engine().queue_callback([weak] {
        if (auto r = weak.lock()) r->finalize();
      });
    }
    markReady(i);
  }

  // End of backward: buckets whose parameters got no gradient are sent with zeros there (so that all
  // ranks still issue the same all-reduces), every bucket is waited for, the averages written back.
  void finalize() {
    std::lock_guard<std::mutex> lock(mu);
    expectHooks = false;
    callbackQueued = false;
    std::vector<size_t> unused;
    for (size_t i = 0; i < params.size(); ++i)
      if (!ready[i]) {
        unused.push_back(i);
        ready[i] = true;
        copyIn(i);
        if (--buckets[where[i].first].pending == 0) launchReady();
      }
    launchReady();
    if (recordOrder && unused.empty()) recordOrder = false;
    std::exception_ptr failure;
    for (auto& b : buckets) {
      try {
        if (b.work) b.work->wait();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) {
      resetIteration();
      throw JsError(explainLost("DistributedDataParallel's gradient all-reduce", errorText(failure)));
    }
    {
      at::NoGradGuard ng;
      for (auto& b : buckets)
        for (size_t s = 0; s < b.vars.size(); ++s) {
          at::Tensor& grad = params[b.vars[s]].mutable_grad();
          if (grad.defined() && grad.is_alias_of(b.views[s])) continue;
          if (!grad.defined() || gradAsView) grad = gradAsView ? b.views[s] : b.views[s].clone();
          else grad.copy_(b.views[s]);
        }
    }
    resetIteration();
    if (!unused.empty() && !findUnused) {
      std::string ids;
      for (size_t i : unused) ids += (ids.empty() ? "" : ", ") + std::to_string(i);
      throw JsError("tstorch.distributed: DistributedDataParallel: parameters with indices [" + ids + "] got no gradient on rank " +
                    std::to_string(pg->getRank()) + " in this backward pass (their buckets were reduced with zeros); pass findUnusedParameters: true if parts of the model are unused");
    }
  }
};

struct ReducerBox : DistObj {
  std::shared_ptr<ReducerState> state;
  ReducerBox() : DistObj(Kind::Reducer) {}
};

std::vector<std::vector<size_t>> bucketIndicesArg(napi_env env, napi_value v) {
  std::vector<std::vector<size_t>> out;
  for (uint32_t b = 0, n = arrayLength(env, v); b < n; ++b) {
    std::vector<size_t> ids;
    for (int64_t i : getIntList(env, arrayGet(env, v, b), "bucket")) {
      if (i < 0) throw JsError("tstorch.distributed: negative bucket index");
      ids.push_back(static_cast<size_t>(i));
    }
    out.push_back(std::move(ids));
  }
  return out;
}

ReducerState& reducerArg(napi_env env, napi_value v) {
  auto* box = unwrapObj<ReducerBox>(env, v, Kind::Reducer, "reducer");
  if (!box->state) throw JsError("tstorch.distributed: the reducer was disposed");
  return *box->state;
}

// distReducerCreate(pg, params[], bucketIndices[][], gradientAsBucketView, findUnusedParameters)
napi_value reducerCreate(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    auto state = std::make_shared<ReducerState>();
    state->pg = groupArg(env, a[0]);
    state->params = tensorList(env, a[1], "params");
    state->gradAsView = getBool(env, a[3], "gradientAsBucketView");
    state->findUnused = getBool(env, a[4], "findUnusedParameters");
    for (auto& p : state->params) {
      if (!p.requires_grad() || !p.is_leaf()) throw JsError("tstorch.distributed: DistributedDataParallel needs leaf parameters that require grad");
      if (p.is_sparse()) throw JsError("tstorch.distributed: sparse parameters are not supported");
    }
    state->initBuckets(bucketIndicesArg(env, a[2]));
    std::weak_ptr<ReducerState> weak = state;
    for (size_t i = 0; i < state->params.size(); ++i) {
      auto acc = torch::autograd::impl::grad_accumulator(state->params[i]);
      acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [weak, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            if (auto r = weak.lock()) r->onGradReady(i);
            return outputs;
          }));
      state->accumulators.push_back(std::move(acc));
    }
    auto* box = new ReducerBox();
    box->state = std::move(state);
    return wrapObj(env, box);
  });
}

// Called by the wrapper's forward when this backward must synchronise (not inside noSync()).
napi_value reducerPrepare(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    ReducerState& r = reducerArg(env, a[0]);
    std::lock_guard<std::mutex> lock(r.mu);
    if (r.callbackQueued) throw JsError("tstorch.distributed: the previous backward pass has not finished its reduction");
    r.resetIteration();
    r.expectHooks = true;
    return makeUndefined(env);
  });
}

// Forward without a backward (e.g. evaluation under grad mode): no hooks expected after all.
napi_value reducerCancel(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    ReducerState& r = reducerArg(env, a[0]);
    std::lock_guard<std::mutex> lock(r.mu);
    r.expectHooks = false;
    return makeUndefined(env);
  });
}

// distReducerRebuild(r, firstBucketBytes, bucketBytes) -> bool: PyTorch's rebuild_buckets: once, after
// the first iteration, buckets follow the order in which gradients became ready; rank 0's assignment is
// broadcast (indices with the bucket count, then the bucket sizes: sync_bucket_indices's two messages).
napi_value reducerRebuild(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    ReducerState& r = reducerArg(env, a[0]);
    std::lock_guard<std::mutex> lock(r.mu);
    if (r.rebuilt || r.recordOrder || r.readyOrder.size() != r.params.size()) return makeBool(env, false);
    std::vector<at::Tensor> ordered;
    for (int64_t i : r.readyOrder) ordered.push_back(r.params[static_cast<size_t>(i)]);
    std::vector<size_t> limits{static_cast<size_t>(getNumber(env, a[1], "firstBucketBytes")),
                               static_cast<size_t>(getNumber(env, a[2], "bucketBytes"))};
    auto assigned = std::get<0>(c10d::compute_bucket_assignment_by_size(ordered, limits, {}, r.readyOrder, compat::kNullopt));
    int64_t total = 0;
    for (auto& b : assigned) total += static_cast<int64_t>(b.size());
    at::Tensor indices = at::empty({total + 1}, at::kInt);
    auto acc = indices.accessor<int, 1>();
    int64_t k = 0;
    for (auto& b : assigned)
      for (size_t i : b) acc[k++] = static_cast<int>(i);
    acc[k] = static_cast<int>(assigned.size());
    auto dev = r.params[0].device();
    std::vector<at::Tensor> msg{indices.to(dev)};
    r.pg->broadcast(msg)->wait();
    indices.copy_(msg[0]);
    int64_t numBuckets = acc[k];
    at::Tensor sizes = at::empty({numBuckets}, at::kInt);
    auto sacc = sizes.accessor<int, 1>();
    for (int64_t b = 0; b < numBuckets; ++b)
      sacc[b] = static_cast<int>(assigned.at(std::min(static_cast<size_t>(b), assigned.size() - 1)).size());
    std::vector<at::Tensor> msg2{sizes.to(dev)};
    r.pg->broadcast(msg2)->wait();
    sizes.copy_(msg2[0]);
    std::vector<std::vector<size_t>> synced;
    k = 0;
    for (int64_t b = 0; b < numBuckets; ++b) {
      std::vector<size_t> ids;
      for (int j = 0; j < sacc[b]; ++j) ids.push_back(static_cast<size_t>(acc[k++]));
      synced.push_back(std::move(ids));
    }
    r.initBuckets(synced);
    r.rebuilt = true;
    r.readyOrder.clear();
    return makeBool(env, true);
  });
}

napi_value reducerBuckets(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    ReducerState& r = reducerArg(env, a[0]);
    napi_value list;
    check(napi_create_array_with_length(env, r.buckets.size(), &list), "array");
    for (size_t b = 0; b < r.buckets.size(); ++b) {
      std::vector<int64_t> ids(r.buckets[b].vars.begin(), r.buckets[b].vars.end());
      check(napi_set_element(env, list, static_cast<uint32_t>(b), makeIntArray(env, ids)), "set_element");
    }
    return list;
  });
}

// distReducerLaunchedAt(r): for each bucket of the last backward, how many gradients were ready when its
// all-reduce started (fewer than all: it overlapped the rest of backward).
napi_value reducerLaunchedAt(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    return makeIntArray(env, reducerArg(env, a[0]).launchedAt);
  });
}

// The hooks stay on the accumulators but find the state gone and do nothing.
napi_value reducerDispose(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    unwrapObj<ReducerBox>(env, a[0], Kind::Reducer, "reducer")->state.reset();
    return makeUndefined(env);
  });
}

}  // namespace

std::vector<Export> distributedExports() {
  return {
      {"distIsAvailable", builtFact<true>},  {"distIsNcclAvailable", builtFact<kWithNccl>},
      {"distTcpStore", tcpStore},            {"distFileStore", fileStore},
      {"distPrefixStore", prefixStore},      {"distStoreSet", storeSet},
      {"distStoreGet", storeGet},            {"distStoreAdd", storeAdd},
      {"distStoreCheck", storeCheck},        {"distInitBarrier", initBarrier},
      {"distNewGloo", newGloo},              {"distNewNccl", newNccl},
      {"distGroupRank", groupRank},          {"distGroupSize", groupSize},
      {"distGroupDestroy", groupDestroy},    {"distAllReduce", allReduce},
      {"distGroupSetSequence", groupSetSequence}, {"distReduceScatter", reduceScatter},
      {"distBroadcast", broadcast},          {"distAllGather", allGather},
      {"distGather", gather},                {"distScatter", scatter},
      {"distSend", send},                    {"distRecv", recv},
      {"distBarrier", barrier},              {"distBroadcastCoalesced", broadcastCoalesced},
      {"distVerifyParams", verifyParams},    {"distBucketAssignment", bucketAssignment},
      {"distWorkWait", workWait},            {"distWorkWaitAsync", workWaitAsync},
      {"distWorkIsCompleted", workIsCompleted},
      {"distReducerCreate", reducerCreate},  {"distReducerPrepare", reducerPrepare},
      {"distReducerCancel", reducerCancel},  {"distReducerRebuild", reducerRebuild},
      {"distReducerBuckets", reducerBuckets}, {"distReducerDispose", reducerDispose},
      {"distReducerLaunchedAt", reducerLaunchedAt}, {"distSetPeers", setPeers},
      {"distSubgroupStore", subgroupStore},
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
}  // namespace tstorch

#endif
