// TurboJPEG's two APIs behind one set of calls (image_jpeg.cc uses only these).
//
// libjpeg-turbo 3.0 introduced the tj3* API (handles configured by tj3Set parameters) and kept the
// 2.x functions as deprecated wrappers. Debian 12 ships 2.1.5 (tjDecompress2 & co. only); forky
// ships 3.1. The switch is TJ_NUMINIT, which turbojpeg.h defines from 3.0 on: the version macro
// LIBJPEG_TURBO_VERSION_NUMBER lives in jconfig.h, which libturbojpeg0-dev alone does not install.
//
// Both branches decode (and encode) with libjpeg's defaults (accurate integer IDCT, fancy upsampling), the
// settings torchvision.io.decode_jpeg and PIL use, so the pixels are the same bytes.
#pragma once

#include <turbojpeg.h>

#include <cstddef>

namespace tstorch {
namespace jpeg {

struct Header {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
};

#if defined(TJ_NUMINIT)  // libjpeg-turbo >= 3.0
inline tjhandle newDecoder() { return tj3Init(TJINIT_DECOMPRESS); }
inline tjhandle newEncoder() { return tj3Init(TJINIT_COMPRESS); }
inline void destroy(tjhandle h) { tj3Destroy(h); }
inline const char* errorText(tjhandle h) { return tj3GetErrorStr(h); }
inline int errorCode(tjhandle h) { return tj3GetErrorCode(h); }
inline void freeBuffer(unsigned char* p) { tj3Free(p); }
inline int readHeader(tjhandle h, const unsigned char* buf, size_t len, Header& out) {
  if (tj3DecompressHeader(h, buf, len) != 0) return -1;
  out.width = tj3Get(h, TJPARAM_JPEGWIDTH);
  out.height = tj3Get(h, TJPARAM_JPEGHEIGHT);
  out.subsamp = tj3Get(h, TJPARAM_SUBSAMP);
  out.colorspace = tj3Get(h, TJPARAM_COLORSPACE);
  // 12-bit and lossless JPEGs need tj3Decompress12/16, which torchvision does not offer either
  if (tj3Get(h, TJPARAM_PRECISION) != 8) return -2;
  return 0;
}
inline int decode(tjhandle h, const unsigned char* buf, size_t len, unsigned char* dst, int /*w*/, int /*hgt*/, int pf) {
  return tj3Decompress8(h, buf, len, dst, 0, pf);
}
inline int encode(tjhandle h, const unsigned char* src, int w, int hgt, int pf, int subsamp, int quality,
                  unsigned char** out, size_t* outLen) {
  if (tj3Set(h, TJPARAM_QUALITY, quality) != 0 || tj3Set(h, TJPARAM_SUBSAMP, subsamp) != 0 || tj3Set(h, TJPARAM_FASTDCT, 0) != 0) return -1;
  *outLen = 0;
  return tj3Compress8(h, src, w, 0, hgt, pf, out, outLen);
}
#else  // libjpeg-turbo 2.x
inline tjhandle newDecoder() { return tjInitDecompress(); }
inline tjhandle newEncoder() { return tjInitCompress(); }
inline void destroy(tjhandle h) { tjDestroy(h); }
inline const char* errorText(tjhandle h) { return tjGetErrorStr2(h); }
inline int errorCode(tjhandle h) { return tjGetErrorCode(h); }
inline void freeBuffer(unsigned char* p) { tjFree(p); }
inline int readHeader(tjhandle h, const unsigned char* buf, size_t len, Header& out) {
  return tjDecompressHeader3(h, buf, static_cast<unsigned long>(len), &out.width, &out.height, &out.subsamp, &out.colorspace);
}
inline int decode(tjhandle h, const unsigned char* buf, size_t len, unsigned char* dst, int w, int hgt, int pf) {
  return tjDecompress2(h, buf, static_cast<unsigned long>(len), dst, w, 0, hgt, pf, 0);
}
inline int encode(tjhandle h, const unsigned char* src, int w, int hgt, int pf, int subsamp, int quality,
                  unsigned char** out, size_t* outLen) {
  unsigned long n = 0;
  // TurboJPEG 2.x compresses with the fast DCT unless told otherwise; libjpeg's (torchvision's) is the accurate one
  int r = tjCompress2(h, src, w, 0, hgt, pf, out, &n, subsamp, quality, TJFLAG_ACCURATEDCT);
  *outLen = n;
  return r;
}
#endif

}  // namespace jpeg
}  // namespace tstorch
