// torch.nn.utils.rnn (PackedSequence, packPaddedSequence, padPackedSequence, packSequence,
// padSequence, unpadSequence, unpackSequence, invertPermutation) and RNN / LSTM / GRU over a
// PackedSequence, against PyTorch: the recurrent layers from PyTorch's weights through
// helpers/nn-layer-parity.ts (outputs, final states, input and parameter gradients), the packing
// functions on the same data through runPython, and their errors with their messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { LayerCase, layerParitySuite } from "./helpers/nn-layer-parity.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { runPython } from "./helpers/python.js";

const { nn } = torch;
const R = nn.utils.rnn;

/** Python: m over pack_padded_sequence(x, len), output padded back; tstorch: the same. */
function packedCase(name: string, py: string, build: () => torch.nn.AnyModule, o: { batchFirst?: boolean; sorted?: boolean; state?: "h" | "hc" }): LayerCase {
  const bf = o.batchFirst === true;
  const shape = bf ? "4, 6, 5" : "6, 4, 5";
  const lens = o.sorted === true ? "[6, 5, 3, 1]" : "[3, 6, 1, 5]";
  const dirs = py.includes("bidirectional=True") ? 2 : 1;
  const layers = /num_layers=(\d)/.exec(py)?.[1] ?? "1";
  const hSize = /proj_size=(\d+)/.exec(py)?.[1] ?? "7";
  const state = o.state === "hc" ? `, 'h0': r(${Number(layers) * dirs}, 4, ${hSize}), 'c0': r(${Number(layers) * dirs}, 4, 7)`
    : o.state === "h" ? `, 'h0': r(${Number(layers) * dirs}, 4, 7)` : "";
  const pyState = o.state === "hc" ? ", (X['h0'], X['c0'])" : o.state === "h" ? ", X['h0']" : "";
  return {
    name,
    py,
    inputs: `X = {'x': r(${shape}), 'len': torch.tensor(${lens})${state}}`,
    call: `(lambda o: (nn.utils.rnn.pad_packed_sequence(o[0], batch_first=${bf ? "True" : "False"})[0], o[1]))` +
      `(m(nn.utils.rnn.pack_padded_sequence(X['x'], X['len'], batch_first=${bf ? "True" : "False"}, enforce_sorted=${o.sorted === true ? "True" : "False"})${pyState}))`,
    build,
    forward: (m, x) => {
      const packed = R.packPaddedSequence(x.x, x.len, { batchFirst: bf, enforceSorted: o.sorted === true });
      const st = o.state === "hc" ? [x.h0, x.c0] : o.state === "h" ? x.h0 : null;
      const [out, hn] = m.forward(packed, st);
      assert.ok(out instanceof R.PackedSequence, "a PackedSequence in gives a PackedSequence out");
      return [R.padPackedSequence(out, { batchFirst: bf })[0], hn];
    },
  };
}

layerParitySuite("RNN / LSTM / GRU over a PackedSequence against PyTorch", [
  packedCase("LSTM unsorted lengths, no state", "nn.LSTM(5, 7)", () => new nn.LSTM(5, 7), {}),
  packedCase("LSTM 2 layers bidirectional batchFirst unsorted, initial state (permuted like PyTorch)",
    "nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True)",
    () => new nn.LSTM(5, 7, { numLayers: 2, bidirectional: true, batchFirst: true }), { batchFirst: true, state: "hc" }),
  packedCase("LSTM projSize 3 sorted, initial state", "nn.LSTM(5, 7, proj_size=3)", () => new nn.LSTM(5, 7, { projSize: 3 }), { sorted: true, state: "hc" }),
  packedCase("GRU bidirectional unsorted, initial state", "nn.GRU(5, 7, bidirectional=True)", () => new nn.GRU(5, 7, { bidirectional: true }), { state: "h" }),
  packedCase("RNN relu 2 layers sorted", "nn.RNN(5, 7, num_layers=2, nonlinearity='relu')",
    () => new nn.RNN(5, 7, { numLayers: 2, nonlinearity: "relu" }), { sorted: true }),
  packedCase("RNN tanh unsorted, initial state", "nn.RNN(5, 7)", () => new nn.RNN(5, 7), { state: "h" }),
]);

const vals = (t: Tensor | null): number[] => (t === null ? [] : Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number));

