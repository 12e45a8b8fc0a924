// A custom autograd Function inside a model: a straight-through estimator (STE). forward binarises
// with sign(); backward passes the gradient through unchanged where |x| <= 1 and zeroes it elsewhere
// (the "identity, clipped" STE of BinaryConnect / binarised networks), since sign's true gradient is
// zero almost everywhere. A small binarised-activation MLP is trained a few steps on random data.
//   npm run build && node dist/examples/custom-function.js [--steps 60]
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";

const { nn, autograd } = torch;

class SignSTE extends autograd.Function {
  static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.sign();
  }
  static override backward(ctx: torch.autograd.FunctionCtx, grad: Tensor): Tensor {
    const [x] = ctx.savedTensors as Tensor[];
    return grad.mul(x.abs().le(1).to(grad.dtype)); // identity inside [-1, 1], zero outside
  }
}

class BinaryActivation extends nn.Module {
  forward(x: Tensor): Tensor {
    return SignSTE.apply(x);
  }
}

const stepsArg = process.argv.indexOf("--steps");
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 60;
torch.manualSeed(0);
// random data with a learnable rule: the class is which of 4 random directions scores highest
const x = torch.randn([512, 16]);
const y = x.matmul(torch.randn([16, 4])).argmax(1);
const model = new nn.Sequential(new nn.Linear(16, 64), new nn.BatchNorm1d(64), new BinaryActivation(), new nn.Linear(64, 4));
const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });

let first = NaN;
let last = NaN;
for (let step = 0; step < steps; step++) {
  torch.scope(() => {
    opt.zeroGrad();
    const logits = model.forward(x);
    const loss = logits.crossEntropyForLogits(y);
    loss.backward(); // runs SignSTE.backward through libtorch's engine
    opt.step();
    const l = loss.item();
    if (step === 0) first = l;
    last = l;
    if (step % 10 === 0 || step === steps - 1) {
      const acc = logits.accuracyForLogits(y).item();
      console.log(`step ${step}: loss ${l.toFixed(4)} accuracy ${(acc * 100).toFixed(1)}%`);
    }
  });
}
console.log(`loss ${first.toFixed(4)} -> ${last.toFixed(4)}: the straight-through gradient trains the layer before sign()`);
if (!(last < first)) process.exitCode = 1;
