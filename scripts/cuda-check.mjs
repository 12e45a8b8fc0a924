// CUDA smoke test and timings for the lent GPU machine (run by scripts/gpu-check.sh on compiled dist/):
// ops on cuda against the same ops on the CPU, autograd on cuda, then the seed's CNN full-batch step
// (random data of CIFAR-10's shape, 50,000 images) timed with a device synchronisation (item()).
import * as torch from "../dist/src/index.js";

const out = (...a) => console.log(...a);
out("cuda devices:", torch.cuda.deviceCount(), "libtorch", torch.versions().libtorch);
if (!torch.cuda.isAvailable()) {
  out("no CUDA: nothing to check");
  process.exit(1);
}
let failures = 0;
const check = (name, a, b, tol = 1e-4) => {
  const x = a.cpu().toTypedArray();
  const y = b.cpu().toTypedArray();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  const ok = x.length === y.length && worst <= tol;
  if (!ok) failures++;
  out(`${ok ? "ok  " : "FAIL"} ${name}: max rel diff ${worst.toExponential(2)}`);
};
torch.manualSeed(0);
const a = torch.randn([64, 3, 32, 32]);
const w = torch.randn([16, 3, 3, 3]);
const m = torch.randn([128, 256]);
const n = torch.randn([256, 64]);
const ca = a.cuda(), cw = w.cuda(), cm = m.cuda(), cn = n.cuda();
check("conv2d", torch.functional.conv2d(ca, cw, null, { padding: 1 }), torch.functional.conv2d(a, w, null, { padding: 1 }), 1e-3);
check("matmul", cm.matmul(cn), m.matmul(n), 1e-3);
check("maxPool2d", ca.maxPool2d(2), a.maxPool2d(2));
check("softmax", cm.softmax(1), m.softmax(1));
check("sum dim", ca.sum([0, 2]), a.sum([0, 2]), 1e-3);
const g1 = cm.clone().requiresGrad_();
g1.tanh().pow(2).sum().backward();
const g2 = m.clone().requiresGrad_();
g2.tanh().pow(2).sum().backward();
check("autograd tanh^2", g1.grad, g2.grad);

// autocast and channels-last on cuda
const conv = (t) => torch.functional.conv2d(t, cw, null, { padding: 1 });
const bf = torch.autocast({ deviceType: "cuda", dtype: "bfloat16" }, () => conv(ca));
out(`${bf.dtype === "bfloat16" ? "ok  " : "FAIL"} autocast bf16 conv2d gives ${bf.dtype}`);
if (bf.dtype !== "bfloat16") failures++;
// bf16 inputs carry 8 bits of mantissa; cuDNN's default TF32 convolutions 10: compare in float64-like
// terms, max |a-b| / (1 + |b|) over outputs of magnitude up to ~15
check("autocast bf16 conv2d values", bf.to("float32"), conv(ca), 1e-1);
check("channels-last conv2d", conv(ca.contiguous("channelsLast")), conv(ca), 2e-2);

// CUDA graph: 6 steps of a small MLP, eager vs (2 eager warm-up + captured + replayed), capturable Adam
if (torch.cuda.graphsAvailable()) {
  const xs = torch.randn([256, 32], { device: "cuda" });
  const ys = torch.randint(0, 4, [256], { device: "cuda" });
  const make = () => {
    torch.manualSeed(5);
    const m = new torch.nn.Sequential(new torch.nn.Linear(32, 64), new torch.nn.ReLU(), new torch.nn.Linear(64, 4)).to("cuda");
    return { m, opt: new torch.optim.Adam(m.parameters(), { lr: 1e-2, capturable: true }) };
  };
  const step = ({ m, opt }) => {
    const l = m.forward(xs).crossEntropyForLogits(ys);
    opt.backwardStep(l);
    return l;
  };
  const a = make();
  for (let i = 0; i < 6; i++) torch.scope(() => step(a));
  const b = make();
  torch.cuda.warmup(() => { for (let i = 0; i < 2; i++) torch.scope(() => step(b)); });
  const g = new torch.cuda.CUDAGraph();
  const loss = g.capture(() => step(b));
  for (let i = 0; i < 4; i++) g.replay();
  torch.cuda.synchronize();
  const pa = a.m.parameters(), pb = b.m.parameters();
  for (let i = 0; i < pa.length; i++) check(`CUDA graph: parameter ${i} after 6 steps`, pb[i], pa[i], 1e-5);
  out(`graph loss after 6 steps ${loss.item().toFixed(6)}`);
  g.reset();
} else {
  out("FAIL CUDA graphs not built (no CUDA headers found at build time?)");
  failures++;
}

// the seed's CNN, one full-batch step on 50,000 images
const net = torch.nn.seq()
  .add(new torch.nn.Conv2d(3, 16, 3, { padding: 1, init: "tch" })).addFn((x) => x.relu()).addFn((x) => x.maxPool2d(2))
  .add(new torch.nn.Conv2d(16, 8, 3, { padding: 1, init: "tch" })).addFn((x) => x.relu()).addFn((x) => x.maxPool2d(2))
  .addFn((x) => x.reshape([-1, 512])).add(new torch.nn.Linear(512, 10, { init: "tch" })).to("cuda");
const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
const x = torch.rand([50000, 3, 32, 32], { device: "cuda" });
const y = torch.randint(0, 10, [50000], { device: "cuda" });
const times = [];
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const loss = torch.scope(() => {
    const l = net.forward(x).crossEntropyForLogits(y);
    opt.backwardStep(l);
    return l.item(); // synchronises
  });
  times.push((performance.now() - t0) / 1000);
  out(`CNN full-batch step ${i}: ${times[i].toFixed(4)} s, loss ${loss.toFixed(5)}`);
}
out(`median of steps 1-5: ${times.slice(1).sort((p, q) => p - q)[2].toFixed(4)} s`);
process.exit(failures ? 1 : 0);
