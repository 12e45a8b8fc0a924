// torch.distributed's process groups: Gloo (and NCCL where the linked libtorch has it) made over a
// store as that version's PyTorch makes them (compat.h), their rank and size, and destroying them.
#include "common.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include "distributed.h"

#include <cstdlib>

namespace tstorch::dist {
namespace {

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

}  // namespace
}  // namespace tstorch::dist

namespace tstorch {
std::vector<Export> distributedGroupExports() {
  using namespace dist;
  return {
      {"distNewGloo", newGloo},
      {"distNewNccl", newNccl},
      {"distGroupSetSequence", groupSetSequence},
      {"distGroupRank", groupRank},
      {"distGroupSize", groupSize},
      {"distGroupDestroy", groupDestroy},
  };
}
}  // namespace tstorch

#endif  // TSTORCH_WITH_DISTRIBUTED (without it distributed.cc defines this table empty)
