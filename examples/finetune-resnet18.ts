// Fine-tune torchvision's ResNet-18 on CIFAR-10 from a .pth state dict, the way a PyTorch user
// does: load the weights (`torch.save(model.state_dict(), "resnet18.pth")`, e.g. torchvision's
// ImageNet resnet18-f37072fd.pth that you downloaded yourself), replace the 1000-class head with a
// 10-class one, train, and save a .pth that PyTorch's torch.load(..., weights_only=True) reads.
//   npm run build && node dist/examples/finetune-resnet18.js -- [--weights resnet18.pth] [--epochs 2]
//     [--steps 100] [--batch-size 64] [--lr 0.01] [--size 32] [--data .cache/cifar10] [--out runs/finetune-resnet18]
//     [--image-folder DIR]
// --image-folder trains from JPEGs in torchvision's layout (DIR/train/<class>/*.jpg, DIR/test/...; e.g. the
// shared cifar-10-jpeg.tar.xz unpacked) through vision.datasets.ImageFolder and a DataLoader instead of
// the binary set.
// Without --weights a randomly initialised torchvision resnet18 is written by /usr/bin/python3 (so
// the example runs without downloads; real fine-tuning wants pretrained weights). An "epoch" here
// is --steps mini-batches (a short run), each followed by the test accuracy on 2,000 test images.
// Progress goes to stderr as the CLI's does; metrics.csv, chart.svg/.png (when the optional chart
// packages are installed) and finetuned.pth go to --out.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as torch from "../src/index.js";
import { chartSpec, renderChart, type MetricsRow } from "../src/cli/chart.js";
import { createReporter } from "../src/cli/progress.js";
import { binarySource, imageFolderSource } from "./cifar10-source.js";
import { options } from "./common.js";
import { PYTHON, ROOT } from "./jit-common.js";

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const o = options({ epochs: 2, batchSize: 64, lr: 0.01 });
const steps = Number(arg("steps") ?? 100);
const size = Number(arg("size") ?? 32);
const outDir = resolve(arg("out") ?? join("runs", "finetune-resnet18"));
const weightsFile = arg("weights") ?? ensureRandomResnet18(resolve(ROOT, ".cache", "vision", "resnet18-random.pth"));

/** A torchvision resnet18 state dict with random init, written by PyTorch (no download). */
function ensureRandomResnet18(file: string): string {
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const py = `import torch, torchvision, sys; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])`;
  const r = spawnSync(PYTHON, ["-c", py, file], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`could not write ${file} with ${PYTHON} (PyTorch and torchvision needed): exit ${r.status ?? r.signal}; or pass --weights FILE`);
  return file;
}

const reporter = createReporter({ quiet: false, write: (s) => process.stderr.write(s), tty: process.stderr.isTTY === true, columns: process.stderr.columns, plainInterval: 10 });
const folder = arg("image-folder");
const source = folder === undefined ? binarySource(o.data, o.batchSize) : imageFolderSource(resolve(folder), o.batchSize);
reporter.info(`data: ${source.describe}`);
torch.manualSeed(0);

// torchvision's resnet18 with the file's weights (strict: every key by name), then a new head
const model = torch.vision.models.resnet18({ weights: weightsFile });
const oldHead = model.fc;
model.fc = new torch.nn.Linear(512, 10); // re-registered under "fc", as PyTorch's attribute assignment does
oldHead.dispose();
reporter.info(`loaded ${weightsFile}: resnet18, ${model.numParameters()} parameters with the 10-class head`);

// ImageNet's normalisation (what torchvision's weights expect), optionally upsampled
const mean = torch.tensor([0.485, 0.456, 0.406]).view([1, 3, 1, 1]);
const std = torch.tensor([0.229, 0.224, 0.225]).view([1, 3, 1, 1]);
function prepare(x: torch.Tensor): torch.Tensor {
  const up = size === 32 ? x : torch.nn.functional.interpolate(x, { size, mode: "bilinear", alignCorners: false });
  return up.sub(mean).div(std);
}

/** Loss and accuracy on the first 2,000 test images, in eval mode. */
function evaluate(): { loss: number; acc: number } {
  model.eval();
  const r = torch.noGrad(() =>
    torch.scope(() => {
      let loss = 0;
      let correct = 0;
      for (const { images, labels: y } of source.testBatches(2000)) {
        const out = model.forward(prepare(images));
        loss += (torch.nn.crossEntropy(out, y).item() as number) * 250;
        correct += out.argmax(1).eq(y).sum().item() as number;
      }
      return { loss: loss / 2000, acc: correct / 2000 };
    }),
  );
  model.train();
  return r;
}

const opt = new torch.optim.SGD(model.parameters(), o.lr, { momentum: 0.9, weightDecay: 5e-4 });
const rows: MetricsRow[] = [];
const before = evaluate();
reporter.info(`before fine-tuning: test loss ${before.loss.toFixed(3)}, accuracy ${(100 * before.acc).toFixed(1)} %`);
const start = performance.now();
let acc = NaN;
model.train();
for (let epoch = 1; epoch <= o.epochs; epoch++) {
  const t0 = performance.now();
  let lossSum = 0;
  for (let step = 1; step <= steps; step++) {
    const b = source.nextTrain();
    lossSum += torch.scope(() => {
      const loss = torch.nn.crossEntropy(model.forward(prepare(b.images)), b.labels);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item() as number;
    });
    b.images.dispose();
    b.labels.dispose();
    const secs = (performance.now() - t0) / 1000;
    reporter.update({ epoch, epochs: o.epochs, step, steps, samples: step * o.batchSize, epochSeconds: secs, loss: lossSum / step, acc, secondsPerEpoch: rows.length === 0 ? NaN : rows[rows.length - 1].time / rows.length });
  }
  const test = evaluate();
  acc = test.acc;
  rows.push({ epoch, time: (performance.now() - start) / 1000, trainLoss: lossSum / steps, testLoss: test.loss, testAcc: test.acc });
  const secondsPerEpoch = rows[rows.length - 1].time / rows.length;
  reporter.epochDone(
    { epoch, epochs: o.epochs, step: steps, steps, samples: steps * o.batchSize, epochSeconds: (performance.now() - t0) / 1000, loss: lossSum / steps, acc, secondsPerEpoch },
    `train loss ${(lossSum / steps).toFixed(3)}, test loss ${test.loss.toFixed(3)}, accuracy ${(100 * test.acc).toFixed(1)} %`,
  );
}
reporter.close();

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "metrics.csv"), "epoch,time,train_loss,test_loss,test_acc\n" + rows.map((r) => `${r.epoch},${r.time.toFixed(3)},${r.trainLoss},${r.testLoss},${r.testAcc}`).join("\n") + "\n");
const chart = await renderChart(chartSpec(rows, "resnet18 fine-tuned on CIFAR-10", true, "test loss (2,000 images)"));
if (chart !== null) {
  writeFileSync(join(outDir, "chart.svg"), chart.svg);
  writeFileSync(join(outDir, "chart.png"), chart.png);
}
torch.scope(() => torch.save(model.stateDict(), join(outDir, "finetuned.pth")));
console.log(`test accuracy ${(100 * before.acc).toFixed(1)} % → ${(100 * acc).toFixed(1)} % after ${o.epochs * steps} steps; ${outDir}/finetuned.pth loads in PyTorch with torchvision.models.resnet18(num_classes=10).load_state_dict(torch.load(path, weights_only=True))`);
