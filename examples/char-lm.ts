// A character-level language model (Embedding → LSTM → Linear) trained on the King James Bible,
// the public-domain text that Debian's bible-kjv-text installs (read through its `bible` program),
// printing the training loss, a held-out loss and a sample of generated text.
//   npm run example:char-lm -- [--minutes 3] [--hidden 128] [--seq 64] [--batch 32] [--lr 5e-3] [--threads N]
// Like tch's char-rnn example, but with an embedding instead of one-hot inputs.
import { execFileSync } from "node:child_process";
import * as torch from "../src/index.js";

const { nn } = torch;
type Tensor = torch.Tensor;

const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const minutes = arg("minutes", 3);
const hidden = arg("hidden", 128);
const seqLen = arg("seq", 64);
const batch = arg("batch", 32);
const lr = arg("lr", 5e-3);
// on a busy 2-core machine one intra-op thread is faster than two competing ones
if (argv.includes("--threads")) torch.setNumThreads(arg("threads", torch.getNumThreads()));

/** Embedding → LSTM → Linear; forward(x, state) returns [logits, state] (no cast needed anywhere). */
class CharLM extends nn.Module<[Tensor, torch.nn.LSTMState?], [Tensor, torch.nn.LSTMState]> {
  readonly embed: torch.nn.Embedding;
  readonly lstm: torch.nn.LSTM;
  readonly head: torch.nn.Linear;
  constructor(vocab: number, embedDim: number, hiddenSize: number) {
    super();
    this.embed = new nn.Embedding(vocab, embedDim);
    this.lstm = new nn.LSTM(embedDim, hiddenSize, { batchFirst: true });
    this.head = new nn.Linear(hiddenSize, vocab);
  }
  forward(x: Tensor, state?: torch.nn.LSTMState): [Tensor, torch.nn.LSTMState] {
    return torch.scope(() => {
      const [out, next] = this.lstm.forward(this.embed.forward(x), state);
      return [this.head.forward(out), next];
    });
  }
}

function loadText(): string {
  let raw: string;
  try {
    raw = execFileSync("bible", ["-f", "gen1:1-rev22:21"], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`could not run Debian's 'bible' program (apt-get install bible-kjv bible-kjv-text): ${(e as Error).message}`);
  }
  // each line is "Ge1:1 In the beginning ..."; drop the reference
  return raw.split("\n").map((l) => l.replace(/^\S+\s+/, "")).filter((l) => l.length > 0).join("\n");
}

const text = loadText();
const chars = [...new Set(text)].sort();
const index = new Map(chars.map((c, i) => [c, i]));
const codes = Int32Array.from(text, (c) => index.get(c)!);
const split = Math.floor(codes.length * 0.95);
console.log(`text: King James Bible, ${text.length} characters, ${chars.length} distinct; model: Embedding(${chars.length}, 64) + LSTM(64, ${hidden}) + Linear`);

torch.manualSeed(0);
let seed = 12345;
const rand = (): number => {
  // xorshift32: the batches and the sample are reproducible
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
};

/** [batch, seq+1] windows from [lo, hi) as int64. */
function windows(lo: number, hi: number, n: number): Tensor {
  const buf = new Int32Array(n * (seqLen + 1));
  for (let b = 0; b < n; b++) {
    const start = lo + Math.floor(rand() * (hi - lo - seqLen - 1));
    buf.set(codes.subarray(start, start + seqLen + 1), b * (seqLen + 1));
  }
  return torch.scope(() => torch.fromTypedArray(buf, [n, seqLen + 1]).to("int64"));
}

const model = new CharLM(chars.length, 64, hidden);
console.log(String(model));
console.log(`parameters: ${model.numParameters()}`);
const opt = new torch.optim.Adam(model.parameters(), { lr });
const lossOf = (xy: Tensor): Tensor => {
  const x = xy.narrow(1, 0, seqLen);
  const y = xy.narrow(1, 1, seqLen);
  const [logits] = model.forward(x);
  return nn.functional.crossEntropy(logits.reshape(-1, chars.length), y.reshape(-1));
};

function heldOutLoss(): number {
  model.eval();
  const v = torch.noGrad(() => torch.scope(() => lossOf(windows(split, codes.length, 128)).item()));
  model.train();
  return v;
}

function sample(prompt: string, n: number, temperature = 0.8): string {
  model.eval();
  const out = torch.noGrad(() => {
    let state: torch.nn.LSTMState | undefined;
    let s = prompt;
    let x = torch.fromTypedArray(Int32Array.from(prompt, (c) => index.get(c)!), [1, prompt.length]).to("int64");
    for (let i = 0; i < n; i++) {
      const [logits, next] = model.forward(x, state);
      if (state) torch.dispose(state);
      state = next;
      const probs = torch.scope(() => logits.select(1, logits.shape[1] - 1).squeeze(0).div(temperature).softmax(-1).toTypedArray() as Float32Array);
      logits.dispose();
      let r = rand();
      let c = 0;
      while (c < probs.length - 1 && (r -= probs[c]) > 0) c++;
      s += chars[c];
      x.dispose();
      x = torch.tensor([[c]], { dtype: "int64" });
    }
    x.dispose();
    if (state) torch.dispose(state);
    return s;
  });
  model.train();
  return out;
}

const t0 = Date.now();
const deadline = t0 + minutes * 60_000;
let step = 0;
let running = 0;
console.log("step,seconds,train_loss,held_out_loss");
while (Date.now() < deadline) {
  const l = torch.scope(() => {
    const loss = lossOf(windows(0, split, batch));
    opt.zeroGrad();
    loss.backward();
    nn.utils.clipGradNorm_(model.parameters(), 1.0).dispose();
    opt.step();
    return loss.item();
  });
  running = step === 0 ? l : 0.95 * running + 0.05 * l;
  step++;
  if (step % 50 === 0 || step === 1) {
    console.log(`${step},${((Date.now() - t0) / 1000).toFixed(1)},${running.toFixed(4)},${heldOutLoss().toFixed(4)}`);
  }
}
console.log(`trained ${step} steps of ${batch}×${seqLen} characters in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`final held-out loss ${heldOutLoss().toFixed(4)} nats/char`);
console.log("sample (temperature 0.8):");
console.log(sample("And God said", 400));
model.dispose();
