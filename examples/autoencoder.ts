// The seed's third experiment: the CNN's encoder, then two transposed convolutions back to 3×32×32,
// trained on the 10,000 test images with MSE against the input. Then five random training images
// and their reconstructions go to org_i.png / defer_i.png, plus a grid.
//   npm run build && node dist/examples/autoencoder.js [--epochs 20] [--batch-size 32|full] [--lr 1e-3] [--out DIR] [--data DIR]
// The seed trained full batch with Adam 1e-2 for thousands of steps on a GPU (`--batch-size full
// --lr 1e-2`); on a CPU, mini-batches of 32 with Adam 1e-3 give recognisable pictures in seconds.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { options, trainEpoch } from "./common.js";

const o = options({ epochs: 20, batchSize: 32, lr: 1e-3 });
const outDir = process.argv.includes("--out") ? process.argv[process.argv.indexOf("--out") + 1] : "runs/autoencoder-example";
const m = torch.vision.cifar10.loadDir(o.data);
const device = torch.Device.cudaIfAvailable();
torch.manualSeed(0);

const net = torch.nn
  .seq()
  .add(new torch.nn.Conv2d(3, 16, 3, { padding: 1, init: "tch" }))
  .addFn((x) => x.relu())
  .addFn((x) => x.maxPool2d(2))
  .add(new torch.nn.Conv2d(16, 8, 3, { padding: 1, init: "tch" }))
  .addFn((x) => x.relu())
  .addFn((x) => x.maxPool2d(2))
  .add(new torch.nn.ConvTranspose2d(8, 16, 2, { stride: 2, init: "tch" }))
  .add(new torch.nn.ConvTranspose2d(16, 3, 2, { stride: 2, init: "tch" }))
  .to(device);
const opt = new torch.optim.Adam(net.parameters(), { lr: o.lr });

const testX = m.testImages.to(device);
const start = performance.now();
console.log("epoch,time,loss");
for (let epoch = 1; epoch <= o.epochs; epoch++) {
  trainEpoch(net, opt, testX, testX, o.batchSize, epoch, (out, x) => out.mseLoss(x));
  const loss = torch.noGrad(() => torch.scope(() => net.forward(testX).mseLoss(testX).item()));
  console.log(`${epoch},${((performance.now() - start) / 1000).toFixed(3)},${loss.toFixed(6)}`);
}

// five random training images (seeded) and what the autoencoder makes of them
mkdirSync(outDir, { recursive: true });
torch.noGrad(() =>
  torch.scope(() => {
    const idx = torch.randint(0, 50_000, [5]);
    const src = m.trainImages.indexSelect(0, idx);
    const dst = net.forward(src.to(device)).cpu();
    for (let i = 0; i < 5; i++) {
      torch.io.saveImage(src.get(i), join(outDir, `org_${i}.png`));
      torch.io.saveImage(dst.get(i), join(outDir, `defer_${i}.png`));
    }
    torch.io.saveImageGrid(torch.cat([src, dst]), join(outDir, "grid.png"), { cols: 5, scale: 4 });
    console.error(`reconstruction MSE on these 5: ${src.mseLoss(dst).item().toFixed(6)}; images in ${outDir}`);
  }),
);
