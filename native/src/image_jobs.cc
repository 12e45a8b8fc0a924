// Decoding batches of images on libuv's thread pool (one async work item per chunk of images), so the
// JS thread is free: a "job" is started, then either awaited (a Promise) or waited for synchronously
// when its result is needed (see image.cc). Inputs are copied into the job (or read from their paths
// by the pool threads), so nothing the pool threads touch belongs to JS.
#include "image.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tstorch::image {
namespace {

struct Job {
  std::vector<std::string> bytes;  // copied inputs, or
  std::vector<std::string> paths;  // files the pool threads read
  int kind = AUTO, mode = UNCHANGED;
  std::vector<at::Tensor> out;
  std::vector<std::string> errors;
  std::mutex mu;
  std::condition_variable cv;
  int chunks = 0, chunksDone = 0;  // chunksDone: guarded by mu
  int chunksSettled = 0;           // JS thread only
  napi_deferred deferred = nullptr;
  bool taken = false;
  size_t size() const { return paths.empty() ? bytes.size() : paths.size(); }
};

struct Chunk {
  std::shared_ptr<Job> job;
  size_t begin, end;
  napi_async_work work = nullptr;
};

void executeChunk(napi_env, void* data) {
  auto* c = static_cast<Chunk*>(data);
  Job& j = *c->job;
  for (size_t i = c->begin; i < c->end; ++i) {
    try {
      if (j.paths.empty()) {
        const std::string& b = j.bytes[i];
        j.out[i] = decodeAny(reinterpret_cast<const uint8_t*>(b.data()), b.size(), j.kind, j.mode);
      } else {
        std::string b = readWholeFile(j.paths[i]);
        j.out[i] = decodeAny(reinterpret_cast<const uint8_t*>(b.data()), b.size(), j.kind, j.mode);
      }
    } catch (const c10::Error& e) {
      j.errors[i] = e.what_without_backtrace();
    } catch (const std::exception& e) {
      j.errors[i] = e.what();
    } catch (...) {
      j.errors[i] = "unknown native exception";
    }
  }
  std::lock_guard<std::mutex> g(j.mu);
  if (++j.chunksDone == j.chunks) j.cv.notify_all();
}

// The results as an array of handles, or a JsError naming the first failed item.
napi_value takeResults(napi_env env, Job& j) {
  if (j.taken) throw JsError("tstorch: this decode job's result was already taken");
  j.taken = true;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j.errors[i].empty()) {
      std::string what = j.paths.empty() ? "image " + std::to_string(i) : j.paths[i];
      std::string msg = j.errors[i];
      j.out.clear();
      throw JsError(msg.rfind("tstorch: cannot read", 0) == 0 ? msg : "tstorch: " + what + ": " + msg.substr(msg.rfind("tstorch: ", 0) == 0 ? 9 : 0));
    }
  }
  napi_value arr;
  check(napi_create_array_with_length(env, j.size(), &arr), "create_array");
  for (size_t i = 0; i < j.size(); ++i) check(napi_set_element(env, arr, uint32_t(i), wrapTensor(env, std::move(j.out[i]))), "set_element");
  j.out.clear();
  return arr;
}

