// torchvision.transforms.functional on tensors ([..., C, H, W], uint8 or floating point), with
// torchvision's arithmetic so that the results equal its own: resize goes through libtorch's
// upsample_bilinear2d / _upsample_bilinear2d_aa in float32 and rounds back for integer images,
// the colour adjustments blend and clamp exactly as torchvision's _blend, rgb_to_grayscale,
// _rgb2hsv and _hsv2rgb do.
import { arange, onesLike, stack, tensor, where, zeros } from "../../core/creation.js";
import { isFloatingDType, type DType } from "../../core/dtype.js";
import { ops } from "../../core/ops.js";
import { Tensor } from "../../core/tensor.js";
import { torchAtLeast } from "../../core/runtime.js";

const aten = ops.aten;

export function checkImage(x: unknown, fn: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`tstorch: transforms.${fn}: expected an image tensor [..., C, H, W]`);
  if (x.ndim < 2) throw new Error(`tstorch: transforms.${fn}: expected an image tensor [..., C, H, W], got shape [${x.shape}]`);
  return x;
}

/** [height, width] of an image tensor. */
export function imageSize(x: Tensor): [number, number] {
  return [x.shape[x.ndim - 2], x.shape[x.ndim - 1]];
}

/** Python's round(): halves go to the even neighbour (torchvision's crop offsets use it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

const INT_MAX: Partial<Record<DType, number>> = { uint8: 255, int8: 127, int16: 32767, int32: 2147483647, int64: 9223372036854775807, bool: 1 };

/** torchvision's _compute_resized_output_size: [h, w] for a size of one (the smaller edge) or two numbers. */
export function resizedOutputSize(h: number, w: number, size: number | readonly number[], maxSize?: number): [number, number] {
  const s = typeof size === "number" ? [size] : [...size];
  if (s.length === 2) {
    if (maxSize !== undefined) throw new Error("tstorch: transforms.resize: maxSize is only supported for a single int size (the smaller edge)");
    return [s[0], s[1]];
  }
  if (s.length !== 1) throw new Error(`tstorch: transforms.resize: size must be an int or a list of 1 or 2 ints, got [${s}]`);
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = s[0];
  let newLong = Math.trunc((newShort * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= newShort) throw new Error(`tstorch: transforms.resize: maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${newShort}`);
    if (newLong > maxSize) [newShort, newLong] = [Math.trunc((maxSize * newShort) / newLong), maxSize];
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

export interface ResizeOptions {
  /** "bilinear" (default) or "nearest". */
  interpolation?: "bilinear" | "nearest";
  /** Only for a single size: the longer edge's upper bound. */
  maxSize?: number;
  /** Low-pass filter when downsampling bilinearly (default true, torchvision v2's default). */
  antialias?: boolean;
}

/** Leading dimensions folded into one batch dimension, and the function that unfolds them. */
function as4d(x: Tensor): [Tensor, (y: Tensor) => Tensor] {
  const lead = x.shape.slice(0, -3);
  if (x.ndim === 4) return [x, (y) => y];
  if (x.ndim === 3) return [x.unsqueeze(0), (y) => y.squeeze(0)];
  if (x.ndim === 2) return [x.unsqueeze(0).unsqueeze(0), (y) => y.squeeze(0).squeeze(0)];
  const [c, h, w] = x.shape.slice(-3);
  return [x.reshape(-1, c, h, w), (y) => y.reshape(...lead, c, y.shape[2], y.shape[3])];
}

/** torchvision's F.resize on tensors. */
export function resize(img: Tensor, size: number | readonly number[], o: ResizeOptions = {}): Tensor {
  const x = checkImage(img, "resize");
  const [h, w] = imageSize(x);
  const [nh, nw] = resizedOutputSize(h, w, size, o.maxSize);
  if (!Number.isInteger(nh) || !Number.isInteger(nw) || nh < 1 || nw < 1) throw new Error(`tstorch: transforms.resize: the output size must be positive integers, got ${nh}x${nw}`);
  if (nh === h && nw === w) return x;
  const interpolation = o.interpolation ?? "bilinear";
  const [x4, back] = as4d(x);
  const dtype = x.dtype;
  const needCast = !isFloatingDType(dtype);
  const f = needCast ? x4.to("float32") : x4;
  let y: Tensor;
  if (interpolation === "nearest") y = aten.upsample_nearest2d.vec(f, [nh, nw], null) as Tensor;
  else if (interpolation === "bilinear") {
    y = (o.antialias ?? true)
      ? (aten._upsample_bilinear2d_aa.vec(f, [nh, nw], false, null) as Tensor)
      : (aten.upsample_bilinear2d.vec(f, [nh, nw], false, null) as Tensor);
  } else throw new Error(`tstorch: transforms.resize: interpolation must be "bilinear" or "nearest", got ${String(interpolation)}`);
  // torchvision's _cast_squeeze_out: integer images are rounded before the cast back
  if (needCast) y = y.round().to(dtype);
  return back(y);
}

/** Pixels [top, top + height) x [left, left + width); outside the image is zero-filled, as torchvision's crop. */
export function crop(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const x = checkImage(img, "crop");
  const [h, w] = imageSize(x);
  const right = left + width;
  const bottom = top + height;
  if (left < 0 || top < 0 || right > w || bottom > h) {
    const pad = [Math.max(-left, 0), Math.max(right - w, 0), Math.max(-top, 0), Math.max(bottom - h, 0)];
    const inner = x.narrow(-2, Math.max(top, 0), Math.min(bottom, h) - Math.max(top, 0)).narrow(-1, Math.max(left, 0), Math.min(right, w) - Math.max(left, 0));
    return aten.constant_pad_nd(inner, pad, 0) as Tensor;
  }
  return x.narrow(-2, top, height).narrow(-1, left, width);
}

/** torchvision's F.center_crop: zero-pads when the crop is larger, offsets rounded as Python rounds. */
export function centerCrop(img: Tensor, size: number | readonly number[]): Tensor {
  let x = checkImage(img, "centerCrop");
  const s = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  const [ch, cw] = s;
  let [h, w] = imageSize(x);
  if (cw > w || ch > h) {
    const ltrb = [cw > w ? Math.floor((cw - w) / 2) : 0, ch > h ? Math.floor((ch - h) / 2) : 0, cw > w ? Math.floor((cw - w + 1) / 2) : 0, ch > h ? Math.floor((ch - h + 1) / 2) : 0];
    x = aten.constant_pad_nd(x, [ltrb[0], ltrb[2], ltrb[1], ltrb[3]], 0) as Tensor;
    [h, w] = imageSize(x);
    if (cw === w && ch === h) return x;
  }
  return crop(x, pyRound((h - ch) / 2), pyRound((w - cw) / 2), ch, cw);
}

/** crop then resize (torchvision's F.resized_crop). */
export function resizedCrop(img: Tensor, top: number, left: number, height: number, width: number, size: number | readonly number[], o: ResizeOptions = {}): Tensor {
  return resize(crop(img, top, left, height, width), size, o);
}

/** The mirror image (left <-> right). */
export function hflip(img: Tensor): Tensor {
  return checkImage(img, "hflip").flip(-1);
}

/** The upside-down image. */
export function vflip(img: Tensor): Tensor {
  return checkImage(img, "vflip").flip(-2);
}

function bound(x: Tensor): number {
  return isFloatingDType(x.dtype) ? 1.0 : 255.0;
}

/** torchvision's _blend: ratio * a + (1 - ratio) * b, clamped to the dtype's range, cast to a's dtype. */
function blend(a: Tensor, b: Tensor, ratio: number): Tensor {
  return a.mul(ratio).add(b.mul(1.0 - ratio)).clamp(0, bound(a)).to(a.dtype);
}

function channels(x: Tensor): number {
  return x.ndim === 2 ? 1 : x.shape[x.ndim - 3];
}

/** torchvision's rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B, cast back to the image's dtype. */
export function rgbToGrayscale(img: Tensor, numOutputChannels: 1 | 3 = 1): Tensor {
  const x = checkImage(img, "rgbToGrayscale");
  const c = channels(x);
  if (c !== 1 && c !== 3) throw new Error(`tstorch: transforms.rgbToGrayscale: expected 1 or 3 channels, got ${c}`);
  let l: Tensor;
  if (c === 3) {
    const [r, g, b] = x.unbind(-3);
    l = r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)).to(x.dtype).unsqueeze(-3);
  } else l = x.clone();
  return numOutputChannels === 3 ? l.expand(...x.shape) : l;
}

