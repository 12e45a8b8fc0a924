// Fashion-MNIST (Debian's dataset-fashion-mnist) with tch's MNIST MLP (784 → 128 → relu → 10, Adam):
// mini-batches from a data.DataLoader, printing epoch, train loss and test accuracy as tch's
// mnist_nn example does. examples/fashion-mnist.py is the same model and settings in PyTorch.
//   npm run example:fashion-mnist [-- --epochs 5 --batch-size 128 --lr 1e-3 --data /usr/share/datasets/fashion-mnist]
import * as torch from "../src/index.js";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const epochs = Number(arg("epochs", "5"));
const batchSize = Number(arg("batch-size", "128"));
const lr = Number(arg("lr", "1e-3"));
const m = torch.vision.mnist.loadDir(arg("data", "/usr/share/datasets/fashion-mnist"));

torch.manualSeed(0); // PyTorch's default initialisation from the same seed gives the same weights
const net = torch.nn
  .seq()
  .addFn((x) => x.flatten(1))
  .add(new torch.nn.Linear(28 * 28, 128))
  .addFn((x) => x.relu())
  .add(new torch.nn.Linear(128, 10));
const opt = new torch.optim.Adam(net.parameters(), { lr });
const train = new torch.data.DataLoader(new torch.data.TensorDataset(m.trainImages, m.trainLabels), {
  batchSize,
  shuffle: true,
  seed: 1,
});

const start = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  const lossSum = torch.zeros([]);
  for (const [x, y] of train) {
    torch.scope(() => {
      const loss = net.forward(x).crossEntropyForLogits(y);
      opt.backwardStep(loss);
      torch.noGrad(() => lossSum.add_(loss, x.shape[0]));
    });
    torch.dispose([x, y]); // batches belong to the loop
  }
  const acc = torch.noGrad(() => torch.scope(() => net.forward(m.testImages).accuracyForLogits(m.testLabels).item()));
  const loss = lossSum.item() / train.dataset.length;
  lossSum.dispose();
  const secs = (performance.now() - start) / 1000;
  console.log(`epoch: ${String(epoch).padStart(4)} train loss: ${loss.toFixed(5)} test acc: ${(100 * acc).toFixed(2)}% (${secs.toFixed(1)} s)`);
}
