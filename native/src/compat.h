// Every libtorch API that changed between the versions tstorch builds against (1.13 .. 2.14), in one
// place, keyed on the version the headers declare. Ranges, not points: a release between two tested
// ones takes the branch of the range it falls in. Built and tested: 1.13 (Debian 12) and 2.14 (Debian
// forky). The boundaries inside 2.0 .. 2.13 follow PyTorch's history as far as known here and are not
// yet checked by a build (Debian trixie's 2.6 is the next one to check); where an API itself shows
// the difference, it is detected from the API instead of the version.
#pragma once

// torch/version.h up to 2.13; 2.14 keeps it as an include of torch/headeronly/version.h.
#include <torch/csrc/api/include/torch/version.h>

#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <memory>
#include <type_traits>
#include <utility>

#define TSTORCH_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#if !TSTORCH_TORCH_AT_LEAST(1, 13)
#error "tstorch needs libtorch 1.13 or later"
#endif

namespace tstorch::compat {

// c10::optional became an alias of std::optional in 2.x (and is deprecated there); the symbols
// libtorch exports name whichever type its version used, so declarations below must use this one.
template <typename T>
using Optional = c10::optional<T>;
inline constexpr auto kNullopt = c10::nullopt;

// An autograd Node's owning pointer (what Tensor::grad_fn() and the engine's grad_accumulator hand
// out): std::shared_ptr up to 2.13, c10::intrusive_ptr in 2.14. Taken from grad_fn() rather than from
// a version guess.
using NodePtr = std::decay_t<decltype(std::declval<const at::Tensor&>().grad_fn())>;
inline constexpr bool kSharedNodes = std::is_same_v<NodePtr, std::shared_ptr<torch::autograd::Node>>;

}  // namespace tstorch::compat

// ---------------------------------------------------------------- autograd engine additions (autograd_post_hooks.cc, autograd_engine_switches.cc)
// 2.0 added AutogradState's thread-local multithreading switch (torch.autograd.set_multithreading_enabled:
// with it off, the engine runs device work on the calling thread instead of its device threads).
#if TSTORCH_TORCH_AT_LEAST(2, 0)
#define TSTORCH_AUTOGRAD_MULTITHREADING_SWITCH 1
#endif
// 2.1 added post-accumulate-grad hooks (Tensor.register_post_accumulate_grad_hook): one
// torch::autograd::PostAccumulateGradHook slot per leaf (impl::set_post_acc_grad_hooks) that
// AccumulateGrad calls after writing .grad.
#if TSTORCH_TORCH_AT_LEAST(2, 1)
#define TSTORCH_POST_ACC_GRAD_HOOKS 1
#endif
#include <c10/core/AutogradState.h>
namespace tstorch::compat {
// AutogradState's thread-local grad-layout switch (torch.autograd.enforce_grad_layout_policy): PyTorch
// added it in 2026 (2.14 has it, 1.13 .. 2.6 do not; the release in between is not known here), so it
// is detected from the class. The functions below answer nullopt where the switch does not exist.
template <typename S, typename = void>
struct HasGradLayoutSwitch : std::false_type {};
template <typename S>
struct HasGradLayoutSwitch<S, std::void_t<decltype(std::declval<S&>().set_grad_layout_enforcement_enabled(true)),
                                          decltype(std::declval<const S&>().get_grad_layout_enforcement_enabled())>>
    : std::true_type {};
inline constexpr bool kGradLayoutSwitch = HasGradLayoutSwitch<c10::AutogradState>::value;
// Sets this thread's switch and returns its previous value.
template <typename S = c10::AutogradState>
Optional<bool> exchangeGradLayoutEnforcement(bool on) {
  if constexpr (HasGradLayoutSwitch<S>::value) {
    S& s = S::get_tls_state();
    bool prev = s.get_grad_layout_enforcement_enabled();
    s.set_grad_layout_enforcement_enabled(on);
    return prev;
  } else {
    (void)on;
    return kNullopt;
  }
}
template <typename S = c10::AutogradState>
Optional<bool> gradLayoutEnforcement() {
  if constexpr (HasGradLayoutSwitch<S>::value) {
    return S::get_tls_state().get_grad_layout_enforcement_enabled();
  } else {
    return kNullopt;
  }
}
}  // namespace tstorch::compat

