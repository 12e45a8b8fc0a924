// What the three examples share: a few command-line options and finding CIFAR-10.
// (Users of the published package write `import * as torch from "tstorch"`.)
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as torch from "../src/index.js";

export interface ExampleOptions {
  data: string;
  epochs: number;
  /** 0 = full batch (the seed's setting). */
  batchSize: number;
  lr: number;
}

/** Reads --data, --epochs, --batch-size (N or "full"), --lr. */
export function options(defaults: Omit<ExampleOptions, "data">): ExampleOptions {
  const argv = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const candidates = [get("data"), process.env.CIFAR10_DIR, "data", ".cache/cifar10"].filter((d): d is string => !!d);
  const data = candidates.find((d) => existsSync(resolve(d))) ?? candidates[0];
  const bs = get("batch-size");
  return {
    data,
    epochs: Number(get("epochs") ?? defaults.epochs),
    batchSize: bs === undefined ? defaults.batchSize : bs === "full" ? 0 : Number(bs),
    lr: Number(get("lr") ?? defaults.lr),
  };
}

/** One pass over the training set: full batch (one step) or shuffled mini-batches. */
export function trainEpoch(
  net: torch.nn.Module,
  opt: torch.optim.Optimizer,
  images: torch.Tensor,
  labels: torch.Tensor,
  batchSize: number,
  epoch: number,
  lossFn: (out: torch.Tensor, x: torch.Tensor, y: torch.Tensor) => torch.Tensor,
): void {
  if (batchSize === 0) {
    torch.scope(() => opt.backwardStep(lossFn(net.forward(images), images, labels)));
    return;
  }
  for (const b of torch.data.batches(images, labels, { batchSize, seed: 1, epoch })) {
    torch.scope(() => opt.backwardStep(lossFn(net.forward(b.images), b.images, b.labels)));
    b.images.dispose();
    b.labels.dispose();
  }
}

/** Test accuracy, in chunks of 1,000 images to bound memory, under no-grad. */
export function accuracy(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor): number {
  return torch.noGrad(() =>
    torch.scope(() => {
      let correct = 0;
      const n = images.shape[0];
      for (let i = 0; i < n; i += 1000) {
        const len = Math.min(1000, n - i);
        const acc = net.forward(images.narrow(0, i, len)).accuracyForLogits(labels.narrow(0, i, len));
        correct += acc.item() * len;
      }
      return correct / n;
    }),
  );
}

/** The seed's loop for the two classifiers: train, evaluate, print `epoch,time,acc`. */
export function trainClassifier(net: torch.nn.Module, opt: torch.optim.Optimizer, m: torch.data.Cifar10, device: torch.Device, o: ExampleOptions): void {
  const [trainX, trainY, testX, testY] = [m.trainImages, m.trainLabels, m.testImages, m.testLabels].map((t) => t.to(device));
  const start = performance.now();
  console.log("epoch,time,acc");
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    trainEpoch(net, opt, trainX, trainY, o.batchSize, epoch, (out, _x, y) => out.crossEntropyForLogits(y));
    const acc = accuracy(net, testX, testY);
    console.log(`${epoch},${((performance.now() - start) / 1000).toFixed(3)},${acc.toFixed(5)}`);
  }
}
