// Data-parallel benchmark, side by side in one run (`node dist/bench/ddp.js`):
//   the seed's CNN, a 128-image global batch: tstorch DDP on 2 ranks x 1 thread, tstorch in 1 process
//   x 2 threads, PyTorch DDP on 2 ranks x 1 thread (ms per step, interleaved repetitions);
//   the sum all-reduce of float32 tensors from 1 KB to 16 MB over loopback: tstorch against a plain
//   PyTorch all-reduce (both Gloo), ms per call and bandwidth.
// Synthetic data (one fixed batch per rank): the step, not CIFAR-10's reading, is measured.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as torch from "../src/index.js";
import { seedModelSeq } from "../test/helpers/seed-models.js";

const here = dirname(fileURLToPath(import.meta.url));
const PY = join(here, "..", "..", "bench", "ddp_torch.py");
const STEPS = Number(process.env.DDP_BENCH_STEPS ?? 40);
const REPS = Number(process.env.DDP_BENCH_REPS ?? 3);

async function worker(mode: string, steps: number, threads: number): Promise<unknown> {
  torch.setNumThreads(threads);
  const world = Number(process.env.WORLD_SIZE ?? 1);
  const dist = torch.distributed;
  if (world > 1) dist.initProcessGroup({ backend: "gloo", timeout: 60_000 });
  const out: Record<string, number> = {};
  if (mode === "cnn") {
    torch.manualSeed(0);
    const net = seedModelSeq("cnn", "torch");
    const model = world > 1 ? new torch.nn.parallel.DistributedDataParallel(net) : net;
    const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
    const per = 128 / world;
    const x = torch.randn([per, 3, 32, 32]), y = torch.randint(0, 10, [per]);
    let t0 = 0;
    for (let i = 0; i < steps + 3; i++) {
      if (i === 3) t0 = performance.now();
      torch.scope(() => opt.backwardStep(model.forward(x).crossEntropyForLogits(y)));
    }
    out.ms_per_step = (performance.now() - t0) / steps;
  } else {
    for (const n of [256, 16384, 262144, 1048576, 4194304]) {
      const t = torch.ones([n]);
      for (let i = 0; i < 3; i++) dist.allReduce(t);
      const reps = Math.max(5, Math.min(200, Math.floor(20_000_000 / (n * 4))));
      dist.barrier();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) dist.allReduce(t);
      out[String(n * 4)] = (performance.now() - t0) / reps;
      t.dispose();
    }
  }
  if (world > 1) dist.destroyProcessGroup();
  return out;
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

async function ranks(world: number, cmd: string, args: string[]): Promise<any[]> {
  const port = await freePort();
  return Promise.all(
    Array.from({ length: world }, (_, rank) =>
      new Promise<any>((ok, fail) => {
        let out = "", err = "";
        const p = spawn(cmd, args, {
          env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(world), MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port), GLOO_SOCKET_IFNAME: "lo", OMP_NUM_THREADS: "1" },
        });
        const timer = setTimeout(() => p.kill("SIGKILL"), 300_000);
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (code) => {
          clearTimeout(timer);
          if (code !== 0) fail(new Error(`${cmd} rank ${rank}: ${code}\n${err}`));
          else ok(JSON.parse(out.trim().split("\n").pop()!));
        });
      }),
    ),
  );
}

const self = fileURLToPath(import.meta.url);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;

async function main(): Promise<void> {
  if (process.argv[2] === "--worker") {
    console.log(JSON.stringify(await worker(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]))));
    return;
  }
  const cnn: Record<string, number[]> = { "tstorch DDP 2x1": [], "tstorch 1x2": [], "PyTorch DDP 2x1": [] };
  for (let r = 0; r < REPS; r++) {
    cnn["tstorch DDP 2x1"]!.push((await ranks(2, process.execPath, [self, "--worker", "cnn", String(STEPS), "1"]))[0].ms_per_step);
    cnn["tstorch 1x2"]!.push((await ranks(1, process.execPath, [self, "--worker", "cnn", String(STEPS), "2"]))[0].ms_per_step);
    cnn["PyTorch DDP 2x1"]!.push((await ranks(2, "/usr/bin/python3", [PY, "cnn", String(STEPS), "1"]))[0].ms_per_step);
  }
  console.log(`## CNN step, global batch 128 (${STEPS} steps x ${REPS} interleaved repetitions; median, range)`);
  for (const [k, v] of Object.entries(cnn)) console.log(`| ${k} | ${median(v).toFixed(1)} ms | ${spread(v)} | epoch of 391 steps: ${((median(v) * 391) / 1000).toFixed(1)} s |`);
  const ddp = median(cnn["tstorch DDP 2x1"]!);
  console.log(`ratios: tstorch DDP / tstorch 1x2 = ${(ddp / median(cnn["tstorch 1x2"]!)).toFixed(2)}, tstorch DDP / PyTorch DDP = ${(ddp / median(cnn["PyTorch DDP 2x1"]!)).toFixed(2)}`);
  const ts: Record<string, number[]> = {}, py: Record<string, number[]> = {};
  for (let r = 0; r < REPS; r++) {
    const a = (await ranks(2, process.execPath, [self, "--worker", "allreduce", "0", "1"]))[0];
    const b = (await ranks(2, "/usr/bin/python3", [PY, "allreduce", "0", "1"]))[0];
    for (const k of Object.keys(a)) ((ts[k] ??= []).push(a[k]), (py[k] ??= []).push(b[k]));
  }
  console.log("## all-reduce (sum, float32, 2 ranks, loopback): ms per call, bandwidth (bytes / time), tstorch / PyTorch");
  for (const k of Object.keys(ts)) {
    const a = median(ts[k]!), b = median(py[k]!), mb = Number(k) / 1e6;
    console.log(`| ${Number(k) >= 1e6 ? `${mb} MB` : `${Number(k) / 1e3} KB`} | ${a.toFixed(3)} ms (${(mb / (a / 1000)).toFixed(0)} MB/s) | ${b.toFixed(3)} ms (${(mb / (b / 1000)).toFixed(0)} MB/s) | ${(a / b).toFixed(2)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
