// Image codecs (tstorch.vision.io): JPEG through TurboJPEG (libjpeg-turbo), PNG through libpng,
// with torchvision.io's semantics: uint8 [C, H, W] tensors, ImageReadMode (0 UNCHANGED, 1 GRAY,
// 2 GRAY_ALPHA, 3 RGB, 4 RGB_ALPHA). Unlike torchvision's, the result is contiguous (CHW in
// memory), which the batch paths want anyway; the values are the same.
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

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"
#include "jpeg_compat.h"

namespace tstorch {
namespace {

enum Mode { UNCHANGED = 0, GRAY = 1, GRAY_ALPHA = 2, RGB = 3, RGB_ALPHA = 4 };
enum Kind { AUTO = 0, JPEG = 1, PNG = 2 };

// PIL's decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS): a corrupt header cannot make us
// allocate gigabytes.
constexpr int64_t kMaxPixels = 2 * 89478485;

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

// HWC bytes -> contiguous CHW tensor.
at::Tensor toChw(const at::Tensor& hwc) { return hwc.permute({2, 0, 1}).contiguous(); }

// ------------------------------------------------------------------ JPEG
// One TurboJPEG handle per thread (the JS thread and each pool thread), made on first use.
struct TjHandles {
  tjhandle dec = nullptr, enc = nullptr;
  ~TjHandles() {
    if (dec) jpeg::destroy(dec);
    if (enc) jpeg::destroy(enc);
  }
};
thread_local TjHandles tj;

tjhandle decoder() {
  if (!tj.dec && !(tj.dec = jpeg::newDecoder())) throw JsError("tstorch: decodeJpeg: could not create a TurboJPEG decoder");
  return tj.dec;
}

// A handle that failed may be left mid-decode (TurboJPEG 2.x's header reader does not reset libjpeg's
// state on error): it is dropped, and the next image gets a fresh one.
[[noreturn]] void failJpeg(std::string msg) {
  if (tj.dec) jpeg::destroy(tj.dec), tj.dec = nullptr;
  throw JsError(msg);
}

// Whether the marker segments before the first scan include a frame header (SOFn). TurboJPEG 3.x
// accepts a stream that ends before its frame as "tables only" and then reports the previous
// image's size from the reused handle; a stream without a frame is refused here first.
bool hasFrame(const uint8_t* d, size_t len) {
  size_t i = 2;
  while (i + 4 <= len) {
    if (d[i] != 0xFF) return false;
    uint8_t m = d[i + 1];
    if (m == 0xFF) { ++i; continue; }  // fill byte
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) return true;
    if (m == 0xDA || m == 0xD9) return false;  // a scan or the end before any frame
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }  // markers without a length
    i += 2 + ((size_t(d[i + 2]) << 8) | d[i + 3]);
  }
  return false;
}

