// Tensors across worker_threads: a Tensor cannot be structured-cloned (its memory is libtorch's,
// behind an N-API External that V8 cannot serialize), so `t.toTransferable()` gives plain
// { dtype, shape, data: ArrayBuffer, device, requiresGrad } and `torch.Tensor.fromTransferable(m)`
// rebuilds it. A Tensor that reaches structuredClone/postMessage anyway fails naming tstorch and
// that fix (src/core/transfer.ts), instead of V8's "[object Object] could not be cloned.".
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import * as torch from "../src/index.js";
import type { TransferableTensor } from "../src/core/transfer.js";
import { runPython } from "./helpers/python.js";

const INDEX = new URL("../src/index.js", import.meta.url).href;

// A worker that rebuilds each tensor it is sent, and sends back a clone of it, its float64 sum
// (computed in the worker) and what it saw.
const ECHO = `
const { parentPort } = require("node:worker_threads");
import(${JSON.stringify(INDEX)}).then((torch) => {
  parentPort.on("message", (ms) => {
    const out = ms.map((m) => {
      const y = torch.Tensor.fromTransferable(m);
      const back = y.detach().clone().toTransferable();
      const sum = y.dtype.startsWith("complex") ? null : y.detach().to("float64").sum().item();
      return { back, sum, dtype: y.dtype, shape: y.shape, requiresGrad: y.requiresGrad, isLeaf: y.isLeaf };
    });
    parentPort.postMessage(out, out.map((o) => o.back.data));
  });
});
`;

function bytes(t: torch.Tensor): number[] {
  return [...new Uint8Array(t.toTransferable().data)];
}

test("worker_threads round trip: toTransferable, postMessage with a transfer list, fromTransferable, and back", async () => {
  const sent: torch.Tensor[] = [
    torch.arange(0, 12, { dtype: "float32" }).reshape([3, 4]).t(), // a strided view: sent as its values
    torch.tensor([2n ** 60n + 1n, -(2n ** 63n), 7n]), // int64 beyond 2^53, exact
    torch.tensor([true, false, true]),
    torch.tensor([1, -2.5, 65504], { dtype: "float16" }),
    torch.tensor([1, -2.5, 3e38], { dtype: "bfloat16" }),
    torch.fromTypedArray(new Float32Array([1, 2, -3, 0.5]), [2], { dtype: "complex64" }),
    torch.tensor([3.25], { dtype: "float64" }).reshape([]), // 0-d
    torch.zeros([0, 3]), // empty
    torch.randn([2, 2]).requiresGrad_(),
  ];
  const ms = sent.map((t) => t.toTransferable());
  for (const [i, m] of ms.entries()) {
    assert.equal(m.dtype, sent[i].dtype);
    assert.deepEqual(m.shape, sent[i].shape);
    assert.equal(m.device, "cpu");
    assert.ok(m.data instanceof ArrayBuffer);
  }
  const w = new Worker(ECHO, { eval: true });
  try {
    const reply = new Promise<{ back: TransferableTensor; sum: number | null; dtype: string; shape: number[]; requiresGrad: boolean; isLeaf: boolean }[]>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
    w.postMessage(ms, ms.map((m) => m.data));
    // moved, not copied: the sender's buffers are detached, the tensors themselves untouched
    for (const m of ms) assert.equal(m.data.byteLength, 0);
    assert.deepEqual(sent[0].toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    const got = await reply;
    for (const [i, t] of sent.entries()) {
      const r = got[i];
      assert.equal(r.dtype, t.dtype, `dtype of #${i}`);
      assert.deepEqual(r.shape, t.shape, `shape of #${i}`);
      assert.equal(r.requiresGrad, t.requiresGrad, `requiresGrad of #${i}`);
      const back = torch.Tensor.fromTransferable(r.back);
      assert.deepEqual(bytes(back), bytes(t), `bytes of #${i}`);
      if (r.sum !== null) assert.equal(r.sum, t.detach().to("float64").sum().item(), `sum of #${i} in the worker`);
    }
    assert.equal(got[8].isLeaf, true); // a fresh leaf: the autograd graph does not travel
    assert.deepEqual(torch.Tensor.fromTransferable(got[1].back).toArray({ bigint: true }), [2n ** 60n + 1n, -(2n ** 63n), 7n]);
  } finally {
    await w.terminate();
  }
});

test("the transferable data holds the dtype's own bytes, as PyTorch's storage (float16, bfloat16, int64)", () => {
  const py = runPython(
    `
    import torch
    h = torch.tensor([1, -2.5, 65504], dtype=torch.float16)
    b = torch.tensor([1, -2.5, 3e38], dtype=torch.bfloat16)
    l = torch.tensor([2**60 + 1, -7], dtype=torch.int64)
    OUTPUT = [list(h.view(torch.uint8).tolist()), list(b.view(torch.uint8).tolist()), list(l.view(torch.uint8).tolist())]
    `,
  ) as number[][];
  assert.deepEqual(bytes(torch.tensor([1, -2.5, 65504], { dtype: "float16" })), py[0]);
  assert.deepEqual(bytes(torch.tensor([1, -2.5, 3e38], { dtype: "bfloat16" })), py[1]);
  assert.deepEqual(bytes(torch.tensor([2n ** 60n + 1n, -7n])), py[2]);
});

test("structuredClone / postMessage of a Tensor fail naming tstorch, toTransferable and fromTransferable", async () => {
  const t = torch.ones([2]);
  const named = (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, "DataCloneError");
    assert.ok(e.message.startsWith("Symbol(tstorch: a Tensor cannot be cloned or posted to a worker"), e.message);
    assert.ok(e.message.includes("t.toTransferable()") && e.message.includes("torch.Tensor.fromTransferable(m)"), e.message);
    return true;
  };
  assert.throws(() => structuredClone(t), named);
  assert.throws(() => structuredClone({ batch: [t] }), named);
  const w = new Worker("", { eval: true });
  try {
    assert.throws(() => w.postMessage(t), named);
    assert.throws(() => w.postMessage(new Map([["x", t]])), named);
  } finally {
    await w.terminate();
  }
  // the hint is data, not behaviour: JSON and inspection are as before
  assert.equal(JSON.stringify({ t }), '{"t":{"_h":{}}}');
  assert.equal(String(t), "tensor([1., 1.])");
});