void completeChunk(napi_env env, napi_status status, void* data) {
  std::unique_ptr<Chunk> c(static_cast<Chunk*>(data));
  napi_delete_async_work(env, c->work);
  Job& j = *c->job;
  if (status != napi_ok) {  // cancelled before it ran: count it as done so no one waits forever
    for (size_t i = c->begin; i < c->end; ++i) j.errors[i] = "the decode was cancelled";
    std::lock_guard<std::mutex> g(j.mu);
    if (++j.chunksDone == j.chunks) j.cv.notify_all();
  }
  if (++j.chunksSettled < j.chunks || !j.deferred) return;
  napi_value result = nullptr;
  std::string error;
  try {
    result = takeResults(env, j);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (error.empty()) napi_resolve_deferred(env, j.deferred, result);
  else rejectDeferred(env, j.deferred, error);
  j.deferred = nullptr;
}

void finalizeJob(node_api_basic_env, void* data, void*) { delete static_cast<std::shared_ptr<Job>*>(data); }

// (inputs: (Uint8Array | string)[], kind, mode, chunks) -> the job, queued
std::shared_ptr<Job> startJob(napi_env env, const Args<5>& a) {
  if (!isArray(env, a[0])) throw JsError("tstorch: decodeImages: expected an array of encoded images or file paths");
  auto job = std::make_shared<Job>();
  uint32_t n = arrayLength(env, a[0]);
  job->kind = int(getInt(env, a[1], "kind"));
  job->mode = getMode(env, a[2]);
  int64_t chunks = getInt(env, a[3], "chunks");
  if (chunks < 1) chunks = 1;
  for (uint32_t i = 0; i < n; ++i) {
    napi_value v = arrayGet(env, a[0], i);
    if (typeOf(env, v) == napi_string) {
      if (!job->bytes.empty()) throw JsError("tstorch: decodeImages: give either all paths or all byte arrays");
      job->paths.push_back(getString(env, v, "path"));
    } else {
      if (!job->paths.empty()) throw JsError("tstorch: decodeImages: give either all paths or all byte arrays");
      auto [data, len] = bytesOf(env, v, "decodeImages");
      job->bytes.emplace_back(reinterpret_cast<const char*>(data), len);
    }
  }
  job->out.resize(n);
  job->errors.resize(n);
  size_t k = std::min<size_t>(size_t(chunks), std::max<size_t>(n, 1));
  job->chunks = int(k);
  napi_value name;
  check(napi_create_string_utf8(env, "tstorch.vision.decodeImages", NAPI_AUTO_LENGTH, &name), "create_string");
  for (size_t c = 0; c < k; ++c) {
    auto chunk = std::make_unique<Chunk>();
    chunk->job = job;
    chunk->begin = n * c / k;
    chunk->end = n * (c + 1) / k;
    check(napi_create_async_work(env, nullptr, name, executeChunk, completeChunk, chunk.get(), &chunk->work), "create_async_work");
    if (napi_queue_async_work(env, chunk->work) != napi_ok) {
      napi_delete_async_work(env, chunk->work);
      // the chunks already queued still run and settle; this one never will: count it as failed
      for (size_t i = chunk->begin; i < chunk->end; ++i) job->errors[i] = "could not queue the decode";
      std::lock_guard<std::mutex> g(job->mu);
      ++job->chunksDone;
      ++job->chunksSettled;
      continue;
    }
    chunk.release();  // completeChunk owns it
  }
  return job;
}

// (inputs, kind, mode, chunks) -> job handle; imageJobWait(job) -> Handle[]
napi_value imageDecodeStart(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    auto* holder = new std::shared_ptr<Job>(startJob(env, a));
    napi_value ext;
    if (napi_create_external(env, holder, finalizeJob, nullptr, &ext) != napi_ok) {
      delete holder;
      throw JsError("tstorch internal N-API failure: create_external");
    }
    return ext;
  });
}

// Blocks the JS thread until every chunk has run (the pool threads need nothing from it).
napi_value imageJobWait(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    void* p = nullptr;
    if (typeOf(env, a[0]) != napi_external || napi_get_value_external(env, a[0], &p) != napi_ok || !p) throw JsError("tstorch: not a decode job");
    Job& j = **static_cast<std::shared_ptr<Job>*>(p);
    {
      std::unique_lock<std::mutex> g(j.mu);
      j.cv.wait(g, [&] { return j.chunksDone == j.chunks; });
    }
    return takeResults(env, j);
  });
}

// (inputs, kind, mode, chunks) -> Promise<Handle[]>
napi_value imageDecodeAsync(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<5> a(env, info);
    napi_value promise;
    napi_deferred deferred;
    check(napi_create_promise(env, &deferred, &promise), "create_promise");
    try {
      auto job = startJob(env, a);
      job->deferred = deferred;
      if (job->chunksSettled == job->chunks) {  // nothing queued (empty input or every queue failed)
        try {
          napi_resolve_deferred(env, deferred, takeResults(env, *job));
        } catch (const std::exception& e) {
          rejectDeferred(env, deferred, e.what());
        }
        job->deferred = nullptr;
      }
    } catch (const std::exception& e) {
      rejectDeferred(env, deferred, e.what());
    }
    return promise;
  });
}

}  // namespace
}  // namespace tstorch::image

namespace tstorch {
std::vector<Export> imageJobExports() {
  using namespace image;
  return {
      {"imageDecodeStart", imageDecodeStart},
      {"imageJobWait", imageJobWait},
      {"imageDecodeAsync", imageDecodeAsync},
  };
}
}  // namespace tstorch
