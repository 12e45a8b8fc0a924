// WGAN-GP on CIFAR-10 (Gulrajani et al., 2017): a small DCGAN-style generator against a critic
// trained with the gradient penalty (examples/wgan-gp-model.ts). Adam(1e-4, β = (0, 0.9)), five
// critic steps per generator step, λ = 10, as the paper. Prints the losses every 25 critic steps
// and writes a grid of 64 samples (one fixed z) at the start and end, normalised to [0, 1].
//   npm run example:wgan-gp -- [--critic-steps 300] [--batch-size 64] [--out DIR] [--data DIR]
// 300 critic steps (60 generator steps) take a few minutes on a 2-core CPU: blobs with colour and
// layout, not yet objects; thousands of generator steps make recognisable scenes.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../src/index.js";
import { options } from "./common.js";
import { critic, generator, gradientPenalty } from "./wgan-gp-model.js";

const o = options({ epochs: 1, batchSize: 64, lr: 1e-4 });
const arg = (name: string, dflt: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : dflt);
const criticSteps = Number(arg("critic-steps", "300"));
const outDir = arg("out", "runs/wgan-gp-example");
const nCritic = 5;
const nz = 64;
const device = torch.Device.cudaIfAvailable();

const m = torch.vision.cifar10.loadDir(o.data);
const real = m.trainImages; // [0, 1]; batches are mapped to [-1, 1], the generator's tanh range
torch.dispose([m.testImages, m.trainLabels, m.testLabels]);
torch.manualSeed(0);

const G = generator(nz).to(device);
const D = critic().to(device);
const optG = new torch.optim.Adam(G.parameters(), { lr: o.lr, betas: [0, 0.9] });
const optD = new torch.optim.Adam(D.parameters(), { lr: o.lr, betas: [0, 0.9] });
const fixedZ = torch.persist(torch.randn([64, nz]).to(device));

mkdirSync(outDir, { recursive: true });
const samples = (file: string) =>
  torch.noGrad(() =>
    torch.scope(() => {
      G.eval();
      torch.vision.utils.saveImage(G.forward(fixedZ).cpu(), join(outDir, file), { nrow: 8, normalize: true });
      G.train();
    }),
  );
samples("samples-start.png");

const n = real.shape[0];
const start = performance.now();
console.log("critic_step,time_s,critic_loss,wasserstein_estimate,gradient_penalty,generator_loss");
let gLoss = NaN;
for (let step = 1; step <= criticSteps; step++) {
  const [dLoss, wDist, gp] = torch.scope(() => {
    const idx = torch.randint(0, n, [o.batchSize]);
    const x = real.indexSelect(0, idx).mul(2).sub(1).to(device);
    const fake = torch.noGrad(() => G.forward(torch.randn([o.batchSize, nz]).to(device)));
    const w = D.forward(x).mean().sub(D.forward(fake).mean()); // the critic's estimate of the Wasserstein distance
    const penalty = gradientPenalty(D, x, fake);
    const loss = penalty.sub(w);
    optD.backwardStep(loss);
    return [loss.item(), w.item(), penalty.item()];
  });
  if (step % nCritic === 0) {
    gLoss = torch.scope(() => {
      const fake = G.forward(torch.randn([o.batchSize, nz]).to(device));
      const loss = D.forward(fake).mean().neg();
      optG.backwardStep(loss);
      return loss.item();
    });
  }
  if (step % 25 === 0 || step === 1) {
    const t = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`${step},${t},${dLoss.toFixed(4)},${wDist.toFixed(4)},${gp.toFixed(4)},${gLoss.toFixed(4)}`);
  }
}
samples("samples.png");
console.error(`samples of the fixed z before and after training: ${join(outDir, "samples-start.png")}, ${join(outDir, "samples.png")}`);