test("fromTransferable refuses what is not a tensor's transferable form, naming the field", () => {
  const ok = torch.tensor([1, 2, 3]).toTransferable();
  const bad = (m: unknown, what: string) =>
    assert.throws(() => torch.Tensor.fromTransferable(m as TransferableTensor), (e: Error) => e.message.startsWith("tstorch: ") && e.message.includes(what), what);
  bad(null, "expected { dtype, shape, data } (from t.toTransferable()), got null");
  bad({ ...ok, dtype: "floaty" }, "dtype must be a dtype name such as \"float32\", got 'floaty'");
  bad({ ...ok, shape: [3, -1] }, "shape must be an array of non-negative integers, got [3, -1]");
  bad({ ...ok, shape: "3" }, "shape must be an array of non-negative integers, got string");
  bad({ ...ok, data: [1, 2, 3] }, "data must be an ArrayBuffer (or a typed array), got an array");
  bad({ ...ok, data: new ArrayBuffer(8) }, "data has 8 bytes but shape and dtype need 12");
  bad({ ...ok, device: 0 }, "device must be a string");
  const moved = torch.tensor([1, 2, 3]).toTransferable();
  structuredClone(moved, { transfer: [moved.data] });
  bad(moved, "data is empty (0 bytes) for shape [3]; an ArrayBuffer posted in a transfer list is detached");
  // device and requiresGrad may be left out: a CPU tensor without grad
  const plain = torch.Tensor.fromTransferable({ dtype: "int32", shape: [2], data: new Int32Array([5, -6]).buffer });
  assert.deepEqual([plain.dtype, plain.device.toString(), plain.requiresGrad, plain.toArray()], ["int32", "cpu", false, [5, -6]]);
  // a typed array is accepted as data
  assert.deepEqual(torch.Tensor.fromTransferable({ ...ok, data: new Float32Array([7, 8, 9]) }).toArray(), [7, 8, 9]);
  const d = torch.ones([1]);
  d.dispose();
  assert.throws(() => d.toTransferable(), (e: Error) => e.message.startsWith("tstorch: ") && /dispose/.test(e.message));
});
