// A caching CPU allocator, installed as libtorch's CPU allocator when the addon loads.
//
// Why: with glibc, every large tensor is an mmap that free() returns to the kernel, and the next
// training step faults the same memory back in page by page. On the seed's full-batch workloads
// that page-fault tax dominated PyTorch's step time on the CPU (see docs/benchmarks.md). Here large
// blocks are kept after free and handed out again for the same (rounded) size.
//
// Memory policy: a request that the cache cannot serve may grow the footprint (live + cached bytes)
// only up to the peak of live bytes plus 1/64 and 16 MiB; past that it first frees cached blocks,
// smallest first. A non-caching allocator peaks at the peak of live bytes too, so this keeps the
// speed of reuse without growing the footprint beyond a few percent. (The slack was 5 % + 64 MiB:
// that alone put an MNIST CNN with 1,000-image evaluation batches 4 % above PyTorch's peak RSS.)
//
// Large blocks are mapped by the allocator itself (mmap/munmap), never taken from glibc, so glibc's
// own heuristics stay as in PyTorch's process. Two earlier designs lost to that:
// - large blocks from malloc with glibc's dynamic mmap threshold: glibc raises the threshold to the
//   size of any mmapped block freed (up to 32 MiB), after which tensors of 128 KiB .. 32 MiB come
//   from the brk heap, whose freed pages fragmentation keeps resident: an LSTM trained with LBFGS in
//   float64 peaked 1.33x above PyTorch (720 vs 541 MB) at the same CPU time (bench/peak-rss.ts);
// - that threshold pinned at 128 KiB: then every 128 KiB+ buffer that others malloc and free per
//   call became an mmap and munmap. OpenBLAS's sgemm takes a 512 KiB buffer per call, so a
//   character-level LSTM stepped one time step at a time made ~4 mmaps a time step (14,398 per 30
//   sequences against 1,475 under libtorch's allocator) and its backward ran 1.5-2x PyTorch's.
// (Transparent huge pages were tried and dropped: on this project's VMs first touch of a huge page
// cost ~6x more than of 4 KiB pages.) Small blocks go straight to posix_memalign/free, as libtorch's
// own allocator does. TSTORCH_CPU_ALLOCATOR=default keeps libtorch's allocator.
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <map>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "compat.h"  // TSTORCH_ALLOCATE_CONST


namespace tstorch {
namespace {

constexpr size_t kAlign = 64;                  // libtorch's alignment (gAlignment)
// From 128 KiB on (glibc's default mmap threshold), blocks are mapped here and cached: uncached,
// every such block is mapped, unmapped and faulted back in page by page at each step (an uncached
// 128 KiB .. 1 MiB cost the CIFAR-10 CNN's epoch 12 % more page faults).
constexpr size_t kLarge = 128 << 10;

// Sizes are rounded so that a block serves the next request of about the same size: to pages below
// 1 MiB (what an mmap takes anyway), 64 KiB units below 16 MiB, 1 MiB units above. Every rounded size
// is a whole number of pages, as mmap and munmap need.
size_t roundSize(size_t n) {
  size_t unit = n >= (16u << 20) ? (1u << 20) : n >= (1u << 20) ? (64u << 10) : (4u << 10);
  return (n + unit - 1) / unit * unit;
}

struct Stats {
  int64_t allocated = 0;  // bytes in live large blocks
  int64_t cached = 0;     // bytes in free large blocks kept for reuse
  int64_t peakAllocated = 0;
  int64_t hits = 0;
  int64_t misses = 0;
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(int64_t cacheLimit) : cacheLimit_(cacheLimit) {}