export function adjustBrightness(img: Tensor, factor: number): Tensor {
  const x = checkImage(img, "adjustBrightness");
  if (!(factor >= 0)) throw new Error(`tstorch: transforms.adjustBrightness: brightness factor (${factor}) is not non-negative`);
  return blend(x, zeros(x.shape, { dtype: x.dtype, device: x.device }), factor);
}

export function adjustContrast(img: Tensor, factor: number): Tensor {
  const x = checkImage(img, "adjustContrast");
  if (!(factor >= 0)) throw new Error(`tstorch: transforms.adjustContrast: contrast factor (${factor}) is not non-negative`);
  const dtype: DType = isFloatingDType(x.dtype) ? x.dtype : "float32";
  const src = channels(x) === 3 ? rgbToGrayscale(x) : x;
  const mean = src.to(dtype).mean([-3, -2, -1], true);
  return blend(x, mean, factor);
}

export function adjustSaturation(img: Tensor, factor: number): Tensor {
  const x = checkImage(img, "adjustSaturation");
  if (!(factor >= 0)) throw new Error(`tstorch: transforms.adjustSaturation: saturation factor (${factor}) is not non-negative`);
  if (channels(x) === 1) return x;
  return blend(x, rgbToGrayscale(x), factor);
}

function rgb2hsv(img: Tensor): Tensor {
  const [r, g, b] = img.unbind(-3);
  const maxc = img.max(-3).values;
  const minc = img.min(-3).values;
  const eqc = maxc.eq(minc);
  const cr = maxc.sub(minc);
  const ones = onesLike(maxc);
  const s = cr.div(where(eqc, ones, maxc));
  const crDivisor = where(eqc, ones, cr);
  const rc = maxc.sub(r).div(crDivisor);
  const gc = maxc.sub(g).div(crDivisor);
  const bc = maxc.sub(b).div(crDivisor);
  const hr = maxc.eq(r).mul(bc.sub(gc));
  const hg = maxc.eq(g).logicalAnd(maxc.ne(r)).mul(rc.add(2.0).sub(bc));
  const hb = maxc.ne(g).logicalAnd(maxc.ne(r)).mul(gc.add(4.0).sub(rc));
  const h = hr.add(hg).add(hb).div(6.0).add(1.0).fmod(1.0);
  return stack([h, s, maxc], -3);
}

