// The operator registry as PyTorch's torch.ops sees it: TorchScript's registry
// (torch::jit::getAllOperatorsFor) keeps each name's overloads in registration order, the order in
// which torch.ops.aten.NAME tries them. The dispatcher's own list (dispatch.cc's schemas()) comes in
// hash order, so the generated surface (scripts/gen/gen-aten.mjs) reads this one.
#include <torch/csrc/jit/runtime/operator.h>

#include <sstream>
#include <string>
#include <vector>

#include "common.h"

namespace tstorch {
namespace {

// registeredSchemas() -> ["aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", ...]:
// every dispatcher operator (TorchScript-only ones, such as aten::append.t, are not callable through
// the dispatcher and are left out), each name's overloads in registration order.
napi_value registeredSchemas(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    std::vector<std::string> texts;
    for (const auto& op : torch::jit::getAllOperators()) {
      if (!op->isC10Op()) continue;
      std::ostringstream s;
      s << op->schema();
      texts.push_back(s.str());
    }
    napi_value out;
    check(napi_create_array_with_length(env, texts.size(), &out), "create_array");
    for (size_t i = 0; i < texts.size(); ++i) napi_set_element(env, out, static_cast<uint32_t>(i), makeString(env, texts[i]));
    return out;
  });
}

}  // namespace

std::vector<Export> opRegistryExports() { return {{"registeredSchemas", registeredSchemas}}; }

}  // namespace tstorch