at::Tensor decodeJpeg(const uint8_t* data, size_t len, int mode) {
  if (len < 3 || data[0] != 0xFF || data[1] != 0xD8) throw JsError("tstorch: decodeJpeg: the data is not a JPEG (no SOI marker FF D8 at the start)");
  if (!hasFrame(data, len)) throw JsError("tstorch: decodeJpeg: corrupt JPEG header: no frame header (SOF) before the image data");
  tjhandle h = decoder();
  jpeg::Header hd;
  int r = jpeg::readHeader(h, data, len, hd);
  if (r == -2) failJpeg("tstorch: decodeJpeg: only 8-bit JPEGs are supported (this one has 12 or 16 bits per sample)");
  if (r != 0) failJpeg(std::string("tstorch: decodeJpeg: corrupt JPEG header: ") + jpeg::errorText(h));
  if (hd.width <= 0 || hd.height <= 0) failJpeg("tstorch: decodeJpeg: corrupt JPEG header (no frame size)");
  checkPixels(hd.width, hd.height, "decodeJpeg");
  int pf, channels;
  switch (mode) {
    case UNCHANGED:
      if (hd.colorspace == TJCS_GRAY) pf = TJPF_GRAY, channels = 1;
      else if (hd.colorspace == TJCS_CMYK || hd.colorspace == TJCS_YCCK) pf = TJPF_CMYK, channels = 4;
      else pf = TJPF_RGB, channels = 3;
      break;
    case GRAY: pf = TJPF_GRAY, channels = 1; break;
    case RGB: pf = TJPF_RGB, channels = 3; break;
    default: throw JsError(std::string("tstorch: decodeJpeg: mode ") + modeName(mode) + " is not supported for JPEG files (UNCHANGED, GRAY or RGB)");
  }
  // One channel: HWC is CHW, decode straight into the result. Otherwise decode into this thread's
  // scratch buffer and transpose by hand (for small images a TensorIterator copy costs more than the decode).
  at::Tensor out = at::empty({channels, hd.height, hd.width}, at::kByte);
  uint8_t* dst = out.data_ptr<uint8_t>();
  const size_t plane = size_t(hd.height) * hd.width;
  thread_local std::vector<uint8_t> scratch;
  uint8_t* hwc = dst;
  if (channels > 1) {
    if (scratch.size() < plane * channels) scratch.resize(plane * channels);
    hwc = scratch.data();
  }
  r = jpeg::decode(h, data, len, hwc, hd.width, hd.height, pf);
  // Warnings (e.g. extraneous bytes before a marker) still give the image, as in torchvision; data
  // that ends early is an error there ("Image is incomplete or truncated") and here.
  if (r != 0) {
    std::string msg = jpeg::errorText(h);
    if (jpeg::errorCode(h) != TJERR_WARNING) failJpeg("tstorch: decodeJpeg: corrupt JPEG data: " + msg);
    if (msg.find("Premature end") != std::string::npos) failJpeg("tstorch: decodeJpeg: the image is incomplete or truncated (" + msg + ")");
  }
  if (channels == 3) {
    uint8_t *r0 = dst, *g0 = dst + plane, *b0 = dst + 2 * plane;
    for (size_t i = 0; i < plane; ++i) r0[i] = hwc[3 * i], g0[i] = hwc[3 * i + 1], b0[i] = hwc[3 * i + 2];
  } else if (channels == 4) {
    for (size_t i = 0; i < plane; ++i)
      for (int c = 0; c < 4; ++c) dst[c * plane + i] = hwc[4 * i + c];
  }
  if (scratch.size() > (16u << 20)) std::vector<uint8_t>().swap(scratch);  // keep no large image's buffer
  return out;
}

// (CHW uint8, 1 or 3 channels) -> JPEG bytes; torchvision's encode_jpeg: 4:2:0 colour, the quality.
std::string encodeJpeg(const at::Tensor& img, int quality) {
  if (!tj.enc && !(tj.enc = jpeg::newEncoder())) throw JsError("tstorch: encodeJpeg: could not create a TurboJPEG encoder");
  int64_t c = img.size(0), h = img.size(1), w = img.size(2);
  at::Tensor hwc = img.permute({1, 2, 0}).contiguous();
  unsigned char* buf = nullptr;
  size_t n = 0;
  int pf = c == 1 ? TJPF_GRAY : TJPF_RGB;
  int sub = c == 1 ? TJSAMP_GRAY : TJSAMP_420;
  if (jpeg::encode(tj.enc, hwc.data_ptr<uint8_t>(), int(w), int(h), pf, sub, quality, &buf, &n) != 0) {
    if (buf) jpeg::freeBuffer(buf);
    throw JsError(std::string("tstorch: encodeJpeg: ") + jpeg::errorText(tj.enc));
  }
  std::string bytes(reinterpret_cast<char*>(buf), n);
  jpeg::freeBuffer(buf);
  return bytes;
}

// ------------------------------------------------------------------ PNG
// libpng reports errors by longjmp: the handler copies the message and jumps back into the
// functions below, which own no C++ objects between setjmp and the jump.
struct PngCtx {
  std::jmp_buf jump;
  char message[256] = {0};
  const uint8_t* data = nullptr;
  size_t len = 0, pos = 0;
  std::string* sink = nullptr;  // encoding
};

void pngError(png_structp p, png_const_charp msg) {
  auto* c = static_cast<PngCtx*>(png_get_error_ptr(p));
  std::snprintf(c->message, sizeof c->message, "%s", msg);
  std::longjmp(c->jump, 1);
}
void pngWarning(png_structp, png_const_charp) {}
void pngRead(png_structp p, png_bytep out, png_size_t n) {
  auto* c = static_cast<PngCtx*>(png_get_io_ptr(p));
  if (c->len - c->pos < n) png_error(p, "the data ends early (truncated or corrupt PNG)");
  std::memcpy(out, c->data + c->pos, n);
  c->pos += n;
}

