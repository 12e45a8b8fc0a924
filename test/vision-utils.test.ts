// vision.utils.makeGrid / saveImage against torchvision.utils.make_grid / save_image: same grid
// (black padding, grey expanded to 3 channels, normalize / valueRange / scaleEach / padValue), and
// the saved file holds save_image's bytes (PNG pixels compared after decoding: the zlib streams may
// differ, the pixels may not).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const { makeGrid, saveImage } = torch.vision.utils;
const { io } = torch.vision;

const vals = (n: number, scale: number, offset: number) => Array.from({ length: n }, (_, i) => (((i * 7919) % 997) / 997) * scale + offset);
const batch = vals(5 * 3 * 6 * 7, 3, -1); // [5, 3, 6, 7] in [-1, 2): needs normalisation
const grey = vals(3 * 1 * 4 * 5, 1, 0); // [3, 1, 4, 5] in [0, 1)

test("makeGrid equals torchvision.utils.make_grid for every option", () => {
  const cases: [string, string, () => torch.Tensor][] = [
    ["default", "U.make_grid(b)", () => makeGrid(b())],
    ["nrow-pad", "U.make_grid(b, nrow=2, padding=3, pad_value=0.5)", () => makeGrid(b(), { nrow: 2, padding: 3, padValue: 0.5 })],
    ["normalize", "U.make_grid(b, normalize=True)", () => makeGrid(b(), { normalize: true })],
    ["range", "U.make_grid(b, normalize=True, value_range=(-0.5, 1.0))", () => makeGrid(b(), { normalize: true, valueRange: [-0.5, 1.0] })],
    ["scale-each", "U.make_grid(b, normalize=True, scale_each=True, nrow=3)", () => makeGrid(b(), { normalize: true, scaleEach: true, nrow: 3 })],
    ["grey-batch", "U.make_grid(g, nrow=2)", () => makeGrid(g(), { nrow: 2 })],
    ["grey-single", "U.make_grid(g[0])", () => makeGrid(g().select(0, 0))],
    ["hw", "U.make_grid(g[0, 0])", () => makeGrid(g().select(0, 0).select(0, 0))],
    ["list", "U.make_grid(list(b[:3]), padding=0)", () => makeGrid(b().unbind(0).slice(0, 3), { padding: 0 })],
  ];
  const b = () => torch.tensor(batch).view(5, 3, 6, 7);
  const g = () => torch.tensor(grey).view(3, 1, 4, 5);
  const want = runPython(
    `
import torch, torchvision.utils as U
b = torch.tensor(INPUT["b"]).view(5, 3, 6, 7)
g = torch.tensor(INPUT["g"]).view(3, 1, 4, 5)
OUTPUT = {name: {"shape": list(r.shape), "v": r.flatten().tolist()} for name, r in ((n, eval(c)) for n, c in INPUT["cases"])}
`,
    { b: batch, g: grey, cases: cases.map(([n, c]) => [n, c]) },
  ) as Record<string, { shape: number[]; v: number[] }>;
  for (const [name, , ts] of cases) {
    const got = ts();
    assert.deepEqual(got.shape, want[name].shape, name);
    assert.deepEqual(Array.from(got.contiguous().toTypedArray() as Float32Array), want[name].v.map(Math.fround), name);
  }
  assert.throws(() => makeGrid(b(), { nrow: 0 }), /nrow must be a positive integer, got 0/);
  assert.throws(() => makeGrid(torch.zeros([2, 2, 2, 2, 2])), /expected \[B, C, H, W\], \[C, H, W\] or \[H, W\], got shape \[2,2,2,2,2\]/);
});

test("saveImage writes save_image's pixels (PNG: RGB for grey batches, black padding; JPEG by extension)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-save-image-"));
  const b = torch.tensor(batch).view(5, 3, 6, 7);
  const g = torch.tensor(grey).view(3, 1, 4, 5);
  saveImage(b, path.join(dir, "b.png"), { normalize: true, nrow: 3 });
  saveImage(g, path.join(dir, "g.png"));
  saveImage(b, path.join(dir, "b.jpg"), { normalize: true });
  runPython(
    `
import os, torch, torchvision.utils as U
d = INPUT["dir"]
U.save_image(torch.tensor(INPUT["b"]).view(5, 3, 6, 7), os.path.join(d, "b-py.png"), normalize=True, nrow=3)
U.save_image(torch.tensor(INPUT["g"]).view(3, 1, 4, 5), os.path.join(d, "g-py.png"))
`,
    { dir, b: batch, g: grey },
  );
  for (const f of ["b", "g"]) {
    const mine = io.readImage(path.join(dir, `${f}.png`));
    const theirs = io.readImage(path.join(dir, `${f}-py.png`));
    assert.deepEqual(mine.shape, theirs.shape, f);
    assert.equal(mine.shape[0], 3, `${f}: saved as RGB`);
    assert.ok(mine.equal(theirs), `${f}: same pixels`);
  }
  assert.equal(io.readImage(path.join(dir, "g.png")).narrow(1, 0, 2).max().item(), 0, "the padding is black");
  assert.deepEqual(io.readImage(path.join(dir, "b.jpg")).shape, [3, 2 + 8, 2 + 9 * 5]); // 5 images in one row of 8
  assert.throws(() => saveImage(b, path.join(dir, "x.gif")), /unknown image format for .*x\.gif \(use \.png, \.jpg or \.jpeg, or the format option\)/);
  assert.ok(!fs.existsSync(path.join(dir, "x.gif")));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("io.saveImageGrid keeps its own behaviour (white padding) beside vision.utils.saveImage", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-save-grid-"));
  torch.io.saveImageGrid(torch.zeros([2, 3, 4, 4]), path.join(dir, "grid.png"), { padding: 2 });
  const img = io.readImage(path.join(dir, "grid.png"));
  assert.equal(img.select(1, 0).select(1, 0).select(0, 0).item(), 255);
  fs.rmSync(dir, { recursive: true, force: true });
});
