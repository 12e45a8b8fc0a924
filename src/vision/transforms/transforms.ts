// torchvision.transforms.v2's common set as modules: call forward(img) (or call(img)) on a tensor
// image [..., C, H, W]. The random ones draw from libtorch's default generator with the calls
// torchvision makes, in its order, so after torch.manualSeed(s) they pick what torchvision picks.
import { empty, randint, randperm, rand, tensor } from "../../core/creation.js";
import type { DType } from "../../core/dtype.js";
import { scope } from "../../core/scope.js";
import { Tensor } from "../../core/tensor.js";
import { Module } from "../../nn/module.js";
import * as F from "./functional.js";

/** A transform: a function or a module (anything with forward). */
export type TransformFn = ((x: Tensor) => Tensor) | { forward(x: Tensor): Tensor };

function run(t: TransformFn, x: Tensor): Tensor {
  return typeof t === "function" ? t(x) : t.forward(x);
}

/** Applies the transforms in order. */
export class Compose extends Module {
  readonly transforms: TransformFn[];
  constructor(transforms: readonly TransformFn[]) {
    super();
    if (!Array.isArray(transforms)) throw new Error("tstorch: transforms.Compose: expected a list of transforms");
    this.transforms = [...transforms];
  }
  forward(x: Tensor): Tensor {
    return this.transforms.reduce((acc, t) => run(t, acc), x);
  }
}

function sizePair(size: number | readonly number[], what: string): [number, number] {
  const s = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  if (s.length !== 2 || s.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`tstorch: transforms.${what}: size must be a positive int or a list of 1 or 2 positive ints, got ${JSON.stringify(size)}`);
  return [s[0], s[1]];
}

/** Resize to `size` ([h, w], or one number for the smaller edge), bilinear with antialias by default. */
export class Resize extends Module {
  constructor(readonly size: number | readonly number[], readonly options: F.ResizeOptions = {}) {
    super();
    if (typeof size !== "number") sizePair(size, "Resize");
  }
  forward(x: Tensor): Tensor {
    return F.resize(x, this.size, this.options);
  }
}

/** The central size[0] x size[1] pixels (zero-padded when the image is smaller). */
export class CenterCrop extends Module {
  readonly size: [number, number];
  constructor(size: number | readonly number[]) {
    super();
    this.size = sizePair(size, "CenterCrop");
  }
  forward(x: Tensor): Tensor {
    return F.centerCrop(x, this.size);
  }
}

export interface RandomResizedCropOptions extends Omit<F.ResizeOptions, "maxSize"> {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
}

/** A random crop of random area and aspect ratio, resized to `size` (torchvision's RandomResizedCrop). */
export class RandomResizedCrop extends Module {
  readonly size: [number, number];
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  constructor(size: number | readonly number[], readonly options: RandomResizedCropOptions = {}) {
    super();
    this.size = sizePair(size, "RandomResizedCrop");
    this.scale = options.scale ?? [0.08, 1.0];
    this.ratio = options.ratio ?? [3 / 4, 4 / 3];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) throw new Error("tstorch: transforms.RandomResizedCrop: scale and ratio should be of kind (min, max)");
  }

  /** torchvision's get_params: [top, left, height, width], with its RNG calls. */
  static getParams(img: Tensor, scale: readonly [number, number], ratio: readonly [number, number]): [number, number, number, number] {
    const [height, width] = F.imageSize(img);
    const area = height * width;
    return scope(() => {
      const logRatio = tensor([...ratio]).log().toArray() as number[];
      for (let k = 0; k < 10; k++) {
        const targetArea = area * (empty([1]).uniform_(scale[0], scale[1]).item() as number);
        const aspect = empty([1]).uniform_(logRatio[0], logRatio[1]).exp().item() as number;
        const w = F.pyRound(Math.sqrt(targetArea * aspect));
        const h = F.pyRound(Math.sqrt(targetArea / aspect));
        if (w > 0 && w <= width && h > 0 && h <= height) {
          const i = randint(0, height - h + 1, [1]).item() as number;
          const j = randint(0, width - w + 1, [1]).item() as number;
          return [i, j, h, w];
        }
      }
      // fallback to the central crop
      const inRatio = width / height;
      let w: number, h: number;
      if (inRatio < Math.min(...ratio)) {
        w = width;
        h = F.pyRound(w / Math.min(...ratio));
      } else if (inRatio > Math.max(...ratio)) {
        h = height;
        w = F.pyRound(h * Math.max(...ratio));
      } else {
        w = width;
        h = height;
      }
      return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
    });
  }

  forward(x: Tensor): Tensor {
    const [i, j, h, w] = RandomResizedCrop.getParams(F.checkImage(x, "RandomResizedCrop"), this.scale, this.ratio);
    return F.resizedCrop(x, i, j, h, w, this.size, this.options);
  }
}