struct PngInfo {
  png_uint_32 width = 0, height = 0;
  int bitDepth = 0, channels = 0, passes = 1;
  size_t rowBytes = 0;
};

// Reads the header and sets up torchvision's conversions for `mode`. 0 on success, else the
// message is in ctx and the structs are destroyed.
int pngSetup(PngCtx& ctx, png_structp& png, png_infop& info, int mode, PngInfo& out) {
  if (setjmp(ctx.jump)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  png_set_read_fn(png, &ctx, pngRead);
  png_set_sig_bytes(png, 8);
  ctx.pos = 8;
  png_read_info(png, info);
  int bitDepth, colorType, interlace;
  png_get_IHDR(png, info, &out.width, &out.height, &bitDepth, &colorType, &interlace, nullptr, nullptr);
  if (out.width == 0 || out.height == 0 || int64_t(out.width) * out.height > kMaxPixels) {
    std::snprintf(ctx.message, sizeof ctx.message, "the image is %ux%u pixels, outside 1..%lld pixels", out.width, out.height, (long long)kMaxPixels);
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  int channels = png_get_channels(png, info);
  if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
  // torchvision reads palette indices as they are in UNCHANGED mode; packed (1, 2, 4-bit)
  // indices are unpacked to one byte each so that a row is `width` bytes.
  if (colorType == PNG_COLOR_TYPE_PALETTE && bitDepth < 8) png_set_packing(png);
  if (interlace == PNG_INTERLACE_ADAM7) out.passes = png_set_interlace_handling(png);
  bool isPalette = (colorType & PNG_COLOR_MASK_PALETTE) != 0;
  bool hasColor = (colorType & PNG_COLOR_MASK_COLOR) != 0;
  bool hasAlpha = (colorType & PNG_COLOR_MASK_ALPHA) != 0;
  // a palette has alpha only with a tRNS chunk (torchvision assumes it always does, and then reads
  // 3-channel rows into a 4-channel image; here the alpha is added when it is missing)
  if (isPalette) hasAlpha = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  int maxValue = isPalette ? 255 : (1 << bitDepth) - 1;
  if (mode != UNCHANGED) {
    // GRAY, GRAY_ALPHA, RGB, RGB_ALPHA: whether the mode wants color and alpha, and the PNG color type
    // that already has exactly those (then nothing is converted)
    bool wantColor = mode == RGB || mode == RGB_ALPHA;
    bool wantAlpha = mode == GRAY_ALPHA || mode == RGB_ALPHA;
    int wanted = (wantColor ? PNG_COLOR_MASK_COLOR : 0) | (wantAlpha ? PNG_COLOR_MASK_ALPHA : 0);
    if (colorType != wanted) {
      if (isPalette) png_set_palette_to_rgb(png);
      else if (wantColor && !hasColor) png_set_gray_to_rgb(png);
      if (hasAlpha && !wantAlpha) png_set_strip_alpha(png);
      if (!hasAlpha && wantAlpha) png_set_add_alpha(png, maxValue, PNG_FILLER_AFTER);
      if (hasColor && !wantColor) png_set_rgb_to_gray(png, 1, 0.2989, 0.587);
      channels = (wantColor ? 3 : 1) + (wantAlpha ? 1 : 0);
    }
  }
  if (bitDepth == 16) png_set_swap(png);  // big-endian samples -> host order (little-endian hosts)
  png_read_update_info(png, info);
  out.bitDepth = png_get_bit_depth(png, info);
  out.channels = png_get_channels(png, info);
  out.rowBytes = png_get_rowbytes(png, info);
  if (out.channels != channels) {
    std::snprintf(ctx.message, sizeof ctx.message, "mode %s gives %d channels for this PNG, expected %d", modeName(mode), out.channels, channels);
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  return 0;
}

int pngReadRows(PngCtx& ctx, png_structp& png, png_infop& info, const PngInfo& pi, uint8_t* dst) {
  if (setjmp(ctx.jump)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  for (int pass = 0; pass < pi.passes; ++pass)
    for (png_uint_32 y = 0; y < pi.height; ++y) png_read_row(png, dst + size_t(y) * pi.rowBytes, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return 0;
}

// 8-bit PNGs give uint8; 16-bit ones give int32 holding 0..65535 (torchvision 0.14's
// _read_png_16: libtorch 1.13 has no uint16).
at::Tensor decodePng(const uint8_t* data, size_t len, int mode) {
  if (mode < 0 || mode > 4) throw JsError("tstorch: decodePng: unknown mode " + std::to_string(mode));
  if (len < 8 || png_sig_cmp(const_cast<png_bytep>(data), 0, 8) != 0) throw JsError("tstorch: decodePng: the data is not a PNG (wrong signature)");
  PngCtx ctx;
  ctx.data = data;
  ctx.len = len;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, pngError, pngWarning);
  if (!png) throw JsError("tstorch: decodePng: libpng could not allocate its read structure");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw JsError("tstorch: decodePng: libpng could not allocate its info structure");
  }
  PngInfo pi;
  if (pngSetup(ctx, png, info, mode, pi) != 0) throw JsError(std::string("tstorch: decodePng: ") + ctx.message);
  bool wide = pi.bitDepth == 16;
  at::Tensor raw;
  try {
    raw = at::empty({int64_t(pi.height), int64_t(pi.width), pi.channels}, wide ? at::kShort : at::kByte);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  if (size_t(raw.nbytes()) != size_t(pi.height) * pi.rowBytes) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw JsError("tstorch: decodePng: unexpected row size " + std::to_string(pi.rowBytes));
  }
  if (pngReadRows(ctx, png, info, pi, static_cast<uint8_t*>(raw.data_ptr())) != 0) throw JsError(std::string("tstorch: decodePng: ") + ctx.message);
  // int16 holds the uint16 bits: reinterpret as unsigned through a 0xFFFF mask in int32
  if (wide) raw = raw.to(at::kInt).bitwise_and(0xFFFF);
  return toChw(raw);
}

void pngWrite(png_structp p, png_bytep d, png_size_t n) { static_cast<PngCtx*>(png_get_io_ptr(p))->sink->append(reinterpret_cast<char*>(d), n); }
void pngFlush(png_structp) {}

int pngEncodeRows(PngCtx& ctx, png_structp& png, png_infop& info, const uint8_t* hwc, int w, int h, int c, int level) {
  if (setjmp(ctx.jump)) {
    png_destroy_write_struct(&png, &info);
    return 1;
  }
  png_set_write_fn(png, &ctx, pngWrite, pngFlush);
  int type = c == 1 ? PNG_COLOR_TYPE_GRAY : c == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA : c == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
  png_set_IHDR(png, info, w, h, 8, type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, level);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) png_write_row(png, const_cast<png_bytep>(hwc + size_t(y) * w * c));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return 0;
}

// torchvision's encode_png: 8-bit, no interlace, default filters, the zlib level.
std::string encodePng(const at::Tensor& img, int level) {
  int64_t c = img.size(0), h = img.size(1), w = img.size(2);
  at::Tensor hwc = img.permute({1, 2, 0}).contiguous();
  std::string out;
  PngCtx ctx;
  ctx.sink = &out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, pngError, pngWarning);
  if (!png) throw JsError("tstorch: encodePng: libpng could not allocate its write structure");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw JsError("tstorch: encodePng: libpng could not allocate its info structure");
  }
  if (pngEncodeRows(ctx, png, info, hwc.data_ptr<uint8_t>(), int(w), int(h), int(c), level) != 0) throw JsError(std::string("tstorch: encodePng: ") + ctx.message);
  return out;
}

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
// Bytes of a Uint8Array / Buffer / ArrayBuffer argument (a view valid during this call).
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

// ------------------------------------------------------------------ batch jobs on the libuv pool
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

std::vector<Export> imageExports() {
  return {
      {"imageDecode", imageDecode},
      {"imageDecodeStart", imageDecodeStart},
      {"imageJobWait", imageJobWait},
      {"imageDecodeAsync", imageDecodeAsync},
      {"imageEncodeJpeg", imageEncodeJpeg},
      {"imageEncodePng", imageEncodePng},
      {"imageLibraries", imageLibraries},
  };
}

}  // namespace tstorch