  c10::DataPtr allocate(size_t nbytes) TSTORCH_ALLOCATE_CONST override {
    if (nbytes < kLarge) {
      void* p = allocSmall(nbytes);
      return {p, p, &freeSmall, c10::Device(c10::DeviceType::CPU)};
    }
    void* p = const_cast<CachingCpuAllocator*>(this)->allocLarge(roundSize(nbytes));
    return {p, p, &freeAny, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &freeAny; }

  // PyTorch 2.x asks allocators to copy their own blocks (clone of storages); 1.13 does not.
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

  Stats stats() {
    std::lock_guard<std::mutex> g(mu_);
    return stats_;
  }

  void emptyCache() {
    std::vector<std::pair<void*, size_t>> toFree;
    {
      std::lock_guard<std::mutex> g(mu_);
      for (auto& kv : free_) {
        for (void* p : kv.second) toFree.emplace_back(p, kv.first);
      }
      free_.clear();
      stats_.cached = 0;
    }
    for (auto& b : toFree) unmapBlock(b.first, b.second);
  }

  static CachingCpuAllocator* instance;

 private:
  static void* allocSmall(size_t nbytes) {
    void* p = nullptr;
    if (nbytes == 0) nbytes = 1;
    if (posix_memalign(&p, kAlign, nbytes) != 0 || !p) {
      throw c10::Error({__func__, __FILE__, static_cast<uint32_t>(__LINE__)},
                       "tstorch: out of CPU memory allocating " + std::to_string(nbytes) + " bytes");
    }
    return p;
  }
  static void freeSmall(void* p) { std::free(p); }

  // Large blocks: page-aligned anonymous mappings (aligned beyond kAlign), zero-filled on first touch.
  static void* mapBlock(size_t size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  static void unmapBlock(void* p, size_t size) { munmap(p, size); }

  // Blocks from before the allocator was installed, or small ones, are glibc's.
  static void freeAny(void* p) {
    if (!p) return;
    if (!instance->releaseLarge(p)) std::free(p);
  }

  void* allocLarge(size_t size) {
    std::vector<std::pair<void*, size_t>> evicted;
    {
      std::lock_guard<std::mutex> g(mu_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats_.cached -= size;
        live_[p] = size;
        stats_.allocated += size;
        stats_.peakAllocated = std::max(stats_.peakAllocated, stats_.allocated);
        ++stats_.hits;
        return p;
      }
      // A miss. The footprint (live + cached) may grow to the peak of live bytes plus a small slack
      // (1/64 + 16 MiB, room for an optimiser's temporaries beside cached activations); beyond
      // that, cached blocks are given back, smallest first, so the big blocks that the next step
      // will ask for again stay.
      int64_t liveAfter = stats_.allocated + static_cast<int64_t>(size);
      int64_t peak = std::max(stats_.peakAllocated, liveAfter);
      int64_t allowed = peak + peak / 64 + (int64_t(16) << 20);
      int64_t need = liveAfter + stats_.cached - allowed;
      for (auto f = free_.begin(); f != free_.end() && need > 0;) {
        while (!f->second.empty() && need > 0) {
          evicted.emplace_back(f->second.back(), f->first);
          f->second.pop_back();
          stats_.cached -= f->first;
          need -= static_cast<int64_t>(f->first);
        }
        f = f->second.empty() ? free_.erase(f) : std::next(f);
      }
    }
    for (auto& e : evicted) unmapBlock(e.first, e.second);
    void* p = mapBlock(size);
    if (!p) {
      emptyCache();  // give cached blocks back and try once more
      p = mapBlock(size);
      if (!p) {
        throw c10::Error({__func__, __FILE__, static_cast<uint32_t>(__LINE__)},
                         "tstorch: out of CPU memory allocating " + std::to_string(size) + " bytes");
      }
    }
    std::lock_guard<std::mutex> g(mu_);
    live_[p] = size;
    stats_.allocated += size;
    stats_.peakAllocated = std::max(stats_.peakAllocated, stats_.allocated);
    ++stats_.misses;
    return p;
  }

  // Returns false when p is not a large block of ours.
  bool releaseLarge(void* p) {
    size_t size;
    {
      std::lock_guard<std::mutex> g(mu_);
      auto it = live_.find(p);
      if (it == live_.end()) return false;
      size = it->second;
      live_.erase(it);
      stats_.allocated -= size;
      if (stats_.cached + static_cast<int64_t>(size) <= cacheLimit_) {
        free_[size].push_back(p);
        stats_.cached += size;
        return true;
      }
    }
    unmapBlock(p, size);
    return true;
  }

  const int64_t cacheLimit_;
  std::mutex mu_;
  std::unordered_map<void*, size_t> live_;
  std::map<size_t, std::vector<void*>> free_;  // ordered: eviction takes small blocks first
  Stats stats_;
};

CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;

int64_t defaultCacheLimit() {
  if (const char* env = std::getenv("TSTORCH_CPU_CACHE_MB")) return static_cast<int64_t>(std::atoll(env)) << 20;
  long pages = sysconf(_SC_PHYS_PAGES);
  long pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0) return int64_t(4) << 30;
  return static_cast<int64_t>(pages) * pageSize / 2;
}

}  // namespace

void installCpuAllocator() {
  const char* env = std::getenv("TSTORCH_CPU_ALLOCATOR");
  if (env && std::strcmp(env, "default") == 0) return;
  if (CachingCpuAllocator::instance) return;
  // Never deleted: tensors may outlive the addon's environment during process exit.
  CachingCpuAllocator::instance = new CachingCpuAllocator(defaultCacheLimit());
  c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority=*/100);
}

static napi_value cpuMemoryStats(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value o;
    check(napi_create_object(env, &o), "create_object");
    auto* a = CachingCpuAllocator::instance;
    napi_set_named_property(env, o, "caching", makeBool(env, a != nullptr));
    if (a) {
      Stats s = a->stats();
      napi_set_named_property(env, o, "allocatedBytes", makeNumber(env, static_cast<double>(s.allocated)));
      napi_set_named_property(env, o, "cachedBytes", makeNumber(env, static_cast<double>(s.cached)));
      napi_set_named_property(env, o, "peakAllocatedBytes", makeNumber(env, static_cast<double>(s.peakAllocated)));
      napi_set_named_property(env, o, "hits", makeNumber(env, static_cast<double>(s.hits)));
      napi_set_named_property(env, o, "misses", makeNumber(env, static_cast<double>(s.misses)));
    }
    return o;
  });
}

static napi_value cpuEmptyCache(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    if (CachingCpuAllocator::instance) CachingCpuAllocator::instance->emptyCache();
    return makeUndefined(env);
  });
}

std::vector<Export> allocatorExports() {
  return {{"cpuMemoryStats", cpuMemoryStats}, {"cpuEmptyCache", cpuEmptyCache}};
}

}  // namespace tstorch
