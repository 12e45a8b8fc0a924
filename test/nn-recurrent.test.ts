// Embedding, EmbeddingBag, RNN / LSTM / GRU and their cells against PyTorch: PyTorch's state_dict
// loads with no renaming, forward outputs and input / parameter gradients match (see
// helpers/nn-layer-parity.ts), in training and evaluation mode and several option combinations.
import * as torch from "../src/index.js";
import { LayerCase, layerParitySuite } from "./helpers/nn-layer-parity.js";

const { nn } = torch;

const cases: LayerCase[] = [
  {
    name: "Embedding(10, 4) eval",
    py: "nn.Embedding(10, 4)", inputs: "X = {'x': i(0, 10, 3, 5)}", call: "m(X['x'])", mode: "eval",
    build: () => new nn.Embedding(10, 4), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "Embedding paddingIdx=2 train (padding row gets no gradient)",
    py: "nn.Embedding(10, 4, padding_idx=2)", inputs: "X = {'x': torch.tensor([[2, 1, 2, 9], [0, 2, 5, 5]])}", call: "m(X['x'])",
    build: () => new nn.Embedding(10, 4, { paddingIdx: 2 }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "Embedding maxNorm=1 scaleGradByFreq",
    py: "nn.Embedding(10, 4, max_norm=1.0, scale_grad_by_freq=True)", inputs: "X = {'x': torch.tensor([[3, 1, 3], [7, 3, 0]])}", call: "m(X['x'])",
    build: () => new nn.Embedding(10, 4, { maxNorm: 1.0, scaleGradByFreq: true }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "EmbeddingBag mean, 2-D input",
    py: "nn.EmbeddingBag(10, 3)", inputs: "X = {'x': i(0, 10, 4, 3)}", call: "m(X['x'])",
    build: () => new nn.EmbeddingBag(10, 3), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "EmbeddingBag sum with offsets and perSampleWeights",
    py: "nn.EmbeddingBag(10, 3, mode='sum')", inputs: "X = {'x': i(0, 10, 7), 'off': torch.tensor([0, 2, 2, 5]), 'w': r(7)}",
    call: "m(X['x'], X['off'], X['w'])",
    build: () => new nn.EmbeddingBag(10, 3, { mode: "sum" }), forward: (m, x) => m.forward(x.x, x.off, x.w),
  },
  {
    name: "EmbeddingBag max, paddingIdx 0",
    py: "nn.EmbeddingBag(10, 3, mode='max', padding_idx=0)", inputs: "X = {'x': torch.tensor([[1, 0, 4], [0, 6, 6]])}", call: "m(X['x'])",
    build: () => new nn.EmbeddingBag(10, 3, { mode: "max", paddingIdx: 0 }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "LSTM 2 layers bidirectional batchFirst, initial state, train",
    py: "nn.LSTM(5, 8, num_layers=2, bidirectional=True, batch_first=True)",
    inputs: "X = {'x': r(3, 6, 5), 'h0': r(4, 3, 8), 'c0': r(4, 3, 8)}", call: "m(X['x'], (X['h0'], X['c0']))",
    build: () => new nn.LSTM(5, 8, { numLayers: 2, bidirectional: true, batchFirst: true }),
    forward: (m, x) => m.forward(x.x, [x.h0, x.c0]),
  },
  {
    name: "LSTM 2 layers bidirectional batchFirst, dropout 0.3, eval",
    py: "nn.LSTM(5, 8, num_layers=2, bidirectional=True, batch_first=True, dropout=0.3)",
    inputs: "X = {'x': r(3, 6, 5)}", call: "m(X['x'])", mode: "eval",
    build: () => new nn.LSTM(5, 8, { numLayers: 2, bidirectional: true, batchFirst: true, dropout: 0.3 }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "LSTM sequence-first, no state",
    py: "nn.LSTM(4, 6)", inputs: "X = {'x': r(7, 2, 4)}", call: "m(X['x'])",
    build: () => new nn.LSTM(4, 6), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "LSTM projSize 3, 2 layers, initial state",
    py: "nn.LSTM(4, 6, num_layers=2, proj_size=3)", inputs: "X = {'x': r(5, 2, 4), 'h0': r(2, 2, 3), 'c0': r(2, 2, 6)}",
    call: "m(X['x'], (X['h0'], X['c0']))",
    build: () => new nn.LSTM(4, 6, { numLayers: 2, projSize: 3 }), forward: (m, x) => m.forward(x.x, [x.h0, x.c0]),
  },
  {
    name: "LSTM unbatched input, no bias",
    py: "nn.LSTM(4, 6, bias=False)", inputs: "X = {'x': r(5, 4)}", call: "m(X['x'])",
    build: () => new nn.LSTM(4, 6, { bias: false }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "GRU 2 layers bidirectional, h0",
    py: "nn.GRU(5, 7, num_layers=2, bidirectional=True)", inputs: "X = {'x': r(6, 3, 5), 'h0': r(4, 3, 7)}", call: "m(X['x'], X['h0'])",
    build: () => new nn.GRU(5, 7, { numLayers: 2, bidirectional: true }), forward: (m, x) => m.forward(x.x, x.h0),
  },
  {
    name: "GRU batchFirst eval",
    py: "nn.GRU(5, 7, batch_first=True)", inputs: "X = {'x': r(3, 6, 5)}", call: "m(X['x'])", mode: "eval",
    build: () => new nn.GRU(5, 7, { batchFirst: true }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "RNN tanh 3 layers",
    py: "nn.RNN(5, 7, num_layers=3)", inputs: "X = {'x': r(6, 3, 5), 'h0': r(3, 3, 7)}", call: "m(X['x'], X['h0'])",
    build: () => new nn.RNN(5, 7, { numLayers: 3 }), forward: (m, x) => m.forward(x.x, x.h0),
  },
  {
    name: "RNN relu bidirectional batchFirst, no bias",
    py: "nn.RNN(5, 7, nonlinearity='relu', bidirectional=True, batch_first=True, bias=False)", inputs: "X = {'x': r(3, 6, 5)}", call: "m(X['x'])",
    build: () => new nn.RNN(5, 7, { nonlinearity: "relu", bidirectional: true, batchFirst: true, bias: false }), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "LSTMCell with state",
    py: "nn.LSTMCell(5, 6)", inputs: "X = {'x': r(3, 5), 'h': r(3, 6), 'c': r(3, 6)}", call: "m(X['x'], (X['h'], X['c']))",
    build: () => new nn.LSTMCell(5, 6), forward: (m, x) => m.forward(x.x, [x.h, x.c]),
  },
  {
    name: "GRUCell without state",
    py: "nn.GRUCell(5, 6)", inputs: "X = {'x': r(3, 5)}", call: "m(X['x'])",
    build: () => new nn.GRUCell(5, 6), forward: (m, x) => m.forward(x.x),
  },
  {
    name: "RNNCell relu unbatched",
    py: "nn.RNNCell(5, 6, nonlinearity='relu')", inputs: "X = {'x': r(5), 'h': r(6)}", call: "m(X['x'], X['h'])",
    build: () => new nn.RNNCell(5, 6, { nonlinearity: "relu" }), forward: (m, x) => m.forward(x.x, x.h),
  },
];

layerParitySuite("embeddings and recurrent layers equal PyTorch's", cases);
