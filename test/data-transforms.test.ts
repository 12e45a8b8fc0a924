// torch.data.transforms against the same PyTorch code (airbench's batch augmentations): after the
// same manualSeed the random ones must draw the same numbers and give bit-identical batches.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { dedent, runPython } from "./helpers/python.js";
import { flat } from "./helpers/seed-models.js";

const T = torch.data.transforms;
const [N, C, H, W] = [16, 3, 8, 7]; // H ≠ W: a swapped (sy, sx) would show

const X = torch.scope(() => torch.randn([N, C, H, W]).toArray());

const PY = dedent(`
import torch, torch.nn.functional as F
x = torch.tensor(INPUT["x"], dtype=torch.float32)
def flip_lr(x):
    mask = (torch.rand(len(x), device=x.device) < 0.5).view(-1, 1, 1, 1)
    return torch.where(mask, x.flip(-1), x)
def crop_reflect(x, pad):
    N, C, H, W = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    shifts = torch.randint(-pad, pad + 1, (N, 2))
    out = torch.empty_like(x)
    for i in range(N):
        sy, sx = shifts[i].tolist()
        out[i] = padded[i, :, pad + sy : pad + sy + H, pad + sx : pad + sx + W]
    return out
`);

function input(): torch.Tensor {
  return torch.tensor(X, { dtype: "float32" });
}

test("randomFlipLr and randomCropReflect: bit-identical to PyTorch after the same seed, in sequence", () => {
  const seeds = [0, 7, 1234];
  const py = runPython(
    PY +
      dedent(`
      OUTPUT = []
      for s in INPUT["seeds"]:
          torch.manual_seed(s)
          a = flip_lr(x); b = crop_reflect(x, 2); c = crop_reflect(flip_lr(x), 1); d = crop_reflect(x, 3)
          OUTPUT.append([a.flatten(), b.flatten(), c.flatten(), d.flatten(), torch.rand(3)])
      `),
    { x: X, seeds },
  ) as number[][][];
  seeds.forEach((s, si) => {
    torch.scope(() => {
      const x = input();
      torch.manualSeed(s);
      const a = T.randomFlipLr(x);
      const b = T.randomCropReflect(x, 2);
      const c = T.randomCropReflect(T.randomFlipLr(x), 1);
      const d = T.randomCropReflect(x, 3);
      const after = torch.rand([3]); // the generator ends in the same state
      const ours = [a, b, c, d, after].map(flat);
      ["flip", "crop 2", "flip+crop 1", "crop 3", "rand after"].forEach((what, i) => {
        assert.deepEqual(ours[i], py[si][i], `seed ${s}: ${what}`);
      });
      for (const t of [a, b, c, d]) {
        assert.deepEqual(t.shape, [N, C, H, W]);
        assert.equal(t.dtype, "float32");
      }
      // the augmentations did something: some images flipped, some kept; crops moved
      const xs = flat(x);
      const fl = flat(T.flipLr(x));
      const per = C * H * W;
      const flipped = Array.from({ length: N }, (_, i) => ours[0].slice(i * per, (i + 1) * per).every((v, j) => v === fl[i * per + j]));
      assert.ok(flipped.some((f) => f) && flipped.some((f) => !f), "a mix of flipped and kept images");
      assert.notDeepEqual(ours[1], xs);
    });
  });
});

test("flipLr and translate: deterministic, equal to PyTorch's flip and reflect-pad-and-slice", () => {
  const shifts: [number, number][] = [];
  for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) shifts.push([dx, dy]);
  const py = runPython(
    PY +
      dedent(`
      OUTPUT = {"flip": x.flip(-1).flatten(), "tr": []}
      N, C, H, W = x.shape
      for dx, dy in INPUT["shifts"]:
          p = 2
          OUTPUT["tr"].append(F.pad(x, (p, p, p, p), mode="reflect")[:, :, p + dy : p + dy + H, p + dx : p + dx + W].flatten())
      `),
    { x: X, shifts },
  ) as { flip: number[]; tr: number[][] };
  torch.scope(() => {
    const x = input();
    assert.deepEqual(flat(T.flipLr(x)), py.flip);
    shifts.forEach(([dx, dy], i) => {
      const t = T.translate(x, dx, dy, "reflect");
      assert.deepEqual(t.shape, [N, C, H, W]);
      assert.deepEqual(flat(t), py.tr[i], `translate(${dx}, ${dy})`);
    });
    assert.deepEqual(flat(T.translate(x, 0, 0)), flat(x));
    // output pixel (r, c) is input pixel (r + dy, c + dx): one hand-checked value
    const t = T.translate(x, 1, 2);
    assert.equal(t.get(3).get(1).get(0).get(0).item(), x.get(3).get(1).get(2).get(1).item());
  });
});

