// Tensor-level PNG writing: exact pixel values after clamp, scale to 0..255 and rounding, read back
// by pngjs and by Pillow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const dir = mkdtempSync(join(tmpdir(), "tstorch-image-"));

// a 2x3 RGB image, channels first, with values that exercise clamping and rounding
const R = [0, 0.5, 1, 1.5, -0.2, 0.1];
const G = [0.25, 0.75, 0.002, 0.998, 0.3, 0.6];
const B = [1, 0, 0.4, 0.8, 0.9, 0.05];
const expected = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);

test("saveImage writes a [3,H,W] tensor with the exact expected pixels (pngjs and Pillow agree)", () => {
  const t = torch.tensor([R, G, B]).reshape([3, 2, 3]);
  const file = join(dir, "chw.png");
  torch.io.saveImage(t, file);
  const png = torch.io.decodePng(readFileSync(file));
  assert.equal(png.width, 3);
  assert.equal(png.height, 2);
  for (let i = 0; i < 6; i++) {
    assert.deepEqual([...png.data.subarray(i * 4, i * 4 + 3)], [expected(R[i]), expected(G[i]), expected(B[i])], `pixel ${i}`);
  }
  const pil = runPython(`
    from PIL import Image
    im = Image.open(INPUT["file"])
    OUTPUT = {"mode": im.mode, "size": list(im.size), "pixels": [list(p) for p in im.getdata()]}
  `, { file }) as { mode: string; size: number[]; pixels: number[][] };
  assert.equal(pil.mode, "RGB");
  assert.deepEqual(pil.size, [3, 2]);
  assert.deepEqual(pil.pixels, R.map((_, i) => [expected(R[i]), expected(G[i]), expected(B[i])]));
});

test("saveImage accepts [H,W,3] and an upscale factor (nearest neighbour)", () => {
  const hwc = torch.tensor([R, G, B]).reshape([3, 2, 3]).permute(1, 2, 0);
  const file = join(dir, "hwc.png");
  torch.io.saveImage(hwc, file, { scale: 2 });
  const png = torch.io.decodePng(readFileSync(file));
  assert.equal(png.width, 6);
  assert.equal(png.height, 4);
  // pixel (y=3, x=5) of the upscaled image is source pixel (1, 2) = index 5
  const at = (3 * 6 + 5) * 4;
  assert.deepEqual([...png.data.subarray(at, at + 3)], [expected(R[5]), expected(G[5]), expected(B[5])]);
});

test("saveImageGrid lays N images out in one PNG", () => {
  const imgs = torch.stack([torch.zeros([3, 4, 4]), torch.ones([3, 4, 4])]);
  const file = join(dir, "grid.png");
  torch.io.saveImageGrid(imgs, file, { cols: 2, padding: 0, scale: 2 });
  const png = torch.io.decodePng(readFileSync(file));
  assert.equal(png.width, 16);
  assert.equal(png.height, 8);
  assert.deepEqual([...png.data.subarray(0, 3)], [0, 0, 0]);
  const right = (0 * 16 + 15) * 4;
  assert.deepEqual([...png.data.subarray(right, right + 3)], [255, 255, 255]);
});

test("saveImage rejects shapes that are not images", () => {
  assert.throws(() => torch.io.saveImage(torch.zeros([2, 2, 2, 2]), join(dir, "bad.png")), /\[C,H,W\] or \[H,W,C\]/);
  assert.throws(() => torch.io.saveImage(torch.zeros([5, 4, 4]), join(dir, "bad2.png")), /1 or 3 channels/);
});
