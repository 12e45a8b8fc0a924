// torch.utils.checkpoint.checkpoint: the same gradients as without it, and less memory on a deep MLP
// (measured in child processes with the caching CPU allocator's peak).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";

const { nn } = torch;
const checkpoint = torch.utils.checkpoint.checkpoint;

test("checkpointed segments give the gradients of the plain model, and parameters inside get .grad", () => {
  torch.manualSeed(7);
  const blocks = [0, 1, 2].map(() => new nn.Sequential(new nn.Linear(6, 6), new nn.Tanh(), new nn.Linear(6, 6)));
  const params = blocks.flatMap((b) => [...b.parameters()]);
  const run = (useCheckpoint: boolean): { loss: number; grads: number[][]; xg: number[] } =>
    torch.scope(() => {
      for (const p of params) p.grad = null;
      const x = torch.scope(() => torch.linspace(-1, 1, 24).reshape([4, 6])).requiresGrad_();
      let h: Tensor = x;
      for (const b of blocks) h = useCheckpoint ? checkpoint((t: Tensor) => b.forward(t), h) : b.forward(h);
      const loss = h.pow(2).mean();
      loss.backward();
      return { loss: loss.item(), grads: params.map((p) => p.grad!.reshape(-1).toArray() as number[]), xg: x.grad!.reshape(-1).toArray() as number[] };
    });
  const plain = run(false);
  const ck = run(true);
  assert.equal(ck.loss, plain.loss);
  ck.grads.forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - plain.grads[i][k]) <= 1e-6 * (1 + Math.abs(v)), `param ${i}[${k}]: ${v} vs ${plain.grads[i][k]}`)));
  ck.xg.forEach((v, k) => assert.ok(Math.abs(v - plain.xg[k]) <= 1e-6, `x.grad[${k}]`));
  assert.throws(() => checkpoint(42 as never), /fn must be a function/);
});

// A 24-layer MLP (width 256, batch 2048, float32: activations dominate, 2 MiB each): one forward+backward, peak of live CPU bytes.
const MEMORY_CHILD = `
const torch = await import(process.argv[1]);
const { nn } = torch;
const ck = process.argv[2] === "1";
torch.manualSeed(0);
const layers = Array.from({ length: 24 }, () => new nn.Sequential(new nn.Linear(256, 256), new nn.ReLU()));
const x = torch.randn([2048, 256]).requiresGrad_();
const before = torch.cpuMemoryStats().peakAllocatedBytes;
torch.scope(() => {
  let h = x;
  for (let i = 0; i < layers.length; i += 4) {
    const seg = layers.slice(i, i + 4);
    const f = (t) => seg.reduce((a, l) => l.forward(a), t);
    h = ck ? torch.utils.checkpoint.checkpoint(f, h) : f(h);
  }
  h.pow(2).mean().backward();
});
const s = torch.cpuMemoryStats();
console.log(JSON.stringify({ caching: s.caching, peak: s.peakAllocatedBytes, before }));
`;

test("checkpointing every 4 layers of a 24-layer MLP lowers the peak of live memory (numbers in the test log)", () => {
  const index = new URL("../src/index.js", import.meta.url).href;
  const measure = (ck: boolean) => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", MEMORY_CHILD, index, ck ? "1" : "0"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as { caching: boolean; peak: number; before: number };
  };
  const plain = measure(false);
  const ck = measure(true);
  if (!plain.caching) return; // TSTORCH_CPU_ALLOCATOR=default: no counters to compare
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`checkpoint memory: peak ${mb(plain.peak)} MiB without, ${mb(ck.peak)} MiB with (parameters and input ${mb(plain.before)} MiB)`);
  // measured on 1.13: 58 MiB of activations without, 28 MiB with (6 segment inputs kept, one segment
  // recomputed at a time)
  assert.ok(plain.peak - plain.before > 1.5 * (ck.peak - ck.before), `activations: ${mb(plain.peak - plain.before)} MiB vs ${mb(ck.peak - ck.before)} MiB`);
});
