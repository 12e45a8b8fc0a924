import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { decodePng, encodePng, gridLayout, writePngAtomic } from "../src/io/png.js";

const PYTHON = "/usr/bin/python3";

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-png-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Reads a PNG with Pillow: mode, size and the pixel tuples in row-major order. */
function pilRead(file: string): { mode: string; size: [number, number]; pixels: number[][] } {
  const code =
    "import json, sys\nfrom PIL import Image\nim = Image.open(sys.argv[1])\n" +
    "px = [list(p) if isinstance(p, tuple) else [p] for p in im.getdata()]\n" +
    "print(json.dumps({'mode': im.mode, 'size': list(im.size), 'pixels': px}))";
  return JSON.parse(execFileSync(PYTHON, ["-c", code, file], { encoding: "utf8" }));
}

function pixelsOf(data: Uint8Array, channels: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += channels) out.push([...data.subarray(i, i + channels)]);
  return out;
}

// 3 wide, 2 high; values chosen to include 0, 255 and distinct per channel.
const RGB = new Uint8Array([
  255, 0, 0, /**/ 0, 255, 0, /**/ 0, 0, 255,
  1, 2, 3, /**/ 128, 64, 32, /**/ 255, 255, 255,
]);

test("encodePng RGB: pngjs and Pillow read back the exact pixels", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "rgb.png");
  const png = encodePng(RGB, 3, 2, 3);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]); // PNG signature
  writePngAtomic(file, png);
  assert.deepEqual(fs.readdirSync(dir), ["rgb.png"]); // no temp file left behind

  const dec = decodePng(fs.readFileSync(file));
  assert.equal(dec.width, 3);
  assert.equal(dec.height, 2);
  assert.deepEqual(pixelsOf(dec.data, 4), pixelsOf(RGB, 3).map((p) => [...p, 255]));

  const pil = pilRead(file);
  assert.equal(pil.mode, "RGB");
  assert.deepEqual(pil.size, [3, 2]);
  assert.deepEqual(pil.pixels, pixelsOf(RGB, 3));
});

test("encodePng grey and RGBA keep their colour type and values", (t) => {
  const dir = tmpDir(t);
  const grey = new Uint8Array([0, 17, 34, 51, 68, 85, 102, 119, 136, 153, 170, 255]); // 4x3
  writePngAtomic(path.join(dir, "g.png"), encodePng(grey, 4, 3, 1));
  const pg = pilRead(path.join(dir, "g.png"));
  assert.equal(pg.mode, "L");
  assert.deepEqual(pg.size, [4, 3]);
  assert.deepEqual(pg.pixels, pixelsOf(grey, 1));
  const dg = decodePng(fs.readFileSync(path.join(dir, "g.png")));
  assert.deepEqual(pixelsOf(dg.data, 4), [...grey].map((v) => [v, v, v, 255]));

  const rgba = new Uint8Array([10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4]); // 2x2
  writePngAtomic(path.join(dir, "a.png"), encodePng(rgba, 2, 2, 4));
  const pa = pilRead(path.join(dir, "a.png"));
  assert.equal(pa.mode, "RGBA");
  assert.deepEqual(pa.pixels, pixelsOf(rgba, 4));
  assert.deepEqual(decodePng(fs.readFileSync(path.join(dir, "a.png"))).data, rgba);
});

test("decodePng reads a PNG written by Pillow", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "pil.png");
  const code =
    "import sys\nfrom PIL import Image\n" +
    "Image.frombytes('RGB', (3, 2), bytes(int(v) for v in sys.argv[2].split(','))).save(sys.argv[1])";
  execFileSync(PYTHON, ["-c", code, file, [...RGB].join(",")]);
  const dec = decodePng(fs.readFileSync(file));
  assert.equal(dec.width, 3);
  assert.equal(dec.height, 2);
  assert.deepEqual(pixelsOf(dec.data, 4), pixelsOf(RGB, 3).map((p) => [...p, 255]));
});

test("encodePng rejects inconsistent sizes", () => {
  assert.throws(() => encodePng(RGB, 3, 3, 3), /3x3x3 needs 27 bytes, got 18/);
  assert.throws(() => encodePng(RGB, 0, 2, 3), /positive integers/);
  assert.throws(() => encodePng(RGB, 3, 2, 2 as 3), /channels must be 1, 3 or 4/);
});

test("writePngAtomic replaces an existing file", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "x.png");
  fs.writeFileSync(file, "old contents");
  writePngAtomic(file, encodePng(RGB, 3, 2, 3));
  assert.equal(decodePng(fs.readFileSync(file)).width, 3);
  assert.deepEqual(fs.readdirSync(dir), ["x.png"]);
});

test("gridLayout: padding, nearest-neighbour upscale, placement", () => {
  // Two 1x2 RGB images A = [a0 a1], B = [b0 b1]; 1 row x 2 cols, padding 1, scale 2, pad 7.
  const a0 = [1, 2, 3], a1 = [4, 5, 6], b0 = [7, 8, 9], b1 = [10, 11, 12];
  const A = new Uint8Array([...a0, ...a1]);
  const B = new Uint8Array([...b0, ...b1]);
  const g = gridLayout([A, B], { height: 1, width: 2, cols: 2, padding: 1, scale: 2, padValue: 99 });
  assert.equal(g.width, 2 * (4 + 1) + 1);
  assert.equal(g.height, 1 * (2 + 1) + 1);
  assert.equal(g.channels, 3);
  const P = [99, 99, 99];
  const padRow = new Array(11).fill(P);
  const imgRow = [P, a0, a0, a1, a1, P, b0, b0, b1, b1, P];
  assert.deepEqual(pixelsOf(g.data, 3), [...padRow, ...imgRow, ...imgRow, ...padRow]);

  // A flat [N,H,W,C] buffer lays out the same as a list of images.
  const flat = gridLayout(new Uint8Array([...A, ...B]), { height: 1, width: 2, cols: 2, padding: 1, scale: 2, padValue: 99 });
  assert.deepEqual(flat.data, g.data);
});

test("gridLayout defaults: no padding, min(N, 8) columns, empty cells padded", () => {
  // Ten 1x1 grey images with values 1..10 -> 8 columns, 2 rows, 6 empty cells of 0.
  const imgs = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const g = gridLayout(imgs, { height: 1, width: 1, channels: 1 });
  assert.equal(g.width, 8);
  assert.equal(g.height, 2);
  assert.deepEqual([...g.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 0]);

  // rows given: columns follow; a 2x2 image scaled 3x maps each pixel to a 3x3 block.
  const r = gridLayout(imgs.subarray(0, 4), { height: 2, width: 2, channels: 1, rows: 1, scale: 3 });
  assert.equal(r.width, 6);
  assert.equal(r.height, 6);
  assert.deepEqual([...r.data.subarray(0, 6)], [1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...r.data.subarray(30, 36)], [3, 3, 3, 4, 4, 4]);
});

test("gridLayout rejects bad input", () => {
  const img = new Uint8Array(12);
  assert.throws(() => gridLayout([img, img, img], { height: 2, width: 2, rows: 1, cols: 2 }), /1x2 grid cannot hold 3 images/);
  assert.throws(() => gridLayout(new Uint8Array(13), { height: 2, width: 2 }), /not a whole number of 12-byte images/);
  assert.throws(() => gridLayout([img, new Uint8Array(11)], { height: 2, width: 2 }), /image 1 has 11 bytes, expected 12/);
  assert.throws(() => gridLayout([img], { height: 2, width: 2, scale: 1.5 }), /scale must be a positive integer/);
  assert.throws(() => gridLayout([], { height: 2, width: 2 }), /no images/);
});
