// An LSTM classifier over variable-length sequences through PackedSequence (torch.nn.utils.rnn):
// each batch holds random sequences of 4 features and 3..30 steps; the label is which of the first 3
// features has the largest sum over the whole sequence, so the model must read every real step and
// no padding. The batch is packed unsorted (enforceSorted: false), the LSTM runs libtorch's packed
// kernels, and h_n comes back in the batch's own order, as in PyTorch.
//   npm run build && node dist/examples/packed-lstm.js [--steps 300] [--batch 32] [--hidden 32] [--lr 1e-2]
import * as torch from "../src/index.js";

const { nn } = torch;
const R = nn.utils.rnn;
type Tensor = torch.Tensor;

const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const steps = arg("steps", 300);
const batch = arg("batch", 32);
const hidden = arg("hidden", 32);
const lr = arg("lr", 1e-2);
const features = 4;
const classes = 3;

class SeqClassifier extends nn.Module<[torch.nn.utils.rnn.PackedSequence], Tensor> {
  readonly lstm = new nn.LSTM(features, hidden);
  readonly head = new nn.Linear(hidden, classes);
  forward(x: torch.nn.utils.rnn.PackedSequence): Tensor {
    const [, [h]] = this.lstm.forward(x);
    return this.head.forward(h.select(0, -1)); // the last layer's final state of each sequence
  }
}

/** A batch: sequences of random lengths, packed unsorted, and their labels. */
function makeBatch(n: number): [torch.nn.utils.rnn.PackedSequence, Tensor] {
  const lengths = Array.from({ length: n }, () => 3 + Math.floor(Math.random() * 28));
  const seqs = lengths.map((l) => torch.randn([l, features]));
  const labels = torch.stack(seqs.map((s) => s.narrow(1, 0, classes).sum(0).argmax()));
  return [R.packSequence(seqs, { enforceSorted: false }), labels];
}

torch.manualSeed(0);
const model = new SeqClassifier();
const opt = new torch.optim.Adam(model.parameters(), { lr });
const t0 = Date.now();
let avg = 0;
for (let step = 1; step <= steps; step++) {
  const loss = torch.scope(() => {
    const [x, y] = makeBatch(batch);
    opt.zeroGrad();
    const l = nn.functional.crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    return l.item();
  });
  avg = step === 1 ? loss : 0.95 * avg + 0.05 * loss;
  if (step % 50 === 0 || step === 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  (running ${avg.toFixed(4)})`);
}
const acc = torch.scope(() => {
  model.eval();
  return torch.noGrad(() => {
    const [x, y] = makeBatch(1000);
    return model.forward(x).argmax(1).eq(y).float().mean().item();
  });
});
console.log(`held-out accuracy over 1000 new sequences: ${(100 * acc).toFixed(1)} % (chance 33.3 %), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
