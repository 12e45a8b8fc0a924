// Bad input to the sequence and attention layers is a JS Error naming the problem (never a crash):
// wrong hidden-state shapes, masks of the wrong shape or dtype, embedding indices out of range.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const { nn } = torch;

test("LSTM / GRU / RNN: a hidden state of the wrong shape names the expected and the given shape", () => {
  torch.scope(() => {
    const lstm = new nn.LSTM(5, 8, { numLayers: 2, batchFirst: true });
    const x = torch.randn([3, 6, 5]);
    assert.throws(() => lstm.forward(x, [torch.zeros([1, 3, 8]), torch.zeros([2, 3, 8])]),
      { message: "tstorch: LSTM: expected hidden state h0 size [2, 3, 8], got [1, 3, 8]" });
    assert.throws(() => lstm.forward(x, [torch.zeros([2, 3, 8]), torch.zeros([2, 6, 8])]),
      { message: "tstorch: LSTM: expected cell state c0 size [2, 3, 8], got [2, 6, 8]" });
    assert.throws(() => lstm.forward(x, [torch.zeros([2, 3, 8])] as unknown as torch.nn.LSTMState), /the state must be a pair \[h0, c0\]/);
    assert.throws(() => lstm.forward(torch.randn([3, 6, 4])), { message: "tstorch: LSTM: input.size(-1) must be equal to inputSize. Expected 5, got 4" });
    assert.throws(() => lstm.forward(torch.randn([6, 5, 1, 1])), /expected input to be 2-D \(unbatched\) or 3-D \(batched\), got 4-D/);
    const proj = new nn.LSTM(4, 6, { projSize: 3 });
    assert.throws(() => proj.forward(torch.randn([5, 2, 4]), [torch.zeros([1, 2, 6]), torch.zeros([1, 2, 6])]),
      { message: "tstorch: LSTM: expected hidden state h0 size [1, 2, 3], got [1, 2, 6]" });
    const gru = new nn.GRU(5, 7, { bidirectional: true });
    assert.throws(() => gru.forward(torch.randn([6, 3, 5]), torch.zeros([1, 3, 7])), { message: "tstorch: GRU: expected hidden size [2, 3, 7], got [1, 3, 7]" });
    const rnn = new nn.RNN(5, 7);
    assert.throws(() => rnn.forward(torch.randn([6, 5]), torch.zeros([1, 3, 7])), { message: "tstorch: RNN: expected hidden size [1, 7], got [1, 3, 7]" });
    const cell = new nn.LSTMCell(5, 6);
    assert.throws(() => cell.forward(torch.randn([3, 5]), [torch.zeros([3, 6]), torch.zeros([2, 6])]),
      { message: "tstorch: LSTMCell: expected cell state c size [3, 6], got [2, 6]" });
    assert.throws(() => new nn.GRUCell(5, 6).forward(torch.randn([3, 5]), torch.zeros([3, 5])), { message: "tstorch: GRUCell: expected hidden size [3, 6], got [3, 5]" });
    for (const m of [lstm, proj, gru, rnn, cell]) m.dispose();
  });
});

