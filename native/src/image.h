// What the image codec files (image*.cc) share: ImageReadMode, the codecs (image_jpeg.cc,
// image_png.cc), decoding by content, and the argument helpers (image.cc). See image.cc for the whole
// picture.
#pragma once

#include "common.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace tstorch::image {

// torchvision's ImageReadMode, and which decoder to use (AUTO: by the data's signature).
enum Mode { UNCHANGED = 0, GRAY = 1, GRAY_ALPHA = 2, RGB = 3, RGB_ALPHA = 4 };
enum Kind { AUTO = 0, JPEG = 1, PNG = 2 };

// PIL's decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS): a corrupt header cannot make us
// allocate gigabytes.
constexpr int64_t kMaxPixels = 2 * 89478485;

const char* modeName(int mode);
// Throws unless a w x h image has pixels and stays under kMaxPixels.
void checkPixels(int64_t w, int64_t h, const char* fn);
// HWC bytes -> contiguous CHW tensor.
at::Tensor toChw(const at::Tensor& hwc);

// The codecs: bytes -> uint8 [C, H, W] in `mode`; CHW uint8 -> encoded bytes. Errors are JsErrors.
at::Tensor decodeJpeg(const uint8_t* data, size_t len, int mode);
std::string encodeJpeg(const at::Tensor& img, int quality);
at::Tensor decodePng(const uint8_t* data, size_t len, int mode);
std::string encodePng(const at::Tensor& img, int level);
// `kind` JPEG or PNG, or AUTO: by the data's signature.
at::Tensor decodeAny(const uint8_t* data, size_t len, int kind, int mode);
std::string readWholeFile(const std::string& path);

// Bytes of a Uint8Array / Buffer / ArrayBuffer argument (a view valid during this call).
std::pair<const uint8_t*, size_t> bytesOf(napi_env env, napi_value v, const char* fn);
// An ImageReadMode argument (undefined: UNCHANGED).
int getMode(napi_env env, napi_value v);

}  // namespace tstorch::image
