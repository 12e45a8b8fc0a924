// The seed's second experiment: conv(3→16)→relu→maxpool→conv(16→8)→relu→maxpool→linear(512→10).
//   npm run build && node dist/examples/cnn.js [--epochs 10] [--batch-size 128|full] [--lr 1e-3] [--data DIR]
import * as torch from "../src/index.js";
import { options, trainClassifier } from "./common.js";

const o = options({ epochs: 10, batchSize: 128, lr: 1e-3 });
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
  .addFn((x) => x.reshape([-1, 512]))
  .add(new torch.nn.Linear(512, 10, { init: "tch" }))
  .to(device);
const opt = new torch.optim.Adam(net.parameters(), { lr: o.lr });

trainClassifier(net, opt, m, device, o); // prints epoch,time,acc as the seed does
