// torch.distributed's collectives, each returning a work handle, waiting for that work (on the JS thread
// or on a libuv pool thread), and the collectives DistributedDataParallel's setup runs (module-state
// broadcast, parameter checks, bucket assignment).
#include "common.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include "distributed.h"

#include <torch/csrc/distributed/c10d/comm.hpp>

#include <memory>
#include <tuple>

namespace tstorch::dist {
namespace {

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

// gather and scatter: one tensor on every rank, a list on the root alone (empty elsewhere), the root's
// rank. distGather(pg, outputs[], input, dst) and distScatter(pg, output, inputs[], src): the list comes
// first in gather's arguments, second in scatter's.
template <typename Options, typename Call>
napi_value rootedCollective(napi_env env, napi_callback_info info, bool listFirst, const char* listName, const char* rootName,
                            Call&& call) {
  return guarded(env, [&] {
    Args<4> a(env, info);
    std::vector<at::Tensor> one{unwrapTensor(env, a[listFirst ? 2 : 1], "tensor")};
    std::vector<at::Tensor> list = tensorList(env, a[listFirst ? 1 : 2], listName);
    std::vector<std::vector<at::Tensor>> lists;
    if (!list.empty()) lists.push_back(std::move(list));
    Options o;
    o.rootRank = getInt(env, a[3], rootName);
    return wrapWork(env, call(*groupArg(env, a[0]), one, lists, o));
  });
}

napi_value gather(napi_env env, napi_callback_info info) {
  return rootedCollective<c10d::GatherOptions>(env, info, true, "gatherList", "dst", [](PG& pg, auto& in, auto& outs, auto& o) {
    return pg.gather(outs, in, o);
  });
}
napi_value scatter(napi_env env, napi_callback_info info) {
  return rootedCollective<c10d::ScatterOptions>(env, info, false, "scatterList", "src", [](PG& pg, auto& out, auto& ins, auto& o) {
    return pg.scatter(out, ins, o);
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

}  // namespace
}  // namespace tstorch::dist

namespace tstorch {
std::vector<Export> distributedCollectiveExports() {
  using namespace dist;
  return {
      {"distAllReduce", allReduce},
      {"distReduceScatter", reduceScatter},
      {"distBroadcast", broadcast},
      {"distAllGather", allGather},
      {"distGather", gather},
      {"distScatter", scatter},
      {"distSend", send},
      {"distRecv", recv},
      {"distBarrier", barrier},
      {"distBroadcastCoalesced", broadcastCoalesced},
      {"distVerifyParams", verifyParams},
      {"distBucketAssignment", bucketAssignment},
      {"distWorkWait", workWait},
      {"distWorkWaitAsync", workWaitAsync},
      {"distWorkIsCompleted", workIsCompleted},
  };
}
}  // namespace tstorch

#endif  // TSTORCH_WITH_DISTRIBUTED (without it distributed.cc defines this table empty)
