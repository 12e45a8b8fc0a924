// Inference speed of the seed's CIFAR-10 CNN (batch 64) and a small transformer encoder (2 layers,
// d_model 64, batch 16 x 32 tokens) in one run: tstorch eager, tstorch running PyTorch's TorchScript
// trace, tstorch running PyTorch's AOTInductor .pt2 package, and PyTorch itself (eager, TorchScript,
// .pt2) on the same inputs and thread count. bench/pt2_speed_torch.py makes the models and the files
// and times PyTorch; this file checks that every tstorch path gives PyTorch's outputs, then times it.
// Needs libtorch >= 2.6 and g++ (the Debian forky root: scripts/matrix.sh forky -- ...).
//   npm run build && node dist/bench/pt2-speed.js [--threads 1] [--iters 50]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as torch from "../src/index.js";

const { nn } = torch;
const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const THREADS = arg("threads", 1);
const ITERS = arg("iters", 50);
const PYTHON = process.env.TSTORCH_TEST_PYTHON ?? "/usr/bin/python3";
const ROOT = resolve(import.meta.dirname, "..", "..");

type Name = "cnn" | "transformer";
type Path = "eager" | "torchscript" | "pt2";

function seedCnn(): torch.nn.Module<[torch.Tensor], torch.Tensor> {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Lambda((x) => x.reshape(-1, 512)), new nn.Linear(512, 10),
  );
}

/** PyTorch's SmallTransformer of pt2_speed_torch.py, with the same parameter names. */
class SmallTransformer extends nn.Module<[torch.Tensor], torch.Tensor> {
  readonly encoder = this.registerModule(
    "encoder",
    new nn.TransformerEncoder(new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, dropout: 0, batchFirst: true }), 2),
  );
  readonly head = this.registerModule("head", new nn.Linear(64, 10));
  forward(x: torch.Tensor): torch.Tensor {
    return this.head.forward(this.encoder.forward(x).mean([1]));
  }
}

function msPerCall(fn: (x: torch.Tensor) => unknown, x: torch.Tensor): number {
  return torch.noGrad(() => {
    for (let i = 0; i < 5; i++) torch.scope(() => void fn(x));
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      for (let i = 0; i < ITERS; i++) torch.scope(() => void fn(x));
      rounds.push((performance.now() - t) / ITERS);
    }
    return rounds.sort((a, b) => a - b)[2]!;
  });
}

const dir = mkdtempSync(join(tmpdir(), "tstorch-pt2-speed-"));
try {
  const py = spawnSync(PYTHON, [join(ROOT, "bench", "pt2_speed_torch.py"), dir, "--threads", String(THREADS), "--iters", String(ITERS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 900_000,
  });
  if (py.status !== 0) throw new Error(`pt2_speed_torch.py failed (${py.status ?? py.signal})`);
  const ref = JSON.parse(py.stdout.trim().split("\n").pop()!) as { torch: string; compile_s: number; ms: Record<Name, Record<Path, number>> };

  torch.setNumThreads(THREADS);
  const loaded = torch.load(join(dir, "io.pt")) as Map<string, torch.Tensor> | Record<string, torch.Tensor>;
  const io = (key: string): torch.Tensor => (loaded instanceof Map ? loaded.get(key) : loaded[key])!;
  const rows: string[] = [];
  for (const name of ["cnn", "transformer"] as Name[]) {
    const eager = name === "cnn" ? seedCnn() : new SmallTransformer();
    eager.loadStateDict(torch.load(join(dir, `${name}.state.pt`)) as torch.nn.StateDict);
    eager.eval();
    const script = torch.jit.load(join(dir, `${name}.ts.pt`));
    script.eval();
    const pkg = torch.aoti.loadPackage(join(dir, "models.pt2"), { modelName: name });
    const paths: Record<Path, (x: torch.Tensor) => torch.Tensor> = {
      eager: (x) => eager.forward(x),
      torchscript: (x) => script.forward(x) as torch.Tensor,
      pt2: (x) => pkg.run([x])[0]!,
    };
    const x = io(name);
    const want = io(`${name}.out`);
    for (const [path, fn] of Object.entries(paths)) {
      const diff = torch.noGrad(() => fn(x).sub(want).abs().max().item());
      if (!(diff <= 1e-4)) throw new Error(`${name} ${path}: tstorch's output differs from PyTorch's by ${diff}`);
    }
    for (const path of ["eager", "torchscript", "pt2"] as Path[]) {
      const ms = msPerCall(paths[path], x);
      const theirs = ref.ms[name][path];
      rows.push(`| ${name} | ${path} | ${ms.toFixed(3)} | ${theirs.toFixed(3)} | ${(theirs / ms).toFixed(2)} |`);
    }
    pkg.dispose();
  }
  console.log(`pt2 speed: libtorch ${torch.versions().libtorch}, PyTorch ${ref.torch}, ${THREADS} thread(s), ` +
    `median of 5 rounds of ${ITERS} calls; PyTorch made the files in ${ref.compile_s.toFixed(0)} s`);
  console.log("| model | path | tstorch ms/call | PyTorch ms/call | PyTorch/tstorch |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