test("normalize: (x - mean) / std per channel, as PyTorch, keeping the dtype", () => {
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.2435, 0.2616];
  const py = runPython(
    PY +
      dedent(`
      m = torch.tensor(INPUT["mean"], dtype=x.dtype).view(1, -1, 1, 1)
      s = torch.tensor(INPUT["std"], dtype=x.dtype).view(1, -1, 1, 1)
      m64 = torch.tensor(INPUT["mean"], dtype=torch.float64).view(1, -1, 1, 1)
      s64 = torch.tensor(INPUT["std"], dtype=torch.float64).view(1, -1, 1, 1)
      OUTPUT = [((x - m) / s).flatten(), ((x.double() - m64) / s64).flatten()]
      `),
    { x: X, mean, std },
  ) as number[][];
  torch.scope(() => {
    const x = input();
    const y = T.normalize(x, mean, std);
    assert.equal(y.dtype, "float32");
    assert.deepEqual(flat(y), py[0]);
    const y64 = T.normalize(x.double(), mean, std);
    assert.equal(y64.dtype, "float64");
    assert.deepEqual(Array.from(y64.flatten().toTypedArray() as Float64Array), py[1]);
  });
});

test("transforms: bad input gives tstorch errors", () => {
  torch.scope(() => {
    const x = input();
    const x3 = torch.zeros([3, 8, 8]);
    for (const [name, fn] of [
      ["flipLr", () => T.flipLr(x3)], ["randomFlipLr", () => T.randomFlipLr(x3)], ["randomCropReflect", () => T.randomCropReflect(x3, 1)],
      ["translate", () => T.translate(x3, 1, 1)], ["normalize", () => T.normalize(x3, [0], [1])],
    ] as [string, () => unknown][]) {
      assert.throws(fn, new RegExp(`^Error: tstorch: transforms\\.${name}: expected a 4-d batch \\[N, C, H, W\\], got shape \\[3,8,8\\]`));
    }
    assert.throws(() => T.randomCropReflect(x, 7), /tstorch: transforms.randomCropReflect: reflect padding 7 must be smaller than the image size 8×7/);
    assert.throws(() => T.randomCropReflect(x, -1), /tstorch: transforms.randomCropReflect: pad must be a non-negative integer, got -1/);
    assert.throws(() => T.randomCropReflect(x, 1.5), /pad must be a non-negative integer/);
    assert.throws(() => T.translate(x, 7, 0), /tstorch: transforms.translate: shift \(7, 0\) must be smaller than the image size 8×7/);
    assert.throws(() => T.translate(x, 0, 1, "zeros" as "reflect"), /tstorch: transforms.translate: mode must be "reflect"/);
    assert.throws(() => T.normalize(x, [0, 0], [1, 1, 1]), /tstorch: transforms.normalize: expected 3 means \(one per channel\), got 2/);
    assert.throws(() => T.normalize(x, [0, 0, 0], [1, 1]), /tstorch: transforms.normalize: expected 3 stds \(one per channel\), got 2/);
    assert.throws(() => T.normalize(x, [0, 0, 0], [1, 0, 1]), /tstorch: transforms.normalize: std evaluated to zero/);
    assert.throws(() => T.normalize(torch.zeros([1, 3, 2, 2], { dtype: "uint8" }), [0, 0, 0], [1, 1, 1]), /tstorch: transforms.normalize: expected a floating-point batch, got uint8/);
  });
});
