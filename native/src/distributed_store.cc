// torch.distributed's stores (TCPStore, FileStore, PrefixStore, the store new_group works on), their
// key-value calls, and the store-based barrier that ends init_process_group (see distributed.cc).
#include "common.h"

#ifdef TSTORCH_WITH_DISTRIBUTED
#include "distributed.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace tstorch::dist {
namespace {

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

}  // namespace
}  // namespace tstorch::dist

namespace tstorch {
std::vector<Export> distributedStoreExports() {
  using namespace dist;
  return {
      {"distTcpStore", tcpStore},
      {"distFileStore", fileStore},
      {"distPrefixStore", prefixStore},
      {"distSubgroupStore", subgroupStore},
      {"distStoreSet", storeSet},
      {"distStoreGet", storeGet},
      {"distStoreAdd", storeAdd},
      {"distStoreCheck", storeCheck},
      {"distInitBarrier", initBarrier},
  };
}
}  // namespace tstorch

#endif  // TSTORCH_WITH_DISTRIBUTED (without it distributed.cc defines this table empty)