function hsv2rgb(img: Tensor): Tensor {
  const [h, s, v] = img.unbind(-3);
  const i0 = h.mul(6.0).floor();
  const f = h.mul(6.0).sub(i0);
  const i = i0.to("int32").remainder(6);
  const p = v.mul(s.neg().add(1.0)).clamp(0.0, 1.0);
  const q = v.mul(s.mul(f).neg().add(1.0)).clamp(0.0, 1.0);
  const t = v.mul(s.mul(f.neg().add(1.0)).neg().add(1.0)).clamp(0.0, 1.0);
  const mask = i.unsqueeze(-3).eq(arange(6, { device: i.device }).view(-1, 1, 1)).to(img.dtype);
  const a1 = stack([v, q, p, p, t, v], -3);
  const a2 = stack([t, v, v, q, p, p], -3);
  const a3 = stack([p, p, t, v, v, q], -3);
  const a4 = stack([a1, a2, a3], -4);
  // einsum("...ijk, ...xijk -> ...xjk"): the mask is one-hot over i, so this sum is exact
  return mask.unsqueeze(-4).mul(a4).sum(-3);
}

/** torchvision's adjust_hue: the hue rotated by factor (in [-0.5, 0.5]) through HSV. */
export function adjustHue(img: Tensor, factor: number): Tensor {
  const x = checkImage(img, "adjustHue");
  if (!(factor >= -0.5 && factor <= 0.5)) throw new Error(`tstorch: transforms.adjustHue: hue factor (${factor}) is not in [-0.5, 0.5].`);
  const c = channels(x);
  if (c !== 1 && c !== 3) throw new Error(`tstorch: transforms.adjustHue: expected 1 or 3 channels, got ${c}`);
  if (c === 1) return x;
  const isByte = x.dtype === "uint8";
  const f = isByte ? x.to("float32").div(255.0) : x;
  const [h, s, v] = rgb2hsv(f).unbind(-3);
  const out = hsv2rgb(stack([h.add(factor).remainder(1.0), s, v], -3));
  if (!isByte) return out;
  // back to uint8 as the torchvision paired with this libtorch does: 0.14 (1.13) truncates x * 255,
  // later versions convert_image_dtype (x * (256 - 1e-3), truncated)
  return torchAtLeast(2, 0) ? convertImageDtype(out, "uint8") : out.mul(255.0).to("uint8");
}

