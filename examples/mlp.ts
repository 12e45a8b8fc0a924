// The seed's first experiment: a 3072-3072-10 MLP on CIFAR-10, printing `epoch,time,acc`.
//   npm run build && node dist/examples/mlp.js [--epochs 3] [--batch-size 128|full] [--lr 1e-3] [--data DIR]
// The seed trained full batch with Adam 1e-2 on a GPU; on a CPU, mini-batches of 128 with Adam 1e-3
// get there in minutes (lr 1e-2 is unstable with small batches).
import * as torch from "../src/index.js";
import { options, trainClassifier } from "./common.js";

const o = options({ epochs: 3, batchSize: 128, lr: 1e-3 });
const m = torch.vision.cifar10.loadDir(o.data);
const device = torch.Device.cudaIfAvailable();
torch.manualSeed(0);

const net = torch.nn
  .seq()
  .add(new torch.nn.Flatten())
  .add(new torch.nn.Linear(3072, 3072, { init: "tch" }))
  .addFn((x) => x.relu())
  .add(new torch.nn.Linear(3072, 10, { init: "tch" }))
  .to(device);
const opt = new torch.optim.Adam(net.parameters(), { lr: o.lr });

trainClassifier(net, opt, m, device, o); // prints epoch,time,acc as the seed does
