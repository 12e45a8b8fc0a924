// What torch.load / torch.save (src/serialization/) need from libtorch beyond the operators: a
// tensor's storage (identity, bytes, offset), so that tensors sharing one storage are saved once
// and load back sharing it; and storages read straight from a checkpoint file into a tensor, by
// pread or by a private memory map (PyTorch's mmap=True), without a copy through JavaScript.
#include "common.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>

namespace tstorch {

// storageInfo(h) -> [id, nbytes, storageOffset, device]: id names the storage (its StorageImpl's
// address, as PyTorch's storage._cdata), equal for every tensor that shares it.
static napi_value storageInfo(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "storageInfo");
    if (t.layout() != at::kStrided) throw JsError("tstorch: torch.save: only dense (strided) tensors can be saved");
    if (!t.has_storage()) throw JsError("tstorch: torch.save: the tensor has no storage to save");
    std::ostringstream id;
    id << static_cast<const void*>(t.storage().unsafeGetStorageImpl());
    napi_value arr;
    check(napi_create_array_with_length(env, 4, &arr), "create_array");
    check(napi_set_element(env, arr, 0, makeString(env, id.str())), "set_element");
    check(napi_set_element(env, arr, 1, makeNumber(env, static_cast<double>(t.storage().nbytes()))), "set_element");
    check(napi_set_element(env, arr, 2, makeNumber(env, static_cast<double>(t.storage_offset()))), "set_element");
    check(napi_set_element(env, arr, 3, makeString(env, t.device().str())), "set_element");
    return arr;
  });
}

// storageToBuffer(h, start?, length?) -> ArrayBuffer holding the tensor's storage bytes
// [start, start + length) (default: all of them), copied to the CPU. torch.save writes a large
// storage in pieces, so that no second copy of it is held.
static napi_value storageToBuffer(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    const at::Tensor& t = unwrapTensor(env, a[0], "storageToBuffer");
    if (!t.has_storage()) throw JsError("tstorch: torch.save: the tensor has no storage to save");
    at::NoGradGuard ng;
    const int64_t total = static_cast<int64_t>(t.storage().nbytes());
    const int64_t start = typeOf(env, a[1]) == napi_number ? getInt(env, a[1], "start") : 0;
    const int64_t n = typeOf(env, a[2]) == napi_number ? getInt(env, a[2], "length") : total - start;
    if (start < 0 || n < 0 || start + n > total)
      throw JsError("tstorch: storageToBuffer: bytes " + std::to_string(start) + "+" + std::to_string(n) +
                    " are outside the storage's " + std::to_string(total));
    void* out = nullptr;
    napi_value ab;
    check(napi_create_arraybuffer(env, static_cast<size_t>(n), &out, &ab), "create_arraybuffer");
    if (n == 0) return ab;
    if (t.device().is_cpu()) {
      std::memcpy(out, static_cast<const char*>(t.storage().data()) + start, static_cast<size_t>(n));
    } else {
      // the storage as a uint8 tensor of its own, on its device; the piece copied to the CPU
      at::Tensor bytes = at::empty({0}, t.options().dtype(at::kByte)).set_(t.storage(), start, {n}, {1});
      std::memcpy(out, bytes.to(at::kCPU).data_ptr(), static_cast<size_t>(n));
    }
    return ab;
  });
}

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
std::string sysError(const std::string& what) { return what + ": " + std::strerror(errno); }

