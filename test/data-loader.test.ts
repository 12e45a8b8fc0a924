// Mini-batches: every index once per epoch, the same order for the same (seed, epoch), another
// order for another epoch, dropLast, and augmentation that keeps shapes and moves pixels.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const N = 10;
const images = torch.arange(N, undefined, 1, { dtype: "float32" }).reshape([N, 1, 1, 1]).expand([N, 3, 4, 4]).contiguous();
const labels = torch.arange(N);

function order(opts: Partial<torch.data.BatchOptions>): number[][] {
  const out: number[][] = [];
  for (const b of torch.data.batches(images, labels, { batchSize: 4, ...opts })) {
    const ys = b.labels.toArray() as number[];
    // the images travel with their labels
    assert.deepEqual(b.images.select(1, 0).select(1, 0).select(1, 0).toArray(), ys);
    out.push(ys);
    torch.dispose(b);
  }
  return out;
}

test("one epoch yields every example once, in batches of batchSize (the last one smaller)", () => {
  const o = order({ seed: 3 });
  assert.deepEqual(o.map((b) => b.length), [4, 4, 2]);
  assert.deepEqual(o.flat().sort((a, b) => a - b), [...Array(N).keys()]);
  assert.equal(torch.data.batchCount(N, { batchSize: 4 }), 3);
});

test("the order depends only on (seed, epoch): same again, different for another epoch or seed", () => {
  const a = order({ seed: 3, epoch: 1 }).flat();
  assert.deepEqual(order({ seed: 3, epoch: 1 }).flat(), a);
  assert.notDeepEqual(order({ seed: 3, epoch: 2 }).flat(), a);
  assert.notDeepEqual(order({ seed: 4, epoch: 1 }).flat(), a);
  assert.notDeepEqual(a, [...Array(N).keys()], "shuffled");
});

test("shuffle: false keeps the data order; dropLast drops the short batch", () => {
  assert.deepEqual(order({ shuffle: false }), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(order({ shuffle: false, dropLast: true }), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(torch.data.batchCount(N, { batchSize: 4, dropLast: true }), 2);
});

test("bad batch sizes and mismatched lengths are errors", () => {
  assert.throws(() => order({ batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => [...torch.data.batches(images, torch.arange(3), { batchSize: 2 })], /10 images but 3 labels/);
});

test("augmentation keeps shapes, flips horizontally and crops from the zero-padded image", () => {
  // one 1x4x4 image whose columns are 1,2,3,4
  const img = torch.tensor([1, 2, 3, 4], { dtype: "float32" }).reshape([1, 1, 1, 4]).expand([1, 1, 4, 4]).contiguous();
  const seen = new Set<string>();
  for (let s = 0; s < 40; s++) {
    const out = torch.data.augment(img, new torch.data.Rng(s), { flip: true });
    assert.deepEqual(out.shape, [1, 1, 4, 4]);
    seen.add(JSON.stringify((out.toArray() as number[][][][])[0][0][0]));
  }
  assert.deepEqual([...seen].sort(), ["[1,2,3,4]", "[4,3,2,1]"], "flipped and not flipped both occur, nothing else");
  let sawZeros = false;
  for (let s = 0; s < 40; s++) {
    const out = torch.data.augment(img, new torch.data.Rng(s), { cropPadding: 1 });
    assert.deepEqual(out.shape, [1, 1, 4, 4]);
    const vals = new Set(Array.from(out.toTypedArray() as Float32Array));
    for (const v of vals) assert.ok([0, 1, 2, 3, 4].includes(v), `value ${v} comes from the padded image`);
    if (vals.has(0)) sawZeros = true;
  }
  assert.ok(sawZeros, "some crops reach into the zero padding");
});
