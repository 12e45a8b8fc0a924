// data.Dataset / TensorDataset / DataLoader / samplers: PyTorch's batching semantics (sequential
// order, drop-last, batch samplers, default collation), seeded shuffling that equals data.batches
// (and so the CLI) for the same (seed, epoch), and the ownership of batches around scopes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const { data } = torch;
const N = 10;
/** Image i is filled with i; label i is i. */
const images = torch.arange(N, undefined, 1, { dtype: "float32" }).reshape([N, 1, 1, 1]).expand([N, 3, 4, 4]).contiguous();
const labels = torch.arange(N);
const ds = new data.TensorDataset(images, labels);

/** The label lists of one pass, checking that each image travels with its label. */
function pass(loader: Iterable<torch.Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const [x, y] of loader) {
    const ys = y.toArray() as number[];
    assert.deepEqual(x.select(1, 0).select(1, 0).select(1, 0).toArray(), ys);
    assert.deepEqual(x.shape, [ys.length, 3, 4, 4]);
    out.push(ys);
    torch.dispose([x, y]);
  }
  return out;
}

test("TensorDataset: length, items as views of each tensor, errors for mismatched sizes and bad indices", () => {
  assert.equal(ds.length, N);
  const [x, y] = ds.getItem(7);
  assert.deepEqual(x.shape, [3, 4, 4]);
  assert.equal(x.max().item(), 7);
  assert.equal(y.item(), 7);
  assert.throws(() => new data.TensorDataset(images, torch.arange(3)), /differ in size along the first dimension: tensor 0 has 10, tensor 1 has 3/);
  assert.throws(() => new data.TensorDataset(), /at least one tensor/);
  assert.throws(() => new data.TensorDataset(torch.scalar(1) as unknown as torch.Tensor), /not a Tensor|scalar/);
  assert.throws(() => ds.getItem(10), /index 10 is out of range for a dataset of 10 items/);
  assert.throws(() => ds.getItem(-1), /index -1 is out of range/);
});

test("sequential batches of batchSize, the last one short unless dropLast; length is the batch count", () => {
  const l = new data.DataLoader(ds, { batchSize: 4 });
  assert.equal(l.length, 3);
  assert.deepEqual(pass(l), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  const d = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(d.length, 2);
  assert.deepEqual(pass(d), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  // PyTorch's default batch size is 1
  assert.deepEqual(pass(new data.DataLoader(ds)).length, N);
});

test("shuffle: every index once; the order of pass e equals data.batches' (and the CLI's) for (seed, e)", () => {
  const l = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
  const first = pass(l);
  assert.deepEqual(first.map((b) => b.length), [4, 4, 2]);
  assert.deepEqual(first.flat().sort((a, b) => a - b), [...Array(N).keys()]);
  const second = pass(l); // the next pass is epoch 1
  assert.notDeepEqual(second.flat(), first.flat());
  const ref = (epoch: number): number[] =>
    [...data.batches(images, labels, { batchSize: 4, seed: 3, epoch })].flatMap((b) => {
      const ys = b.labels.toArray() as number[];
      torch.dispose(b);
      return ys;
    });
  assert.deepEqual(first.flat(), ref(0));
  assert.deepEqual(second.flat(), ref(1));
  l.setEpoch(0);
  assert.deepEqual(pass(l), first, "setEpoch picks the order again");
  assert.deepEqual(pass(new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3, epoch: 1 })).flat(), ref(1));
  assert.notDeepEqual(pass(new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 4 })).flat(), first.flat());
  // the CLI's permutation: Rng(seed, epoch).permutation(n)
  assert.deepEqual(first.flat(), Array.from(new data.Rng(3, 0).permutation(N), Number));
});