test("MultiheadAttention and Transformer layers: masks of the wrong shape or dtype are refused by name", () => {
  torch.scope(() => {
    const mha = new nn.MultiheadAttention(8, 2);
    const x = torch.randn([5, 3, 8]);
    assert.throws(() => mha.forward(x, x, x, { attnMask: torch.zeros([5, 4]) }),
      { message: "tstorch: MultiheadAttention: the shape of the 2-D attnMask is [5, 4], but should be [5, 5] ([target length, source length])" });
    assert.throws(() => mha.forward(x, x, x, { attnMask: torch.zeros([3, 5, 5]) }),
      { message: "tstorch: MultiheadAttention: the shape of the 3-D attnMask is [3, 5, 5], but should be [6, 5, 5] ([batch·numHeads, target length, source length])" });
    assert.throws(() => mha.forward(x, x, x, { attnMask: torch.zeros([5, 5], { dtype: "int64" }) }),
      { message: "tstorch: MultiheadAttention: only bool and floating types of attn_mask are supported, got int64" });
    assert.throws(() => mha.forward(x, x, x, { keyPaddingMask: torch.zeros([5, 3], { dtype: "bool" }) }),
      { message: "tstorch: MultiheadAttention: expecting keyPaddingMask of shape [3, 5] ([batch, source length]), got [5, 3]" });
    assert.throws(() => mha.forward(x, x, x, { keyPaddingMask: torch.zeros([3, 5], { dtype: "int32" }) }),
      { message: "tstorch: MultiheadAttention: only bool and floating types of key_padding_mask are supported, got int32" });
    assert.throws(() => mha.forward(torch.randn([5, 3, 6]), x, x), /was expecting embedding dimension of 8, but got 6/);
    const enc = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    assert.throws(() => enc.forward(x, { srcMask: torch.zeros([4, 4]) }), /the shape of the 2-D attnMask is \[4, 4\], but should be \[5, 5\]/);
    assert.throws(() => enc.forward(x, { srcKeyPaddingMask: torch.zeros([3, 5], { dtype: "int64" }) }), /only bool and floating types of key_padding_mask/);
    assert.throws(() => torch.nn.functional.scaledDotProductAttention(x, x, x, { attnMask: torch.zeros([5, 5], { dtype: "int64" }) }),
      /attnMask must be bool or floating, got int64/);
    mha.dispose();
    enc.dispose();
  });
});

test("Embedding / EmbeddingBag: an index out of range or of a non-integer dtype is an Error naming it", () => {
  torch.scope(() => {
    const e = new nn.Embedding(10, 4);
    assert.throws(() => e.forward(torch.tensor([[1, 10]], { dtype: "int64" })),
      { message: "tstorch: Embedding index out of range: indices must be in [0, 10), got 10" });
    assert.throws(() => e.forward(torch.tensor([3, -1], { dtype: "int64" })),
      { message: "tstorch: Embedding index out of range: indices must be in [0, 10), got -1" });
    assert.throws(() => e.forward(torch.tensor([1, 2])), { message: "tstorch: Embedding expects indices of dtype int64 or int32, got float32" });
    // still usable afterwards
    assert.deepEqual(e.forward(torch.tensor([9], { dtype: "int64" })).shape, [1, 4]);
    const bag = new nn.EmbeddingBag(5, 3, { mode: "sum" });
    assert.throws(() => bag.forward(torch.tensor([[0, 5]], { dtype: "int64" })), { message: "tstorch: EmbeddingBag index out of range: indices must be in [0, 5), got 5" });
    assert.throws(() => bag.forward(torch.tensor([0, 1], { dtype: "int64" })), /offsets are required when the input is 1-D/);
    assert.throws(() => new nn.EmbeddingBag(5, 3).forward(torch.tensor([[0, 1]], { dtype: "int64" }), null, torch.ones([1, 2])),
      /perSampleWeights is only supported for mode='sum'/);
    assert.throws(() => new nn.Embedding(10, 4, { paddingIdx: 10 }), /paddingIdx must be within the number of embeddings \[-10, 10\), got 10/);
    e.dispose();
    bag.dispose();
  });
});

test("constructor options out of range are refused", () => {
  assert.throws(() => new nn.LSTM(4, 6, { projSize: 6 }), /projSize has to be smaller than hiddenSize/);
  assert.throws(() => new nn.GRU(4, 6, { dropout: 1.5 }), /dropout should be a number in range \[0, 1\]/);
  assert.throws(() => new nn.GroupNorm(3, 8), /numChannels \(8\) must be divisible by numGroups \(3\)/);
  assert.throws(() => new nn.MultiheadAttention(8, 3), /embedDim \(8\) must be divisible by numHeads \(3\)/);
  assert.throws(() => new nn.Upsample({}), /exactly one of size and scaleFactor/);
  assert.throws(() => new nn.CrossEntropyLoss({ labelSmoothing: 2 }), /labelSmoothing must be between 0.0 and 1.0/);
});
