// Fine-tune a CNN that PyTorch made and scripted (examples/jit-make-cnn.py) on CIFAR-10 from
// TypeScript, and save it back as TorchScript that PyTorch's torch.jit.load reads:
//   npm run example:jit-finetune -- [--steps 300] [--batch-size 64] [--lr 1e-3] [--data .cache/cifar10]
// The scripted module is a tstorch nn.Module: optim.Adam trains its own tensors, train()/eval()
// switch its BatchNorm and Dropout, save() writes the archive.
import * as torch from "../src/index.js";
import { options } from "./common.js";
import { ensureBaseModel, FINETUNED_MODEL } from "./jit-common.js";

const o = options({ epochs: 1, batchSize: 64, lr: 1e-3 });
const steps = Number(process.argv[process.argv.indexOf("--steps") + 1] || 300) || 300;
const cifar = torch.vision.cifar10.loadDir(o.data);
torch.manualSeed(0);

const model = torch.jit.load(ensureBaseModel());
console.log(`loaded ${model.typeName}: ${model.numParameters()} parameters; methods ${model.methods().map((m) => m.name).join(", ")}`);

/** Accuracy on the first 2,000 test images, in eval mode (BatchNorm's running statistics). */
function testAccuracy(): number {
  model.eval();
  return torch.noGrad(() =>
    torch.scope(() => {
      const x = cifar.testImages.narrow(0, 0, 2000);
      const y = cifar.testLabels.narrow(0, 0, 2000);
      return model.forward(x).argmax(1).eq(y).to("float32").mean().item() as number;
    }),
  );
}

console.log(`test accuracy before: ${(100 * testAccuracy()).toFixed(1)} %`);
const opt = new torch.optim.Adam(model.parameters(), { lr: o.lr });
model.train();
const started = Date.now();
let step = 0;
let running = 0;
for (let epoch = 0; step < steps; epoch++) {
  for (const b of torch.data.batches(cifar.trainImages, cifar.trainLabels, { batchSize: o.batchSize, seed: 1, epoch })) {
    running += torch.scope(() => {
      const loss = torch.nn.crossEntropy(model.forward(b.images), b.labels);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item() as number;
    });
    b.images.dispose();
    b.labels.dispose();
    if (++step % 50 === 0) {
      console.log(`step ${step}: loss ${(running / 50).toFixed(3)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      running = 0;
    }
    if (step >= steps) break;
  }
}
console.log(`test accuracy after ${steps} steps: ${(100 * testAccuracy()).toFixed(1)} %`);
model.save(FINETUNED_MODEL);
console.log(`saved ${FINETUNED_MODEL} (load it in PyTorch with torch.jit.load; serve it with npm run example:jit-serve)`);
