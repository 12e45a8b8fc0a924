// JPEG through TurboJPEG (jpeg_compat.h hides its 2.x/3.x APIs), with torchvision.io's decode_jpeg and
// encode_jpeg semantics (see image.cc). TurboJPEG reports errors by return code.
#include "image.h"
#include "jpeg_compat.h"

#include <string>

namespace tstorch::image {
namespace {

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

}  // namespace

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

}  // namespace tstorch::image