describe("nn.utils.rnn functions against PyTorch", { skip: pyTorchSkipReason() }, () => {
  // x[t, b] = 10·t + b (+ a feature offset): every packed element says where it came from
  const x = torch.arange(6 * 4 * 2, { dtype: "float32" }).reshape([6, 4, 2]);
  const py = runPython(`
    import torch
    from torch.nn.utils import rnn as R
    x = torch.arange(6 * 4 * 2, dtype=torch.float32).reshape(6, 4, 2)
    p = R.pack_padded_sequence(x, [3, 6, 1, 5], enforce_sorted=False)
    s = R.pack_padded_sequence(x, [6, 5, 3, 1])
    bf = R.pack_padded_sequence(x.transpose(0, 1).contiguous(), torch.tensor([2, 6, 4, 4]), batch_first=True, enforce_sorted=False)
    pad, lens = R.pad_packed_sequence(p, padding_value=-1.0, total_length=8)
    padbf, lensbf = R.pad_packed_sequence(bf, batch_first=True)
    seqs = [torch.arange(3 * 2, dtype=torch.float32).reshape(3, 2), torch.ones(5, 2), torch.full((2, 2), 7.0)]
    ps = R.pack_sequence(seqs, enforce_sorted=False)
    OUTPUT = {
      "p": [p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices],
      "s": [s.data, s.batch_sizes, s.sorted_indices is None, s.unsorted_indices is None],
      "bf": [bf.data, bf.batch_sizes, bf.sorted_indices],
      "pad": [pad, list(pad.shape), lens], "padbf": [padbf, list(padbf.shape), lensbf],
      "padseq": R.pad_sequence(seqs, batch_first=True, padding_value=2.5), "padseqT": R.pad_sequence(seqs),
      "ps": [ps.data, ps.batch_sizes, ps.sorted_indices],
      "unpack": [t for t in R.unpack_sequence(ps)],
      "unpad": [t for t in R.unpad_sequence(R.pad_sequence(seqs), torch.tensor([3, 5, 2]))],
      "inv": R.invert_permutation(torch.tensor([2, 0, 3, 1])),
    }
  `) as Record<string, any>;
  const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [Number(a)]);
  const seqs = () => [
    torch.arange(6, { dtype: "float32" }).reshape([3, 2]), torch.ones([5, 2]), torch.full([2, 2], 7.0),
  ];

  it("packPaddedSequence, unsorted lengths: data, batchSizes and both permutations", () => {
    const p = R.packPaddedSequence(x, [3, 6, 1, 5], { enforceSorted: false });
    assert.deepEqual(vals(p.data), flat(py.p[0]));
    assert.deepEqual(vals(p.batchSizes), flat(py.p[1]));
    assert.deepEqual(vals(p.sortedIndices), flat(py.p[2]));
    assert.deepEqual(vals(p.unsortedIndices), flat(py.p[3]));
    assert.equal(p.batchSizes.dtype, "int64");
    // destructures like PyTorch's named tuple
    const [data, batchSizes] = p;
    assert.equal(data, p.data);
    assert.equal(batchSizes, p.batchSizes);
  });
  it("packPaddedSequence, sorted lengths: no permutation", () => {
    const s = R.packPaddedSequence(x, [6, 5, 3, 1]);
    assert.deepEqual(vals(s.data), flat(py.s[0]));
    assert.deepEqual(vals(s.batchSizes), flat(py.s[1]));
    assert.equal(s.sortedIndices, null);
    assert.equal(s.unsortedIndices, null);
  });
  it("packPaddedSequence batchFirst with a lengths tensor (ties keep PyTorch's order)", () => {
    const bf = R.packPaddedSequence(x.transpose(0, 1).contiguous(), torch.tensor([2, 6, 4, 4], { dtype: "int64" }), { batchFirst: true, enforceSorted: false });
    assert.deepEqual(vals(bf.data), flat(py.bf[0]));
    assert.deepEqual(vals(bf.batchSizes), flat(py.bf[1]));
    assert.deepEqual(vals(bf.sortedIndices), flat(py.bf[2]));
  });
  it("padPackedSequence restores the batch order, pads with paddingValue to totalLength", () => {
    const p = R.packPaddedSequence(x, [3, 6, 1, 5], { enforceSorted: false });
    const [pad, lens] = R.padPackedSequence(p, { paddingValue: -1, totalLength: 8 });
    assert.deepEqual(pad.shape, py.pad[1]);
    assert.deepEqual(vals(pad), flat(py.pad[0]));
    assert.deepEqual(vals(lens), flat(py.pad[2]));
    const bf = R.packPaddedSequence(x.transpose(0, 1).contiguous(), [2, 6, 4, 4], { batchFirst: true, enforceSorted: false });
    const [padbf, lensbf] = R.padPackedSequence(bf, true);
    assert.deepEqual(padbf.shape, py.padbf[1]);
    assert.deepEqual(vals(padbf), flat(py.padbf[0]));
    assert.deepEqual(vals(lensbf), flat(py.padbf[2]));
  });
  it("padSequence, packSequence, unpackSequence, unpadSequence, invertPermutation", () => {
    assert.deepEqual(vals(R.padSequence(seqs(), { batchFirst: true, paddingValue: 2.5 })), flat(py.padseq));
    assert.deepEqual(vals(R.padSequence(seqs())), flat(py.padseqT));
    const ps = R.packSequence(seqs(), { enforceSorted: false });
    assert.deepEqual(vals(ps.data), flat(py.ps[0]));
    assert.deepEqual(vals(ps.batchSizes), flat(py.ps[1]));
    assert.deepEqual(vals(ps.sortedIndices), flat(py.ps[2]));
    const un = R.unpackSequence(ps);
    assert.equal(un.length, 3);
    un.forEach((t, i) => assert.deepEqual(vals(t), flat(py.unpack[i])));
    const up = R.unpadSequence(R.padSequence(seqs()), [3, 5, 2]);
    up.forEach((t, i) => assert.deepEqual(vals(t), flat(py.unpad[i])));
    assert.deepEqual(vals(R.invertPermutation(torch.tensor([2, 0, 3, 1], { dtype: "int64" }))), flat(py.inv));
    assert.equal(R.invertPermutation(null), null);
  });
  it("a PackedSequence returned from torch.scope keeps its tensors", () => {
    const p = torch.scope(() => R.packSequence(seqs(), false));
    assert.deepEqual(p.data.shape, [10, 2]);
    assert.deepEqual(vals(p.batchSizes), [3, 3, 2, 1, 1]);
    p.dispose();
  });
});

