// DLPack (torch.utils.dlpack / torch.to_dlpack, torch.from_dlpack): libtorch's own converters. A
// capsule is a napi External owning a DLManagedTensor; from_dlpack consumes it (the tensor then owns
// the memory, shared with the exporter), and a capsule that was never consumed is freed with it, as
// PyTorch's "dltensor" capsules are.
#include <ATen/DLConvertor.h>
#include <ATen/dlpack.h>

#include "common.h"

namespace tstorch {
namespace {

// tags a capsule so that no other External (a tensor handle, a module) is taken for one
const napi_type_tag kCapsuleTag = {0x7473746f72636864ULL, 0x6c7061636b636170ULL};

struct Capsule {
  DLManagedTensor* managed;  // null once consumed
};

void finalizeCapsule(node_api_basic_env, void* data, void*) {
  auto* c = static_cast<Capsule*>(data);
  if (c->managed != nullptr && c->managed->deleter != nullptr) c->managed->deleter(c->managed);
  delete c;
}

// toDlpack(handle) -> capsule
napi_value toDlpack(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "tensor");
    auto* c = new Capsule{at::toDLPack(t)};
    napi_value out;
    napi_status s = napi_create_external(env, c, finalizeCapsule, nullptr, &out);
    if (s != napi_ok) {
      finalizeCapsule(env, c, nullptr);
      check(s, "create_external");
    }
    check(napi_type_tag_object(env, out, &kCapsuleTag), "type_tag_object");
    return out;
  });
}

// fromDlpack(capsule) -> handle; a capsule can be consumed once
napi_value fromDlpack(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    bool tagged = false;
    if (typeOf(env, a[0]) == napi_external) check(napi_check_object_type_tag(env, a[0], &kCapsuleTag, &tagged), "check_object_type_tag");
    if (!tagged) throw JsError("tstorch: fromDlpack expects a DLPack capsule (what toDlpack returns)");
    void* data = nullptr;
    check(napi_get_value_external(env, a[0], &data), "get_value_external");
    auto* c = static_cast<Capsule*>(data);
    if (c->managed == nullptr) throw JsError("tstorch: fromDlpack: this DLPack capsule was already consumed (a capsule can be used once)");
    at::Tensor t = at::fromDLPack(c->managed);  // the tensor's deleter now calls the capsule's
    c->managed = nullptr;
    return wrapTensor(env, t);
  });
}

}  // namespace

std::vector<Export> dlpackExports() { return {{"toDlpack", toDlpack}, {"fromDlpack", fromDlpack}}; }

}  // namespace tstorch
