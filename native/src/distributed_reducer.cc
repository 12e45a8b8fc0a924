// DistributedDataParallel's gradient reducer. libtorch's own Reducer (reducer.hpp) does not compile
// against Debian's 1.13 headers, so this one re-creates its bucket protocol on top of the functions
// libtorch does export: compute_bucket_assignment_by_size, broadcast_coalesced, and the process
// group's allreduce/broadcast. Ranks of PyTorch's DistributedDataParallel and of this reducer therefore
// issue the same collectives in the same order.
#include "common.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include "distributed.h"

#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <tuple>

namespace tstorch::dist {
namespace {

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

// distReducerPrepare(r): the wrapper's forward, when this backward must synchronise (not inside noSync()).
// distReducerCancel(r): a forward without a backward (e.g. evaluation under grad mode): no hooks after all.
napi_value expectHooks(napi_env env, napi_callback_info info, bool expect) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    ReducerState& r = reducerArg(env, a[0]);
    std::lock_guard<std::mutex> lock(r.mu);
    if (expect) {
      if (r.callbackQueued) throw JsError("tstorch.distributed: the previous backward pass has not finished its reduction");
      r.resetIteration();
    }
    r.expectHooks = expect;
    return makeUndefined(env);
  });
}
napi_value reducerPrepare(napi_env env, napi_callback_info info) { return expectHooks(env, info, true); }
napi_value reducerCancel(napi_env env, napi_callback_info info) { return expectHooks(env, info, false); }

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
}  // namespace tstorch::dist

namespace tstorch {
std::vector<Export> distributedReducerExports() {
  using namespace dist;
  return {
      {"distReducerCreate", reducerCreate},
      {"distReducerPrepare", reducerPrepare},
      {"distReducerCancel", reducerCancel},
      {"distReducerRebuild", reducerRebuild},
      {"distReducerBuckets", reducerBuckets},
      {"distReducerLaunchedAt", reducerLaunchedAt},
      {"distReducerDispose", reducerDispose},
  };
}
}  // namespace tstorch

#endif  // TSTORCH_WITH_DISTRIBUTED (without it distributed.cc defines this table empty)
