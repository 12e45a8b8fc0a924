// vision.transforms (v2's common set) against torchvision.transforms.functional 0.14 and its
// transform classes on the same libtorch: the same pixels (uint8 images exactly; float images
// exactly too, the same kernels run), and after the same manual_seed the random ones pick the same
// crops, flips and jitters.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const T = torch.vision.transforms;
const F = T.functional;

// a deterministic uint8 RGB image [3, 23, 31] and its float version
const H = 23;
const W = 31;
const pixels = Array.from({ length: 3 * H * W }, (_, i) => (i * 37 + ((i * i) % 101)) % 256);
const img = () => torch.tensor(pixels, { dtype: "uint8" }).view(3, H, W);
const imgF = () => img().float().div(255);

type Case = { name: string; py: string; ts: () => torch.Tensor; tol?: number };

function compare(cases: Case[]): void {
  const want = runPython(
    `
import torch, torchvision.transforms.functional as F, torchvision.transforms as T
from torchvision.transforms import InterpolationMode as IM
img = torch.tensor(INPUT["pixels"], dtype=torch.uint8).view(3, ${H}, ${W})
imgF = img.float().div(255)
out = {}
for name, code in INPUT["cases"].items():
    r = eval(code)
    out[name] = {"shape": list(r.shape), "dtype": str(r.dtype), "values": r.double().flatten().tolist()}
OUTPUT = out
`,
    { pixels, cases: Object.fromEntries(cases.map((c) => [c.name, c.py])) },
  ) as Record<string, { shape: number[]; dtype: string; values: number[] }>;
  for (const c of cases) {
    const got = c.ts();
    const w = want[c.name];
    assert.deepEqual(got.shape, w.shape, `${c.name}: shape`);
    assert.equal(`torch.${got.dtype}`, w.dtype, `${c.name}: dtype`);
    const g = Array.from(got.double().contiguous().toTypedArray() as Float64Array);
    let worst = 0;
    g.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - w.values[i]))));
    assert.ok(worst <= (c.tol ?? 0), `${c.name}: max |difference| ${worst} > ${c.tol ?? 0}`);
  }
}

test("resize (bilinear with and without antialias, nearest, smaller edge, maxSize) equals torchvision's F.resize", () => {
  compare([
    { name: "down-aa-u8", py: "F.resize(img, [11, 13], antialias=True)", ts: () => F.resize(img(), [11, 13]) },
    { name: "down-noaa-u8", py: "F.resize(img, [11, 13], antialias=False)", ts: () => F.resize(img(), [11, 13], { antialias: false }) },
    { name: "up-aa-u8", py: "F.resize(img, [40, 50], antialias=True)", ts: () => F.resize(img(), [40, 50]) },
    { name: "short-edge-f", py: "F.resize(imgF, 10, antialias=True)", ts: () => F.resize(imgF(), 10) },
    { name: "short-edge-max", py: "F.resize(imgF, 10, max_size=12, antialias=True)", ts: () => F.resize(imgF(), 10, { maxSize: 12 }) },
    { name: "nearest", py: "F.resize(img, [9, 17], interpolation=IM.NEAREST)", ts: () => F.resize(img(), [9, 17], { interpolation: "nearest" }) },
    { name: "Resize-batch", py: "T.Resize(12, antialias=True)(img.unsqueeze(0).expand(2, 3, 23, 31))", ts: () => new T.Resize(12).forward(img().unsqueeze(0).expand(2, 3, H, W)) },
  ]);
  const same = img();
  assert.equal(F.resize(same, [H, W]), same);
  assert.throws(() => F.resize(img(), 10, { maxSize: 10 }), /maxSize = 10 must be strictly greater than the requested size for the smaller edge size = 10/);
});

test("centerCrop, crop, hflip and resizedCrop equal torchvision's (odd offsets round half to even; larger crops zero-pad)", () => {
  compare([
    { name: "cc-small", py: "F.center_crop(img, [10, 12])", ts: () => F.centerCrop(img(), [10, 12]) },
    { name: "cc-odd", py: "F.center_crop(img, 8)", ts: () => new T.CenterCrop(8).forward(img()) },
    { name: "cc-large", py: "F.center_crop(img, [30, 36])", ts: () => F.centerCrop(img(), [30, 36]) },
    { name: "cc-mixed", py: "F.center_crop(imgF, [30, 20])", ts: () => F.centerCrop(imgF(), [30, 20]) },
    { name: "crop-out", py: "F.crop(img, -2, 25, 6, 10)", ts: () => F.crop(img(), -2, 25, 6, 10) },
    { name: "hflip", py: "F.hflip(img)", ts: () => F.hflip(img()) },
    { name: "resized-crop", py: "F.resized_crop(img, 3, 4, 15, 20, [8, 8], antialias=True)", ts: () => F.resizedCrop(img(), 3, 4, 15, 20, [8, 8]) },
  ]);
  assert.equal(F.pyRound(2.5), 2);
  assert.equal(F.pyRound(3.5), 4);
  assert.equal(F.pyRound(-0.5), -0);
});

