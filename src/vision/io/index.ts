// torchvision.io (images): decoders and encoders over TurboJPEG and libpng.
export {
  ImageReadMode, decodeJpeg, decodePng, decodeImage, readFile, writeFile, readImage,
  decodeImages, decodeImagesAsync, decodeImageAsync, readImageAsync, startDecodeImages,
  encodeJpeg, encodePng, writeJpeg, writePng, imageLibraries,
  type ImageReadModeName, type ImageReadModeLike, type DecodeOptions, type BatchDecodeOptions, type EncodedImage,
  type DecodeTicket, type EncodeJpegOptions, type EncodePngOptions,
} from "./image.js";
