// CUDA graphs (torch.cuda.CUDAGraph): record a whole training step's kernels once, then replay them
// with one launch, removing the per-kernel launch cost that dominates small models on a fast GPU.
//
// Built for real only against a CUDA libtorch whose CUDA headers were found (the build script
// defines TSTORCH_WITH_CUDA_GRAPHS); otherwise this file contributes no functions and JS reports
// that graphs are unavailable. Capture runs on a side stream, as PyTorch's torch.cuda.graph does:
// the legacy default stream cannot be captured.
#include "common.h"

#ifdef TSTORCH_WITH_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>

#include <memory>

namespace tstorch {
namespace {

struct GraphBox {
  std::unique_ptr<at::cuda::CUDAGraph> graph = std::make_unique<at::cuda::CUDAGraph>();
  bool captured = false;
};

// The stream that was current before sideStreamBegin (one level: regions do not nest).
c10::optional<c10::cuda::CUDAStream>& savedStream() {
  static c10::optional<c10::cuda::CUDAStream> s;
  return s;
}

void finalizeGraph(node_api_basic_env, void* data, void*) { delete static_cast<GraphBox*>(data); }

GraphBox* graphOf(napi_env env, napi_value v) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr)
    throw JsError("tstorch: expected a CUDA graph handle");
  return static_cast<GraphBox*>(data);
}

}  // namespace

// Makes a pool stream current (after the device is idle), so that what follows can be captured.
static napi_value cudaSideStreamBegin(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (savedStream()) throw JsError("tstorch: a side-stream region is already open");
    c10::cuda::device_synchronize();
    savedStream() = c10::cuda::getCurrentCUDAStream();
    // Always the same side stream: warm-up and capture must share it, or autograd's AccumulateGrad
    // nodes (which remember the stream of their first use) see a stream change inside the capture.
    static c10::optional<c10::cuda::CUDAStream> side;
    if (!side || side->device_index() != savedStream()->device_index()) side = c10::cuda::getStreamFromPool();
    c10::cuda::setCurrentCUDAStream(*side);
    return makeUndefined(env);
  });
}

// Waits for the side stream's work and makes the previous stream current again.
static napi_value cudaSideStreamEnd(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (!savedStream()) return makeUndefined(env);
    c10::cuda::device_synchronize();
    c10::cuda::setCurrentCUDAStream(*savedStream());
    savedStream().reset();
    return makeUndefined(env);
  });
}

static napi_value cudaGraphCreate(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    auto* box = new GraphBox();
    napi_value v;
    if (napi_create_external(env, box, finalizeGraph, nullptr, &v) != napi_ok) {
      delete box;
      throw JsError("tstorch: could not create a CUDA graph handle");
    }
    return v;
  });
}

static napi_value cudaGraphCaptureBegin(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    GraphBox* g = graphOf(env, a[0]);
    if (g->captured) throw JsError("tstorch: this CUDA graph was already captured (reset() it first)");
    if (!savedStream()) throw JsError("tstorch: CUDA graph capture needs a side stream (internal)");
    g->graph->capture_begin();
    return makeUndefined(env);
  });
}

static napi_value cudaGraphCaptureEnd(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    GraphBox* g = graphOf(env, a[0]);
    g->graph->capture_end();
    g->captured = true;
    return makeUndefined(env);
  });
}

static napi_value cudaGraphReplay(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    GraphBox* g = graphOf(env, a[0]);
    if (!g->captured) throw JsError("tstorch: replay() of a CUDA graph that holds no capture");
    g->graph->replay();
    return makeUndefined(env);
  });
}

static napi_value cudaGraphReset(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    GraphBox* g = graphOf(env, a[0]);
    g->graph = std::make_unique<at::cuda::CUDAGraph>();  // frees the old graph and its memory pool
    g->captured = false;
    return makeUndefined(env);
  });
}

std::vector<Export> cudaGraphExports() {
  return {
      {"cudaSideStreamBegin", cudaSideStreamBegin},     {"cudaSideStreamEnd", cudaSideStreamEnd},
      {"cudaGraphCreate", cudaGraphCreate},             {"cudaGraphCaptureBegin", cudaGraphCaptureBegin},
      {"cudaGraphCaptureEnd", cudaGraphCaptureEnd},     {"cudaGraphReplay", cudaGraphReplay},
      {"cudaGraphReset", cudaGraphReset},
  };
}

}  // namespace tstorch

#else

namespace tstorch {
std::vector<Export> cudaGraphExports() { return {}; }
}  // namespace tstorch

#endif
