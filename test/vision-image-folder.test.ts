// vision.datasets.ImageFolder against torchvision.datasets.ImageFolder on the same folder: classes,
// classToIdx, samples (order included) and targets equal; items are read_image's tensors; the
// DataLoader's batches (decoded on libuv's pool) equal the items; bad files are named.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const { ImageFolder } = torch.vision.datasets;
const { io } = torch.vision;

// root/<class>/... with nested folders, upper-case extensions, a non-image file and a hidden file
function makeTree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-image-folder-"));
  runPython(
    `
import os, numpy as np
from PIL import Image
root = INPUT
rng = np.random.default_rng(1)
def img(h=9, w=11): return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
layout = {
  "dog": ["b.jpg", "a.JPG", "sub/z.png", "sub/deeper/y.jpeg", "notes.txt"],
  "cat": ["10.png", "9.png", "Ab.jpg", ".hidden.jpg"],
  "Zebra": ["only.jpg"],
}
for cls, files in layout.items():
    for f in files:
        p = os.path.join(root, cls, f)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if f.endswith(".txt"): open(p, "w").write("not an image")
        elif f.lower().endswith(".png"): img().save(p)
        else: img().save(p, format="JPEG", quality=90)
open(os.path.join(root, "stray.jpg"), "wb").write(b"files beside the class folders are ignored")
`,
    root,
  );
  return root;
}

test("classes, classToIdx, samples and targets equal torchvision's ImageFolder; items equal read_image", () => {
  const root = makeTree();
  const want = runPython(
    `
import torchvision.datasets as D
ds = D.ImageFolder(INPUT)
OUTPUT = {"classes": ds.classes, "class_to_idx": ds.class_to_idx, "samples": ds.samples, "targets": ds.targets}
`,
    root,
  ) as { classes: string[]; class_to_idx: Record<string, number>; samples: [string, number][]; targets: number[] };
  // torchvision's default extensions include .ppm, .bmp, ...: none here, so the lists agree
  const ds = new ImageFolder(root);
  assert.deepEqual(ds.classes, want.classes);
  assert.deepEqual(ds.classToIdx, want.class_to_idx);
  assert.deepEqual(ds.samples, want.samples);
  assert.deepEqual(ds.targets, want.targets);
  assert.equal(ds.length, 9);
  const [x, y] = ds.getItem(3);
  assert.equal(y, ds.samples[3][1]);
  assert.ok(x.equal(io.readImage(ds.samples[3][0])));
  assert.equal(x.dtype, "uint8");
  assert.deepEqual(x.shape, [3, 9, 11]);
  // extensions / isValidFile, as torchvision's
  assert.deepEqual(new ImageFolder(root, { extensions: [".png"], allowEmpty: true }).samples.map((s) => path.basename(s[0])), ["10.png", "9.png", "z.png"]);
  assert.deepEqual(new ImageFolder(root, { isValidFile: (p) => p.endsWith("b.jpg"), allowEmpty: true }).samples.map((s) => path.basename(s[0])), ["Ab.jpg", "b.jpg"]);
  assert.throws(() => new ImageFolder(root, { isValidFile: (p) => p.endsWith("b.jpg") }), /found no valid file for the classes Zebra\. $/);
  assert.throws(() => new ImageFolder(root, { extensions: [".png"] }), /found no valid file for the classes Zebra. Supported extensions are: \.png/);
  assert.throws(() => new ImageFolder(root, { extensions: [".png"], isValidFile: () => true }), /extensions and isValidFile cannot both be given/);
  assert.throws(() => new ImageFolder(path.join(root, "dog", "sub", "deeper")), /couldn't find any class folder in/);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a DataLoader over an ImageFolder decodes its batches off the JS thread; they equal the items; transforms apply", () => {
  const root = makeTree();
  const T = torch.vision.transforms;
  const ds = new ImageFolder(root, { transform: new T.Compose([new T.ToDtype("float32", { scale: true }), new T.Resize([8, 8])]), targetTransform: (y: number) => y * 10 });
  const loader = new torch.data.DataLoader(ds, { batchSize: 4, prefetch: 2 });
  const xs: torch.Tensor[] = [];
  const ys: number[] = [];
  for (const [x, y] of loader) {
    assert.equal(x.shape[1], 3);
    xs.push(x);
    ys.push(...(y.toArray() as number[]));
  }
  assert.deepEqual(xs.map((x) => x.shape[0]), [4, 4, 1]);
  assert.deepEqual(ys, ds.targets.map((t) => t * 10));
  const all = torch.cat(xs, 0);
  for (let i = 0; i < ds.length; i++) assert.ok(all.select(0, i).equal(ds.getItem(i)[0] as torch.Tensor), `item ${i}`);
  // shuffled, through a Subset, with a collateFn
  const sub = new torch.data.Subset(new ImageFolder(root, { mode: "GRAY" }), [8, 0, 4]);
  const batches = [...new torch.data.DataLoader(sub, { batchSize: 3, collateFn: (items) => items.map(([x]) => x.shape[0]) })];
  assert.deepEqual(batches, [[1, 1, 1]]);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a bad file is named in the error, from getItem and from a DataLoader batch", () => {
  const root = makeTree();
  const bad = path.join(root, "cat", "9.png");
  fs.writeFileSync(bad, Buffer.from("\x89PNG\r\n\x1a\n broken", "latin1"));
  const ds = new ImageFolder(root);
  const i = ds.samples.findIndex((s) => s[0] === bad);
  assert.throws(() => ds.getItem(i), new RegExp(`tstorch: readImage: ${bad.replace(/[.]/g, "\\.")}: decodePng: `));
  assert.throws(() => {
    for (const b of new torch.data.DataLoader(ds, { batchSize: 2 })) torch.dispose(b);
  }, new RegExp(`tstorch: ImageFolder: ${bad.replace(/[.]/g, "\\.")}: decodePng: `));
  fs.rmSync(root, { recursive: true, force: true });
});
