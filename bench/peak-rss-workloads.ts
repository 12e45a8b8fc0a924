// The tstorch side of bench/peak-rss.ts: two ported PyTorch training programs, short, one per process.
// bench/peak_rss_torch.py is the PyTorch side, the same models, data and steps.
//   node dist/bench/peak-rss-workloads.js mnist-cnn [--train 1600] [--data /usr/share/datasets/fashion-mnist]
//   node dist/bench/peak-rss-workloads.js lstm-lbfgs [--steps 1] [--max-iter 3] [--length 500]
// mnist-cnn: PyTorch's examples/mnist network (two convolutions, max pool, dropout, two linear layers,
// log-softmax, Adadelta lr 1) on the first --train Fashion-MNIST images in batches of 64, then the
// 10,000 test images evaluated in batches of 1,000.
// lstm-lbfgs: PyTorch's examples/time_sequence_prediction (two LSTMCells of 51, float64, 97 sine
// waves of --length - 1 steps (the example's 999 takes minutes), LBFGS lr 0.8, then a --length-step
// prediction), --max-iter iterations per step, deterministic phase offsets in place of numpy's random ones.
// Prints one JSON line: the workload's seconds, a checksum (loss) and the process's VmHWM so far.
import { readFileSync } from "node:fs";
import * as torch from "../src/index.js";

const { nn } = torch;
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
torch.setNumThreads(Number(arg("threads", "2")));

function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m![1]) / 1024;
}

function mnistCnn(): number {
  const m = torch.vision.mnist.loadDir(arg("data", "/usr/share/datasets/fashion-mnist"));
  const nTrain = Number(arg("train", "1600"));
  torch.manualSeed(1);
  const net = new nn.Sequential(
    new nn.Conv2d(1, 32, 3, 1), new nn.ReLU(), new nn.Conv2d(32, 64, 3, 1), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Dropout(0.25), new nn.Flatten(), new nn.Linear(9216, 128), new nn.ReLU(), new nn.Dropout(0.5),
    new nn.Linear(128, 10), new nn.LogSoftmax(1),
  );
  const opt = new torch.optim.Adadelta(net.parameters(), { lr: 1.0 });
  net.train();
  for (let i = 0; i < nTrain; i += 64) {
    torch.scope(() => {
      const x = m.trainImages.narrow(0, i, Math.min(64, nTrain - i));
      const y = m.trainLabels.narrow(0, i, x.shape[0]);
      opt.zeroGrad();
      const loss = torch.functional.nllLoss(net.call(x), y);
      loss.backward();
      opt.step();
    });
  }
  net.eval();
  let lossSum = 0;
  let correct = 0;
  const n = m.testImages.shape[0];
  torch.noGrad(() => {
    for (let i = 0; i < n; i += 1000) {
      torch.scope(() => {
        const x = m.testImages.narrow(0, i, Math.min(1000, n - i));
        const y = m.testLabels.narrow(0, i, x.shape[0]);
        const out = net.call(x);
        lossSum += torch.functional.nllLoss(out, y, { reduction: "sum" }).item();
        correct += out.argmax(1).eq(y).sum().item();
      });
    }
  });
  return lossSum / n + correct / n;
}

class Sequence extends nn.Module {
  lstm1 = new nn.LSTMCell(1, 51);
  lstm2 = new nn.LSTMCell(51, 51);
  linear = new nn.Linear(51, 1);
  forward(input: torch.Tensor, future = 0): torch.Tensor {
    const n = input.shape[0];
    let h = torch.zeros([n, 51], { dtype: "float64" });
    let c = torch.zeros([n, 51], { dtype: "float64" });
    let h2 = torch.zeros([n, 51], { dtype: "float64" });
    let c2 = torch.zeros([n, 51], { dtype: "float64" });
    const outputs: torch.Tensor[] = [];
    let output = h2;
    for (const xt of input.split(1, 1)) {
      [h, c] = this.lstm1.call(xt, [h, c]);
      [h2, c2] = this.lstm2.call(h, [h2, c2]);
      output = this.linear.call(h2);
      outputs.push(output);
    }
    for (let i = 0; i < future; i++) {
      [h, c] = this.lstm1.call(output, [h, c]);
      [h2, c2] = this.lstm2.call(h, [h2, c2]);
      output = this.linear.call(h2);
      outputs.push(output);
    }
    return torch.cat(outputs, 1);
  }
}

function lstmLbfgs(): number {
  const T = 20, L = Number(arg("length", "500")), N = 100;
  // x[i, j] = j + offset_i, offsets in [-4T, 4T), the same formula on both sides
  const offsets = Array.from({ length: N }, (_, i) => ((i * 37) % (8 * T)) - 4 * T);
  const data = torch.scope(() =>
    torch.arange(L, { dtype: "float64" }).unsqueeze(0).add(torch.tensor(offsets, { dtype: "float64" }).unsqueeze(1)).div(T).sin(),
  );
  const input = data.narrow(0, 3, N - 3).narrow(1, 0, L - 1).contiguous();
  const target = data.narrow(0, 3, N - 3).narrow(1, 1, L - 1).contiguous();
  const testInput = data.narrow(0, 0, 3).narrow(1, 0, L - 1).contiguous();
  torch.manualSeed(0);
  const seq = new Sequence();
  seq.double();
  const opt = new torch.optim.LBFGS(seq.parameters(), { lr: 0.8, maxIter: Number(arg("max-iter", "3")) });
  let last = 0;
  for (let step = 0; step < Number(arg("steps", "1")); step++) {
    opt.step(() =>
      torch.scope(() => {
        opt.zeroGrad();
        const loss = torch.functional.mseLoss(seq.call(input), target);
        loss.backward();
        last = loss.item();
        return loss;
      }),
    );
    torch.noGrad(() => torch.scope(() => seq.forward(testInput, L).sum().item()));
  }
  return last;
}

const workload = argv[0];
const t0 = performance.now();
const check = workload === "mnist-cnn" ? mnistCnn() : workload === "lstm-lbfgs" ? lstmLbfgs() : NaN;
if (Number.isNaN(check)) throw new Error(`peak-rss-workloads: unknown workload '${workload}' (mnist-cnn, lstm-lbfgs)`);
console.log(JSON.stringify({ workload, seconds: (performance.now() - t0) / 1000, check, peakMiB: peakMiB() }));
