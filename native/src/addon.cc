// Entry point of the tstorch addon: registers the functions of each source file.
#include "common.h"

namespace tstorch {

std::vector<Export> distributedExports();  // distributed.cc
static napi_value init(napi_env env, napi_value exports) {
  return guarded(env, [&] {
    registerExports(env, exports, tensorExports());
    registerExports(env, exports, dispatchExports());
    registerExports(env, exports, runtimeExports());
    registerExports(env, exports, allocatorExports());
    registerExports(env, exports, ampExports());
    registerExports(env, exports, cudaGraphExports());
    registerExports(env, exports, distributedExports());  // torch.distributed (distributed.cc)
    { std::vector<Export> jitExports(void); registerExports(env, exports, jitExports()); }  // TorchScript (jit.cc)
    { std::vector<Export> opRegistryExports(void); registerExports(env, exports, opRegistryExports()); }  // op_registry.cc
    { std::vector<Export> serializationExports(void); registerExports(env, exports, serializationExports()); }  // torch.load/save (serialization.cc)
    { std::vector<Export> imageExports(void); registerExports(env, exports, imageExports()); }  // image codecs (image.cc)
    { std::vector<Export> autogradExports(void); registerExports(env, exports, autogradExports()); }  // torch.autograd (autograd.cc)
    { std::vector<Export> runtimeStateExports(void); registerExports(env, exports, runtimeStateExports()); }  // default dtype, determinism, RNG state (runtime_state.cc)
    { std::vector<Export> dlpackExports(void); registerExports(env, exports, dlpackExports()); }  // DLPack capsules (dlpack.cc)
    installCpuAllocator();
    return exports;
  });
}

}  // namespace tstorch

NAPI_MODULE(tstorch, tstorch::init)