describe("nn.utils.rnn errors", () => {
  it("unsorted lengths with enforceSorted: libtorch's message, which names the fix", () => {
    assert.throws(() => R.packPaddedSequence(torch.zeros([4, 3, 2]), [2, 4, 1]), /sorted in decreasing order.*enforce_sorted/s);
  });
  it("a zero length, too many lengths, a short totalLength, a bad input", () => {
    assert.throws(() => R.packPaddedSequence(torch.zeros([4, 3, 2]), [4, 2, 0]), /greater than 0/);
    assert.throws(() => R.packPaddedSequence(torch.zeros([4, 3, 2]), [4, 3, 2, 1]), /batch/i);
    const p = R.packSequence([torch.ones([3, 2]), torch.ones([2, 2])]);
    assert.throws(() => R.padPackedSequence(p, { totalLength: 2 }), /Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 and max sequence length being 3/);
    assert.throws(() => R.padPackedSequence(torch.ones([2]) as never), /expects a PackedSequence/);
    assert.throws(() => R.packSequence([]), /non-empty array of Tensors/);
    assert.throws(() => R.packPaddedSequence(torch.zeros([4, 3, 2]), [4, 2.5, 1]), /array of integers/);
  });
  it("an LSTM given packed data of the wrong feature size or a wrong state says which", () => {
    const lstm = new nn.LSTM(3, 4);
    const p = R.packSequence([torch.ones([3, 2]), torch.ones([2, 2])]);
    assert.throws(() => lstm.forward(p), /input.size\(-1\) must be equal to inputSize. Expected 3, got 2/);
    const q = R.packSequence([torch.ones([3, 3]), torch.ones([2, 3])]);
    assert.throws(() => lstm.forward(q, [torch.zeros([1, 3, 4]), torch.zeros([1, 3, 4])]), /expected hidden state h0 size \[1, 2, 4\], got \[1, 3, 4\]/);
  });
});