// ---------------------------------------------------------------- autocast (amp.cc)
// Included only by amp.cc (which defines TSTORCH_AUTOCAST_COMPAT first). 2.4 replaced the per-device
// functions (set_enabled, set_autocast_gpu_dtype, ...) by ones taking the device type; 1.13 .. 2.3
// have only the former, so there compat::autocast defines the 2.4 ones (CUDA or else the CPU) over them.
#ifdef TSTORCH_AUTOCAST_COMPAT
#include <ATen/autocast_mode.h>
#if TSTORCH_TORCH_AT_LEAST(2, 4)
namespace tstorch::compat {
namespace autocast = at::autocast;
}  // namespace tstorch::compat
#else
namespace tstorch::compat::autocast {
inline bool is_autocast_enabled(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
inline void set_autocast_enabled(at::DeviceType d, bool on) {
  d == at::kCUDA ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on);
}
inline at::ScalarType get_autocast_dtype(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
inline void set_autocast_dtype(at::DeviceType d, at::ScalarType t) {
  d == at::kCUDA ? at::autocast::set_autocast_gpu_dtype(t) : at::autocast::set_autocast_cpu_dtype(t);
}
}  // namespace tstorch::compat::autocast
#endif
#endif  // TSTORCH_AUTOCAST_COMPAT

// ---------------------------------------------------------------- warn-always switch (runtime_state.cc)
// 2.0 made c10::Warning the warning class and moved TORCH_WARN's process switches (set_warnAlways,
// get_warnAlways) to namespace c10::WarningUtils; 1.13 has them in namespace c10::Warning.
#if TSTORCH_TORCH_AT_LEAST(2, 0)
#define TSTORCH_WARNING_UTILS c10::WarningUtils
#else
#define TSTORCH_WARNING_UTILS c10::Warning
#endif

// ---------------------------------------------------------------- CPU allocator (cpu_allocator.cc)
// 2.3 made Allocator::allocate non-const (and asks allocators for copy_data, which the allocator
// defines in every version); 1.13 .. 2.2 have the const form.
#if TSTORCH_TORCH_AT_LEAST(2, 3)
#define TSTORCH_ALLOCATE_CONST
#else
#define TSTORCH_ALLOCATE_CONST const
#endif

// ---------------------------------------------------------------- c10d (distributed*.cc)
// 2.0 split process groups in two: a backend (ProcessGroupGloo, ProcessGroupNCCL: c10d::Backend) does
// the collectives, and a c10d::ProcessGroup dispatches each call to the backend registered for the
// tensors' device. 1.13's ProcessGroupGloo *is* the ProcessGroup.
#if TSTORCH_TORCH_AT_LEAST(2, 0)
#define TSTORCH_C10D_BACKENDS 1
#endif
// 2.6 dropped ProcessGroup::Options: the group is made from (store, rank, size) and told its default
// backend type; 2.0 .. 2.5 pass Options naming the backend.
#if TSTORCH_TORCH_AT_LEAST(2, 6)
#define TSTORCH_C10D_DEFAULT_BACKEND 1
#endif
// The store layout of PyTorch's _new_process_group_helper: 1.13 prefixes a group's keys with
// "<name>/" (PrefixStore(name)); 2.x with "<name>//" (PrefixStore(f"{name}/")) and then the backend's
// with "<device>//" (PrefixStore(f"{device}/")), so that one group can hold a backend per device.
#if TSTORCH_TORCH_AT_LEAST(2, 0)
#define TSTORCH_C10D_DEVICE_PREFIX 1
#endif
// init_process_group / new_group's store-based barrier: 1.13 and 2.0 always run it, keyed on the group
// counter after the increment ("store_based_barrier_key:<count>"), every rank polling add(key, 0) until
// all have checked in. From 2.1 it runs only with TORCH_DIST_INIT_BARRIER=1, keyed on the group's name,
// and the last rank to check in sets "<key>:last_worker" for the others to wait on.
#if TSTORCH_TORCH_AT_LEAST(2, 1)
#define TSTORCH_C10D_BARRIER_OPT_IN 1
#endif
// TCPStore's libuv server: from 2.4 TCPStoreOptions::useLibUV defaults to true (PyTorch reads USE_LIBUV,
// default 1), and a libtorch built without libuv (Debian's) refuses it; before 2.4 it defaulted to false.
#if TSTORCH_TORCH_AT_LEAST(2, 4)
#define TSTORCH_TCPSTORE_LIBUV 1
#endif
namespace tstorch::compat {
// Under torchrun (TORCHELASTIC_USE_AGENT_STORE=True) workers are clients of the agent's store: up to 2.3
// under the prefix "/worker/attempt_<restart count>"; from 2.4 the agent makes a new store per attempt
// and workers use it without a prefix.
inline constexpr bool kAgentStoreAttemptPrefix = !TSTORCH_TORCH_AT_LEAST(2, 4);
// Gloo's reduce_scatter: PyTorch 2.8 implemented it (one all-reduce per rank); before, it threw, and
// tstorch reduces-then-narrows on its own (src/distributed/collectives.ts).
inline constexpr bool kGlooReduceScatter = TSTORCH_TORCH_AT_LEAST(2, 8);
}  // namespace tstorch::compat

#ifdef TSTORCH_WITH_DISTRIBUTED
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef TSTORCH_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <string>
#include <tuple>
#include <vector>

// Exported by libtorch_cpu but declared in reducer.hpp, which does not compile against Debian's 1.13
// headers; the signatures are those of 1.13 .. 2.14 (the optional's type follows compat::Optional).
namespace c10d {
class Logger;
TORCH_API std::tuple<std::vector<std::vector<size_t>>, std::vector<size_t>> compute_bucket_assignment_by_size(
    const std::vector<at::Tensor>& tensors, const std::vector<size_t>& bucket_size,
    const std::vector<bool>& expect_sparse_gradient, const std::vector<int64_t>& tensor_indices,
    const tstorch::compat::Optional<std::weak_ptr<c10d::Logger>>& logger);
TORCH_API void verify_params_across_processes(const c10::intrusive_ptr<c10d::ProcessGroup>& process_group,
                                              const std::vector<at::Tensor>& params,
                                              const tstorch::compat::Optional<std::weak_ptr<c10d::Logger>>& logger);
}  // namespace c10d

namespace tstorch::compat {

// grad_accumulator (a parameter's AccumulateGrad node) hands out the owning pointer grad_fn() does.
static_assert(std::is_same_v<NodePtr, decltype(torch::autograd::impl::grad_accumulator(std::declval<const at::Tensor&>()))>);

// The stores of a group, laid out as that version's PyTorch lays them out (TSTORCH_C10D_DEVICE_PREFIX):
// the group's over `base` (the "default_pg"-prefixed store), and its backend's for `device` ("cpu",
// "cuda") over the group's.
inline c10::intrusive_ptr<c10d::Store> groupStore(const c10::intrusive_ptr<c10d::Store>& base, const std::string& name) {
#ifdef TSTORCH_C10D_DEVICE_PREFIX
  return c10::make_intrusive<c10d::PrefixStore>(name + "/", base);
#else
  return c10::make_intrusive<c10d::PrefixStore>(name, base);
#endif
}
inline c10::intrusive_ptr<c10d::Store> backendStore(const c10::intrusive_ptr<c10d::Store>& group, const std::string& device) {
#ifdef TSTORCH_C10D_DEVICE_PREFIX
  return c10::make_intrusive<c10d::PrefixStore>(device + "/", group);
#else
  (void)device;
  return group;
#endif
}

// The store new_group builds subgroups (and runs its barrier) on: 1.13 keeps the default store
// ("default_pg"); 2.x keeps the default group's own store ("default_pg" + "<name>/"), so a subgroup's
// keys nest under the default group's.
inline c10::intrusive_ptr<c10d::Store> subgroupBase(const c10::intrusive_ptr<c10d::Store>& base, const std::string& defaultName) {
#ifdef TSTORCH_C10D_DEVICE_PREFIX
  return groupStore(base, defaultName);
#else
  (void)defaultName;
  return base;
#endif
}

// PyTorch's _set_sequence_number_for_group: rank 0 draws the group's sequence number into the store,
// the others wait for it. 1.13 does it on the group after the store-based barrier (syncSequence below,
// called by JS after the barrier); 2.x's helper does it on the backend as soon as it exists, before any
// barrier (a rank waiting for it elsewhere would deadlock against PyTorch's rank 0). Releases whose
// backends no longer override it (the base's is a deprecated no-op that warns: 2.14) do not call it
// at all, so neither does tstorch: detected from the class rather than from a version guess.
template <typename B>
constexpr bool ownsSequenceNumber() {
  return std::is_same_v<decltype(&B::setSequenceNumberForGroup), void (B::*)()>;
}
template <typename B>
void syncSequenceAtCreation(B& backend) {
#ifdef TSTORCH_C10D_BACKENDS
  if constexpr (ownsSequenceNumber<B>()) backend.setSequenceNumberForGroup();
#else
  (void)backend;
#endif
}
inline void syncSequenceAfterBarrier(const c10::intrusive_ptr<c10d::ProcessGroup>& pg) {
#ifndef TSTORCH_C10D_BACKENDS
  pg->setSequenceNumberForGroup();
#else
  (void)pg;
#endif
}

// A process group over one backend: the backend itself up to 1.13, from 2.0 a ProcessGroup with the
// backend registered for `device` (what PyTorch's _new_process_group_helper builds).
#ifdef TSTORCH_C10D_BACKENDS
template <typename B>
c10::intrusive_ptr<c10d::ProcessGroup> wrapBackend(const c10::intrusive_ptr<c10d::Store>& groupStore, c10::intrusive_ptr<B> backend,
                                                   c10::DeviceType device, c10d::ProcessGroup::BackendType type,
                                                   const std::string& typeName, std::chrono::milliseconds timeout) {
  int rank = backend->getRank(), size = backend->getSize();
#ifdef TSTORCH_C10D_DEFAULT_BACKEND
  (void)typeName;
  (void)timeout;
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(groupStore, rank, size);
  pg->setDefaultBackend(type);
#else
  auto opts = c10::make_intrusive<c10d::ProcessGroup::Options>(typeName, timeout);
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(groupStore, rank, size, opts);
#endif
  pg->setBackend(device, type, c10::intrusive_ptr<c10d::Backend>(std::move(backend)));
  return pg;
}
#endif

// A group named `name` (its store prefix) over the "default_pg"-prefixed store `base`, run by backend B
// (ProcessGroupGloo for the CPU, ProcessGroupNCCL for CUDA) with its store under `device`'s prefix.
template <typename B>
c10::intrusive_ptr<c10d::ProcessGroup> backendGroup(const c10::intrusive_ptr<c10d::Store>& base, const std::string& name, int rank,
                                                    int size, c10::intrusive_ptr<typename B::Options> opts, c10::DeviceType device) {
  auto timeout = opts->timeout;
  auto store = groupStore(base, name);
  auto backend = c10::make_intrusive<B>(backendStore(store, c10::DeviceTypeName(device, /*lower_case=*/true)), rank, size, std::move(opts));
  syncSequenceAtCreation(*backend);
#ifdef TSTORCH_C10D_BACKENDS
  bool cuda = device == c10::DeviceType::CUDA;
  return wrapBackend(store, std::move(backend), device, cuda ? c10d::ProcessGroup::BackendType::NCCL : c10d::ProcessGroup::BackendType::GLOO,
                     cuda ? "nccl" : "gloo", timeout);
#else
  (void)store;
  (void)timeout;
  return backend;
#endif
}

}  // namespace tstorch::compat
#endif  // TSTORCH_WITH_DISTRIBUTED

// ---------------------------------------------------------------- AOTInductor packages (aoti.cc)
// torch::inductor::AOTIModelPackageLoader, which runs the .pt2 packages that
// torch._inductor.aoti_compile_and_package makes, is in libtorch from 2.6 on (and always built there:
// a 2.6+ libtorch whose headers lack it is a build error, not a silent stub). Before 2.6 aoti.cc
// exports nothing and torch.aoti.loadPackage says which libtorch it needs.
#if TSTORCH_TORCH_AT_LEAST(2, 6)
#define TSTORCH_WITH_AOTI 1
#endif
// Included only by aoti.cc (which defines TSTORCH_AOTI_COMPAT first): the loader's header is inductor's.
#if defined(TSTORCH_AOTI_COMPAT) && defined(TSTORCH_WITH_AOTI)
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <memory>
#include <string>
#include <type_traits>

namespace tstorch::compat {

using AotiLoader = torch::inductor::AOTIModelPackageLoader;
// 2.6 constructs a loader from (path, model_name) only; later releases add run_single_threaded (and
// then num_runners, device_index, defaulted). Detected from the constructor rather than a version guess.
inline constexpr bool kAotiSingleThreadedOption =
    std::is_constructible_v<AotiLoader, const std::string&, const std::string&, bool>;

inline std::unique_ptr<AotiLoader> makeAotiLoader(const std::string& path, const std::string& modelName, bool runSingleThreaded) {
  if constexpr (kAotiSingleThreadedOption) {
    return std::make_unique<AotiLoader>(path, modelName, runSingleThreaded);
  } else {
    TORCH_CHECK(!runSingleThreaded, "torch.aoti.loadPackage: runSingleThreaded needs a libtorch newer than ", TORCH_VERSION,
                " (whose AOTIModelPackageLoader has no such option)");
    return std::make_unique<AotiLoader>(path, modelName);
  }
}

}  // namespace tstorch::compat
#endif  // TSTORCH_AOTI_COMPAT && TSTORCH_WITH_AOTI

// ---------------------------------------------------------------- autograd (autograd.cc)
// Included only by autograd_function.cc (which defines TSTORCH_AUTOGRAD_COMPAT first): custom_function.h is heavy.
#ifdef TSTORCH_AUTOGRAD_COMPAT
#include <torch/csrc/autograd/custom_function.h>

#include <unordered_set>

namespace tstorch::compat {

// A new node of type N (a Node subclass) behind the owning pointer of this libtorch.
template <class N>
NodePtr makeNode() {
  if constexpr (kSharedNodes) {
    // libtorch deletes nodes with deleteNode (iteratively, so long chains do not overflow the stack);
    // unqualified, so that only the shared_ptr branch names it (2.14 has no deleteNode).
    return std::shared_ptr<N>(new N(), [](N* p) { deleteNode(p); });
  } else {
    return c10::make_intrusive<N>();
  }
}

// An owning pointer to a node from inside its own member function.
template <class N>
NodePtr selfPtr(N* n) {
  if constexpr (kSharedNodes) return n->shared_from_this();
  else return n->getptr();
}

// torch::autograd::_wrap_outputs (what Function<T>::apply calls after forward) gained parameters:
// 1.13 takes (inputs, non_differentiable, dirty, raw_outputs, node, jvp); 2.x adds
// to_save_if_setup_context and view_as_self_fn; 2.14 adds pure_view and attached_node. Detected
// from the declaration itself.
using TensorImplSet = std::unordered_set<at::TensorImpl*>;
template <class Void, class... A>
struct CanWrapOutputs : std::false_type {};
template <class... A>
struct CanWrapOutputs<std::void_t<decltype(torch::autograd::_wrap_outputs(std::declval<A>()...))>, A...> : std::true_type {};
using WrapRaw = at::ArrayRef<Optional<at::Tensor>>;
using JvpFn = torch::autograd::_jvp_fn_t;
using ViewAsSelfFn = std::function<at::Tensor(at::Tensor)>;
inline constexpr bool kWrapOutputs10 =
    CanWrapOutputs<void, const torch::autograd::variable_list&, const TensorImplSet&, const TensorImplSet&, WrapRaw,
                   const NodePtr&, const JvpFn&, const TensorImplSet&, const ViewAsSelfFn&, bool, NodePtr&>::value;
inline constexpr bool kWrapOutputs8 =
    CanWrapOutputs<void, const torch::autograd::variable_list&, const TensorImplSet&, const TensorImplSet&, WrapRaw,
                   const NodePtr&, const JvpFn&, const TensorImplSet&, const ViewAsSelfFn&>::value;

template <class P>
std::vector<Optional<at::Tensor>> wrapOutputs(const torch::autograd::variable_list& inputs, const TensorImplSet& nonDiff,
                                              const TensorImplSet& dirty, WrapRaw raw, const P& node) {
  JvpFn jvp = [](torch::autograd::variable_list, torch::autograd::variable_list) -> torch::autograd::variable_list {
    TORCH_CHECK(false, "forward-mode AD (jvp) is not implemented for tstorch's custom autograd.Function");
  };
  ViewAsSelfFn viewAsSelf = [](const at::Tensor& x) { return x.view_as(x); };
  TensorImplSet none;
  if constexpr (kWrapOutputs10) {
    NodePtr attached;
    return torch::autograd::_wrap_outputs(inputs, nonDiff, dirty, raw, node, jvp, none, viewAsSelf, false, attached);
  } else if constexpr (kWrapOutputs8) {
    return torch::autograd::_wrap_outputs(inputs, nonDiff, dirty, raw, node, jvp, none, viewAsSelf);
  } else {
    (void)viewAsSelf;
    return torch::autograd::_wrap_outputs(inputs, nonDiff, dirty, raw, node, jvp);
  }
}

}  // namespace tstorch::compat
#endif  // TSTORCH_AUTOGRAD_COMPAT