/** torchvision's F.normalize: (x - mean[c]) / std[c] over the channel dimension (-3); x floating point. */
export function normalize(img: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const x = checkImage(img, "normalize");
  if (!isFloatingDType(x.dtype)) throw new Error(`tstorch: transforms.normalize: input tensor should be a float tensor. Got ${x.dtype}.`);
  if (x.ndim < 3) throw new Error(`tstorch: transforms.normalize: expected a tensor image of size (..., C, H, W), got shape [${x.shape}]`);
  const o = { dtype: x.dtype, device: x.device };
  const m = tensor([...mean], o);
  const s = tensor([...std], o);
  if (s.eq(0).any().item()) throw new Error(`tstorch: transforms.normalize: std evaluated to zero after conversion to ${x.dtype}, leading to division by zero.`);
  return x.sub(m.view(-1, 1, 1)).div(s.view(-1, 1, 1));
}

/**
 * torchvision's convert_image_dtype (ToDtype with scale): integer -> float divides by the integer
 * type's maximum, float -> integer multiplies by max + 1 - 1e-3 and truncates, integer -> integer
 * rescales by the ratio of the ranges.
 */
export function convertImageDtype(img: Tensor, dtype: DType): Tensor {
  const x = checkImage(img, "toDtype");
  if (x.dtype === dtype) return x;
  const fin = isFloatingDType(x.dtype);
  const fout = isFloatingDType(dtype);
  if (fin) {
    if (fout) return x.to(dtype);
    if ((x.dtype === "float32" && (dtype === "int32" || dtype === "int64")) || (x.dtype === "float64" && dtype === "int64")) {
      throw new Error(`tstorch: transforms.toDtype: the cast from ${x.dtype} to ${dtype} cannot be performed safely.`);
    }
    const max = INT_MAX[dtype];
    if (max === undefined) throw new Error(`tstorch: transforms.toDtype: unsupported dtype ${dtype}`);
    return x.mul(max + 1.0 - 1e-3).to(dtype);
  }
  const inMax = INT_MAX[x.dtype];
  if (inMax === undefined) throw new Error(`tstorch: transforms.toDtype: unsupported dtype ${x.dtype}`);
  if (fout) return x.to(dtype).div(inMax);
  const outMax = INT_MAX[dtype];
  if (outMax === undefined) throw new Error(`tstorch: transforms.toDtype: unsupported dtype ${dtype}`);
  if (inMax > outMax) return x.div(Math.floor((inMax + 1) / (outMax + 1)), "floor").to(dtype);
  return x.to(dtype).mul(Math.floor((outMax + 1) / (inMax + 1)));
}

