// Image codecs (tstorch.vision.io): JPEG through TurboJPEG (libjpeg-turbo: image_jpeg.cc), PNG through
// libpng (image_png.cc), batches on the libuv pool (image_jobs.cc); this file has the one-image
// bindings and the helpers the others share (image.h). With torchvision.io's semantics: uint8
// [C, H, W] tensors, ImageReadMode (0 UNCHANGED, 1 GRAY, 2 GRAY_ALPHA, 3 RGB, 4 RGB_ALPHA). Unlike
// torchvision's, the result is contiguous (CHW in memory), which the batch paths want anyway; the
// values are the same.
//
// Batches decode on libuv's thread pool (one async work item per chunk of images), so the JS
// thread is free: a "job" is started, then either awaited (a Promise) or waited for synchronously
// when its result is needed (the DataLoader's prefetch starts batch k+1 and takes it after step k).
// Inputs are copied into the job (or read from their paths by the pool threads), so nothing the
// pool threads touch belongs to JS.
//
// Corrupt input never aborts: TurboJPEG reports errors by return code; libpng's longjmp lands in
// small C-style functions that hold no C++ objects, and their caller throws.
#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "image.h"
#include "jpeg_compat.h"

namespace tstorch::image {

const char* modeName(int mode) {
  static const char* names[] = {"UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"};
  return mode >= 0 && mode <= 4 ? names[mode] : "?";
}

void checkPixels(int64_t w, int64_t h, const char* fn) {
  if (w <= 0 || h <= 0) throw JsError(std::string("tstorch: ") + fn + ": the image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (w * h > kMaxPixels)
    throw JsError(std::string("tstorch: ") + fn + ": the image is " + std::to_string(w) + "x" + std::to_string(h) +
                  " pixels, more than the limit of " + std::to_string(kMaxPixels) + " (a decompression bomb or a corrupt header?)");
}

at::Tensor toChw(const at::Tensor& hwc) { return hwc.permute({2, 0, 1}).contiguous(); }

// ------------------------------------------------------------------ dispatch by content
at::Tensor decodeAny(const uint8_t* data, size_t len, int kind, int mode) {
  if (len == 0) throw JsError("tstorch: decodeImage: the data is empty");
  if (kind == JPEG) return decodeJpeg(data, len, mode);
  if (kind == PNG) return decodePng(data, len, mode);
  if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decodeJpeg(data, len, mode);
  if (len >= 8 && png_sig_cmp(const_cast<png_bytep>(data), 0, 8) == 0) return decodePng(data, len, mode);
  throw JsError("tstorch: decodeImage: unsupported image format (only JPEG and PNG are supported)");
}

std::string readWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw JsError("tstorch: cannot read " + path + ": " + std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool bad = std::ferror(f);
  int e = errno;
  std::fclose(f);
  if (bad) throw JsError("tstorch: cannot read " + path + ": " + std::strerror(e));
  return out;
}

// ------------------------------------------------------------------ argument helpers
std::pair<const uint8_t*, size_t> bytesOf(napi_env env, napi_value v, const char* fn) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length, offset;
    void* data;
    napi_value ab;
    check(napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset), "typedarray_info");
    if (type != napi_uint8_array && type != napi_uint8_clamped_array) throw JsError(std::string("tstorch: ") + fn + ": expected the encoded bytes as a Uint8Array");
    return {static_cast<const uint8_t*>(data), length};
  }
  napi_is_arraybuffer(env, v, &is);
  if (is) {
    void* data;
    size_t length;
    check(napi_get_arraybuffer_info(env, v, &data, &length), "arraybuffer_info");
    return {static_cast<const uint8_t*>(data), length};
  }
  throw JsError(std::string("tstorch: ") + fn + ": expected the encoded bytes as a Uint8Array or ArrayBuffer");
}

int getMode(napi_env env, napi_value v) {
  int64_t m = typeOf(env, v) == napi_undefined ? 0 : getInt(env, v, "mode");
  if (m < 0 || m > 4) throw JsError("tstorch: image mode must be 0..4 (UNCHANGED, GRAY, GRAY_ALPHA, RGB, RGB_ALPHA), got " + std::to_string(m));
  return int(m);
}

namespace {

// (bytes, kind, mode) -> Handle
napi_value imageDecode(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<3> a(env, info);
    auto [data, len] = bytesOf(env, a[0], "decodeImage");
    int kind = int(getInt(env, a[1], "kind"));
    return wrapTensor(env, decodeAny(data, len, kind, getMode(env, a[2])));
  });
}

const at::Tensor& imageArg(napi_env env, napi_value v, const char* fn) {
  const at::Tensor& t = unwrapTensor(env, v, "image");
  if (t.scalar_type() != at::kByte) throw JsError(std::string("tstorch: ") + fn + ": expected a uint8 tensor, got " + c10::toString(t.scalar_type()));
  if (t.dim() != 3) throw JsError(std::string("tstorch: ") + fn + ": expected a [C, H, W] tensor, got " + std::to_string(t.dim()) + " dimensions");
  if (!t.device().is_cpu()) throw JsError(std::string("tstorch: ") + fn + ": expected a CPU tensor");
  if (t.size(1) < 1 || t.size(2) < 1 || t.size(1) > 65535 || t.size(2) > 65535) throw JsError(std::string("tstorch: ") + fn + ": height and width must be in 1..65535");
  return t;
}

// (image, quality) -> Buffer
napi_value imageEncodeJpeg(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    const at::Tensor& t = imageArg(env, a[0], "encodeJpeg");
    if (t.size(0) != 1 && t.size(0) != 3) throw JsError("tstorch: encodeJpeg: the image must have 1 or 3 channels, got " + std::to_string(t.size(0)));
    int64_t q = getInt(env, a[1], "quality");
    if (q < 1 || q > 100) throw JsError("tstorch: encodeJpeg: quality must be in 1..100, got " + std::to_string(q));
    return makeBuffer(env, encodeJpeg(t, int(q)));
  });
}

// (image, compressionLevel) -> Buffer
napi_value imageEncodePng(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<2> a(env, info);
    const at::Tensor& t = imageArg(env, a[0], "encodePng");
    if (t.size(0) < 1 || t.size(0) > 4) throw JsError("tstorch: encodePng: the image must have 1 to 4 channels, got " + std::to_string(t.size(0)));
    int64_t level = getInt(env, a[1], "compressionLevel");
    if (level < 0 || level > 9) throw JsError("tstorch: encodePng: compressionLevel must be in 0..9, got " + std::to_string(level));
    return makeBuffer(env, encodePng(t, int(level)));
  });
}

// Which TurboJPEG API and libpng this addon was built with (diagnostics, tests).
napi_value imageLibraries(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value o;
    check(napi_create_object(env, &o), "create_object");
#if defined(TJ_NUMINIT)
    napi_set_named_property(env, o, "turbojpegApi", makeNumber(env, 3));
#else
    napi_set_named_property(env, o, "turbojpegApi", makeNumber(env, 2));
#endif
    napi_set_named_property(env, o, "libpng", makeString(env, png_get_libpng_ver(nullptr)));
    return o;
  });
}

}  // namespace
}  // namespace tstorch::image

namespace tstorch {
std::vector<Export> imageExports() {
  using namespace image;
  return {
      {"imageDecode", imageDecode},
      {"imageEncodeJpeg", imageEncodeJpeg},
      {"imageEncodePng", imageEncodePng},
      {"imageLibraries", imageLibraries},
  };
}
}  // namespace tstorch