test("samplers: sequential, random (with and without replacement), subset random, batch sampler", () => {
  assert.deepEqual([...new data.SequentialSampler(5)], [0, 1, 2, 3, 4]);
  const r = new data.RandomSampler(ds, { seed: 1 });
  assert.equal(r.length, N);
  const p0 = [...r];
  const p1 = [...r];
  assert.deepEqual([...p0].sort((a, b) => a - b), [...Array(N).keys()]);
  assert.notDeepEqual(p0, p1, "each iteration is the next epoch");
  assert.equal(r.epoch, 2);
  r.setEpoch(0);
  assert.deepEqual([...r], p0);
  const w = new data.RandomSampler(3, { replacement: true, numSamples: 50, seed: 2 });
  const drawn = [...w];
  assert.equal(drawn.length, 50);
  assert.deepEqual([...new Set(drawn)].sort(), [0, 1, 2], "with replacement: only valid indices, repeats");
  assert.throws(() => new data.RandomSampler(3, { numSamples: 4 }), /numSamples 4 exceeds the dataset's 3 items without replacement/);
  const s = [...new data.SubsetRandomSampler([2, 5, 7, 9], { seed: 5 })];
  assert.deepEqual([...s].sort((a, b) => a - b), [2, 5, 7, 9]);
  const b = new data.BatchSampler(new data.SequentialSampler(7), 3);
  assert.equal(b.length, 3);
  assert.deepEqual([...b], [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual([...new data.BatchSampler(new data.SequentialSampler(7), 3, true)], [[0, 1, 2], [3, 4, 5]]);
  assert.throws(() => new data.BatchSampler(new data.SequentialSampler(7), 0), /batchSize must be a positive integer, got 0/);
  assert.throws(() => r.setEpoch(-1), /epoch must be a non-negative integer/);
});

test("sampler and batchSampler options; a bad index from a custom sampler is an error naming it", () => {
  const sub = new data.DataLoader(ds, { batchSize: 2, sampler: new data.SubsetRandomSampler([1, 3, 5], { seed: 0 }) });
  const got = pass(sub);
  assert.deepEqual(got.map((x) => x.length), [2, 1]);
  assert.deepEqual(got.flat().sort(), [1, 3, 5]);
  const groups = { length: 2, *[Symbol.iterator]() { yield [9, 0]; yield [4]; } };
  assert.deepEqual(pass(new data.DataLoader(ds, { batchSampler: groups })), [[9, 0], [4]]);
  assert.throws(() => new data.DataLoader(ds, { shuffle: true, sampler: new data.SequentialSampler(ds) }), /sampler option is mutually exclusive with shuffle/);
  assert.throws(() => new data.DataLoader(ds, { batchSampler: groups, batchSize: 4 }), /batchSampler option is mutually exclusive/);
  assert.throws(() => new data.DataLoader(ds, { batchSize: 1.5 }), /batchSize must be a positive integer, got 1.5/);
  const bad = { length: 2, *[Symbol.iterator]() { yield 0; yield 12; } };
  assert.throws(() => pass(new data.DataLoader(ds, { batchSize: 2, sampler: bad })), /index 12 is out of range for a DataLoader's dataset of 10 items/);
});

test("default collation of a custom dataset (PyTorch's default_collate); collateFn; Subset", () => {
  class Squares implements torch.data.Dataset<{ x: torch.Tensor; y: number; w: number; name: string }> {
    length = 5;
    getItem(i: number) {
      return { x: torch.full([2], i * i), y: i, w: i / 2, name: `n${i}` };
    }
  }
  const l = new data.DataLoader(new Squares(), { batchSize: 3 });
  const [b0, b1] = [...l];
  assert.deepEqual(b0.x.toArray(), [[0, 0], [1, 1], [4, 4]]);
  assert.equal(b0.y.dtype, "int64", "whole numbers become int64 as Python ints do");
  assert.deepEqual(b0.y.toArray(), [0, 1, 2]);
  assert.equal(b0.w.dtype, "float32");
  assert.deepEqual(b0.w.toArray(), [0, 0.5, 1]);
  assert.deepEqual(b0.name, ["n0", "n1", "n2"]);
  assert.deepEqual(b1.x.shape, [2, 2]);
  torch.dispose([b0, b1]);
  const sums = new data.DataLoader(new Squares(), { batchSize: 2, collateFn: (items) => items.reduce((a, it) => a + it.y, 0) });
  assert.deepEqual([...sums], [1, 5, 4]);
  const ragged = { length: 2, getItem: (i: number) => torch.zeros([i + 1]) };
  assert.throws(() => [...new data.DataLoader(ragged, { batchSize: 2 })], /items differ in shape \(\[1\] and \[2\] at item 1\); give a collateFn/);
  const sub = new data.Subset(ds, [8, 2, 5]);
  assert.equal(sub.length, 3);
  assert.deepEqual(pass(new data.DataLoader(sub, { batchSize: 2 })), [[8, 2], [5]]);
  assert.throws(() => new data.Subset(ds, [3, 10]), /index 10 is out of range for a Subset's dataset of 10 items/);
});

test("ownership: batches survive scopes around next(); leaving the loop disposes the batch prepared ahead", () => {
  const made: torch.Tensor[][] = [];
  const spy: torch.data.Dataset<torch.Tensor[], torch.Tensor[]> = {
    length: N,
    getItem: (i) => ds.getItem(i),
    getBatch: (ix) => {
      const b = ds.getBatch(ix);
      made.push(b);
      return b;
    },
  };
  const it = new data.DataLoader(spy, { batchSize: 4 })[Symbol.iterator]();
  // a scope around next() (the CLI's pattern) must free neither the batch nor the one made ahead
  const first = torch.scope(() => it.next().value as torch.Tensor[]);
  assert.equal(made.length, 2, "the next batch is prepared before the first is handed over");
  assert.deepEqual(first[1].toArray(), [0, 1, 2, 3]);
  const second = torch.scope(() => it.next().value as torch.Tensor[]);
  assert.deepEqual(second[1].toArray(), [4, 5, 6, 7], "the batch made ahead inside the first scope is intact");
  assert.equal(made.length, 3);
  it.return(undefined);
  assert.throws(() => made[2][1].toArray(), /dispos/i, "the prepared, never yielded batch is freed when the loop ends");
  assert.deepEqual(second[1].toArray(), [4, 5, 6, 7], "yielded batches stay the caller's");
  torch.dispose([first, second]);
  // prefetch 0: each batch made on demand
  made.length = 0;
  const lazy = new data.DataLoader(spy, { batchSize: 4, prefetch: 0 })[Symbol.iterator]();
  torch.dispose(lazy.next().value);
  assert.equal(made.length, 1);
  lazy.return(undefined);
});

test("iter({ skip }) resumes mid-pass without fetching the skipped batches", () => {
  const l = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 9 });
  const full = pass(l);
  l.setEpoch(0);
  assert.deepEqual(pass(l.iter({ skip: 2 })), full.slice(2));
  l.setEpoch(0);
  assert.deepEqual(pass(l.iter({ skip: 9 })), []);
});

test("device option moves each batch; loaders over tensors on the device index there", () => {
  const l = new data.DataLoader(ds, { batchSize: 5, device: "cpu" });
  const [x, y] = l[Symbol.iterator]().next().value as torch.Tensor[];
  assert.equal(x.device.type, "cpu");
  assert.deepEqual(y.toArray(), [0, 1, 2, 3, 4]);
  torch.dispose([x, y]);
});
