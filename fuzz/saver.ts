// The child that checkpoint-kill.ts kills: saves in a loop, as a training run does, until SIGKILL.
//   node dist/fuzz/saver.js DIR SEED
// Each save k writes tensors filled with k and metadata {k}, so that a reader can tell a complete
// file from one that mixes two saves.
import { join } from "node:path";
import * as torch from "../src/index.js";
import { Rng } from "./rng.js";

const [dir, seedText] = process.argv.slice(2);
const rng = new Rng(Number(seedText));
const net = new torch.nn.Linear(64, 32);
process.stdout.write("ready\n");
for (let k = 0; ; k++) {
  torch.scope(() => {
    const n = rng.pick([16, 1024, 262_144, 1_048_576, 4_194_304]);
    torch.io.saveTensors({ w: torch.full([n], k), b: torch.full([3], k, { dtype: "int64" }) }, join(dir, "tensors.safetensors"), { k: String(k) });
    torch.noGrad(() => net.parameters().forEach((p) => p.fill_(k)));
    torch.io.saveModule(net, join(dir, "module.safetensors"), { k: String(k) });
    if (k % 3 === 0) torch.io.saveImage(torch.full([3, 16, 16], (k % 10) / 10), join(dir, "image.png"));
  });
}