// CRC-32 (zip's), slice-by-8: torch.load checks each storage read against its archive's CRC as
// PyTorch (miniz) does, over the tensor's own memory, without a copy of the bytes into JavaScript.
uint32_t crcTable[8][256];
void initCrc() {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crcTable[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int s = 1; s < 8; s++) crcTable[s][i] = (crcTable[s - 1][i] >> 8) ^ crcTable[0][crcTable[s - 1][i] & 0xFF];
}
uint32_t crc32(const unsigned char* p, size_t n) {
  static std::once_flag once;
  std::call_once(once, initCrc);
  const auto& T = crcTable;
  uint32_t crc = 0xFFFFFFFFu;
  while (n >= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    a ^= crc;  // little-endian hosts only (as the rest of tstorch's byte handling)
    crc = T[7][a & 0xFF] ^ T[6][(a >> 8) & 0xFF] ^ T[5][(a >> 16) & 0xFF] ^ T[4][a >> 24] ^ T[3][b & 0xFF] ^
          T[2][(b >> 8) & 0xFF] ^ T[1][(b >> 16) & 0xFF] ^ T[0][b >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = T[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}
}  // namespace

// tensorFromFile(path, offset, nbytes, dtypeCode, mmap, crc?) -> a 1-D tensor (with crc and
// without mmap: [tensor, CRC-32 of its bytes]) of nbytes/elementSize
// elements holding the file's bytes [offset, offset + nbytes). mmap: a private (copy-on-write) map
// of the file, so the bytes are paged in when read and stay evictable (a checkpoint larger than the
// memory loads); otherwise the bytes are read into a new tensor.
static napi_value tensorFromFile(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<6> a(env, info);
    const std::string path = getString(env, a[0], "path");
    const bool wantCrc = typeOf(env, a[5]) == napi_boolean && getBool(env, a[5], "crc");
    const int64_t offset = getInt(env, a[1], "offset");
    const int64_t nbytes = getInt(env, a[2], "nbytes");
    const int code = static_cast<int>(getInt(env, a[3], "dtype"));
    const bool useMmap = typeOf(env, a[4]) == napi_boolean && getBool(env, a[4], "mmap");
    const at::ScalarType st = static_cast<at::ScalarType>(code);
    const int64_t item = static_cast<int64_t>(c10::elementSize(st));
    if (offset < 0 || nbytes < 0 || nbytes % item != 0)
      throw JsError("tstorch: tensorFromFile: bad span " + std::to_string(offset) + "+" + std::to_string(nbytes));
    const int64_t numel = nbytes / item;
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
    if (f.fd < 0) throw JsError(sysError("tstorch: cannot open " + path));
    struct stat sb;
    if (::fstat(f.fd, &sb) != 0) throw JsError(sysError("tstorch: cannot stat " + path));
    if (!S_ISREG(sb.st_mode)) throw JsError("tstorch: " + path + " is not a regular file");
    if (offset + nbytes > sb.st_size)
      throw JsError("tstorch: " + path + ": bytes " + std::to_string(offset) + "-" + std::to_string(offset + nbytes) +
                    " lie beyond its end (" + std::to_string(sb.st_size) + " bytes; truncated?)");
    const auto opts = at::TensorOptions().dtype(st);
    if (useMmap && !wantCrc && nbytes > 0) {
      const int64_t page = ::sysconf(_SC_PAGESIZE);
      const int64_t start = offset - offset % page;
      const size_t len = static_cast<size_t>(offset + nbytes - start);
      void* base = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, start);
      if (base == MAP_FAILED) throw JsError(sysError("tstorch: cannot map " + path));
      char* data = static_cast<char*>(base) + (offset - start);
      if (reinterpret_cast<uintptr_t>(data) % static_cast<uintptr_t>(item) == 0) {
        at::Tensor t = at::from_blob(
            data, {numel}, [base, len](void*) { ::munmap(base, len); }, opts);
        return wrapTensor(env, std::move(t));
      }
      ::munmap(base, len);  // misaligned for its dtype: read it instead
    }
    at::Tensor t = at::empty({numel}, opts);
    char* dst = static_cast<char*>(t.data_ptr());
    int64_t got = 0;
    while (got < nbytes) {
      ssize_t r = ::pread(f.fd, dst + got, static_cast<size_t>(nbytes - got), offset + got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw JsError(sysError("tstorch: cannot read " + path));
      if (r == 0) throw JsError("tstorch: " + path + " ended while reading (changed while reading?)");
      got += r;
    }
    if (!wantCrc) return wrapTensor(env, std::move(t));
    const uint32_t crc = crc32(reinterpret_cast<const unsigned char*>(dst), static_cast<size_t>(nbytes));
    napi_value arr;
    check(napi_create_array_with_length(env, 2, &arr), "create_array");
    check(napi_set_element(env, arr, 0, wrapTensor(env, std::move(t))), "set_element");
    check(napi_set_element(env, arr, 1, makeNumber(env, static_cast<double>(crc))), "set_element");
    return arr;
  });
}

std::vector<Export> serializationExports() {
  return {{"storageInfo", storageInfo}, {"storageToBuffer", storageToBuffer}, {"tensorFromFile", tensorFromFile}};
}

}  // namespace tstorch
