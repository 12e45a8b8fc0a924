// Entry point of the tstorch addon: registers the functions of each source file.
#include "common.h"

namespace tstorch {

static napi_value init(napi_env env, napi_value exports) {
  return guarded(env, [&] {
    // the tables declared in common.h, in its order
    for (auto table : {
             tensorExports,
             dispatchExports,
             dispatchSchemaExports,
             runtimeExports,
             allocatorExports,
             ampExports,
             cudaGraphExports,
             distributedExports,
             distributedStoreExports,
             distributedGroupExports,
             distributedCollectiveExports,
             distributedReducerExports,
             jitExports,
             jitCallExports,
             jitTraceExports,
             opRegistryExports,
             serializationExports,
             imageExports,
             imageJobExports,
             autogradExports,
             autogradHookExports,
             autogradFunctionExports,
             autogradPostHookExports,
             autogradEngineSwitchExports,
             aotiExports,
             runtimeStateExports,
             dlpackExports,
             optimStepExports,
         })
      registerExports(env, exports, table());
    installCpuAllocator();
    return exports;
  });
}

}  // namespace tstorch

NAPI_MODULE(tstorch, tstorch::init)
