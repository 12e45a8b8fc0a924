// PNG through libpng, with torchvision.io's decode_png and encode_png semantics (see image.cc).
// libpng reports errors by longjmp: it lands in small C-style functions that hold no C++ objects, and
// their caller throws.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

#include "image.h"

namespace tstorch::image {
namespace {

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

}  // namespace

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

}  // namespace tstorch::image