test("colour adjustments, normalize and convertImageDtype equal torchvision's on uint8 and float images", () => {
  compare([
    { name: "bright-u8", py: "F.adjust_brightness(img, 1.37)", ts: () => F.adjustBrightness(img(), 1.37) },
    { name: "contrast-u8", py: "F.adjust_contrast(img, 0.61)", ts: () => F.adjustContrast(img(), 0.61) },
    { name: "contrast-f", py: "F.adjust_contrast(imgF, 1.7)", ts: () => F.adjustContrast(imgF(), 1.7) },
    { name: "sat-u8", py: "F.adjust_saturation(img, 0.3)", ts: () => F.adjustSaturation(img(), 0.3) },
    { name: "hue-u8", py: "F.adjust_hue(img, 0.21)", ts: () => F.adjustHue(img(), 0.21) },
    { name: "hue-f", py: "F.adjust_hue(imgF, -0.37)", ts: () => F.adjustHue(imgF(), -0.37) },
    { name: "gray", py: "F.rgb_to_grayscale(img)", ts: () => F.rgbToGrayscale(img()) },
    { name: "normalize", py: "F.normalize(imgF, [0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])", ts: () => new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]).forward(imgF()) },
    { name: "to-float", py: "F.convert_image_dtype(img, torch.float32)", ts: () => new T.ToDtype("float32", { scale: true }).forward(img()) },
    { name: "to-u8", py: "F.convert_image_dtype(imgF, torch.uint8)", ts: () => F.convertImageDtype(imgF(), "uint8") },
    { name: "to-float-noscale", py: "img.to(torch.float32)", ts: () => new T.ToDtype("float32").forward(img()) },
  ]);
  assert.throws(() => F.normalize(img(), [0, 0, 0], [1, 1, 1]), /input tensor should be a float tensor. Got uint8/);
  assert.throws(() => F.normalize(imgF(), [0, 0, 0], [1, 0, 1]), /std evaluated to zero/);
  assert.throws(() => F.adjustHue(img(), 0.7), /hue factor \(0.7\) is not in \[-0.5, 0.5\]/);
  assert.throws(() => new T.ColorJitter({ brightness: -1 }), /if brightness is a single number, it must be non negative/);
});

test("RandomResizedCrop, RandomHorizontalFlip and ColorJitter pick torchvision's parameters after the same manual_seed", () => {
  const seeds = [0, 1, 7, 123];
  const want = runPython(
    `
import torch, torchvision.transforms as T
img = torch.tensor(INPUT, dtype=torch.uint8).view(3, ${H}, ${W})
out = []
for s in ${JSON.stringify(seeds)}:
    torch.manual_seed(s)
    rrc = T.RandomResizedCrop([12, 10], antialias=True)
    flip = T.RandomHorizontalFlip()
    cj = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    params = T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3 / 4, 4 / 3])
    x = T.Compose([rrc, flip, cj])(img)
    y = T.RandomResizedCrop(8, scale=(0.9, 1.0), ratio=(3.0, 4.0), antialias=True)(img)  # the fallback branch
    out.append({"params": list(params), "x": x.double().flatten().tolist(), "y": y.double().flatten().tolist(), "after": torch.rand(1).item()})
OUTPUT = out
`,
    pixels,
  ) as { params: number[]; x: number[]; y: number[]; after: number }[];
  seeds.forEach((s, k) => {
    torch.manualSeed(s);
    const rrc = new T.RandomResizedCrop([12, 10]);
    const flip = new T.RandomHorizontalFlip();
    const cj = new T.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
    assert.deepEqual(T.RandomResizedCrop.getParams(img(), [0.08, 1.0], [3 / 4, 4 / 3]), want[k].params, `seed ${s}: params`);
    const x = new T.Compose([rrc, flip, cj]).forward(img());
    assert.deepEqual(Array.from(x.double().contiguous().toTypedArray() as Float64Array), want[k].x, `seed ${s}: composed`);
    const y = new T.RandomResizedCrop(8, { scale: [0.9, 1.0], ratio: [3.0, 4.0] }).forward(img());
    assert.deepEqual(Array.from(y.double().contiguous().toTypedArray() as Float64Array), want[k].y, `seed ${s}: fallback`);
    assert.equal(torch.rand([1]).item(), want[k].after, `seed ${s}: the generator is left where torchvision leaves it`);
  });
});