/** Mirrors the image with probability p: one torch.rand(1) per call, as torchvision. */
export class RandomHorizontalFlip extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    const r = scope(() => rand([1]).item() as number);
    return r < this.p ? F.hflip(x) : x;
  }
}

type Range = [number, number] | null;

function checkRange(value: number | readonly [number, number] | undefined, name: string, center: number, lo: number, hi: number, clipFirstOnZero: boolean): Range {
  if (value === undefined) return null;
  let v: [number, number];
  if (typeof value === "number") {
    if (value < 0) throw new Error(`tstorch: transforms.ColorJitter: if ${name} is a single number, it must be non negative.`);
    v = [center - value, center + value];
    if (clipFirstOnZero) v[0] = Math.max(v[0], 0.0);
  } else if (Array.isArray(value) && value.length === 2) {
    v = [value[0], value[1]];
  } else {
    throw new Error(`tstorch: transforms.ColorJitter: ${name} should be a single number or a list/tuple with length 2.`);
  }
  if (!(lo <= v[0] && v[0] <= v[1] && v[1] <= hi)) throw new Error(`tstorch: transforms.ColorJitter: ${name} values should be between (${lo}, ${hi}), but got [${v}].`);
  return v[0] === center && v[1] === center ? null : v;
}

export interface ColorJitterOptions {
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  hue?: number | readonly [number, number];
}

/** Random brightness, contrast, saturation and hue changes, in a random order (torchvision's ColorJitter). */
export class ColorJitter extends Module {
  readonly brightness: Range;
  readonly contrast: Range;
  readonly saturation: Range;
  readonly hue: Range;
  constructor(o: ColorJitterOptions = {}) {
    super();
    this.brightness = checkRange(o.brightness, "brightness", 1, 0, Infinity, true);
    this.contrast = checkRange(o.contrast, "contrast", 1, 0, Infinity, true);
    this.saturation = checkRange(o.saturation, "saturation", 1, 0, Infinity, true);
    this.hue = checkRange(o.hue, "hue", 0, -0.5, 0.5, false);
  }

  /** torchvision's get_params: the order (a randperm(4)) and the factors, drawn in that sequence. */
  static getParams(b: Range, c: Range, s: Range, h: Range): [number[], number | null, number | null, number | null, number | null] {
    return scope(() => {
      const order = (randperm(4).toArray() as number[]).map(Number);
      const draw = (r: Range) => (r === null ? null : (empty([1]).uniform_(r[0], r[1]).item() as number));
      const fb = draw(b);
      const fc = draw(c);
      const fs = draw(s);
      const fh = draw(h);
      return [order, fb, fc, fs, fh];
    });
  }

  forward(x: Tensor): Tensor {
    const [order, b, c, s, h] = ColorJitter.getParams(this.brightness, this.contrast, this.saturation, this.hue);
    return scope(() => {
      let img = x;
      for (const id of order) {
        if (id === 0 && b !== null) img = F.adjustBrightness(img, b);
        else if (id === 1 && c !== null) img = F.adjustContrast(img, c);
        else if (id === 2 && s !== null) img = F.adjustSaturation(img, s);
        else if (id === 3 && h !== null) img = F.adjustHue(img, h);
      }
      return img;
    });
  }
}

/** (x - mean[c]) / std[c] per channel (floating-point images). */
export class Normalize extends Module {
  constructor(readonly mean: readonly number[], readonly std: readonly number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.normalize(x, this.mean, this.std);
  }
}

export interface ToDtypeOptions {
  /** Rescale the values to the new dtype's range (uint8 0..255 <-> float 0..1); default false. */
  scale?: boolean;
}

/** Converts the image's dtype; with scale, as convert_image_dtype (uint8 -> float32 divides by 255). */
export class ToDtype extends Module {
  constructor(readonly dtype: DType, readonly options: ToDtypeOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.options.scale ? F.convertImageDtype(x, this.dtype) : F.checkImage(x, "ToDtype").to(this.dtype);
  }
}
