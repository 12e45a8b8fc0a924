// `tstorch cifar10 <model> [options]`: the option table (which is also the --help text),
// the parser and the per-model defaults. Parsing never touches the file system or libtorch.
import * as os from "node:os";
import { UsageError } from "./errors.js";
import { AIRBENCH94 } from "../vision/models/airbench94-hyper.js";

export const MODELS = ["mlp", "cnn", "autoencoder", "airbench"] as const;
export type ModelName = (typeof MODELS)[number];
export const MODEL_ALIASES: Record<string, ModelName> = { ae: "autoencoder" };

export const OPTIMIZERS = ["adam", "adamw", "sgd"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const INITS = ["tch", "torch"] as const;
export const AMPS = ["off", "bf16", "fp16"] as const;
export type AmpName = (typeof AMPS)[number];
export type InitName = (typeof INITS)[number];

/** The seed's Adam learning rates; airbench: the recipe's SGD rate (≈ 1.465e-3). */
export const DEFAULT_LR: Record<ModelName, number> = { mlp: 1e-2, cnn: 1e-3, autoencoder: 1e-2, airbench: AIRBENCH94.lr };

/**
 * Default number of epochs. Full-batch (the seed's loop, which ran until stopped): enough steps
 * for the seed's results, MLP ≈ 41 % and CNN ≈ 67 %, and the autoencoder's own count
 * (`for epoch in 1..10000`). Mini-batch: an epoch is a whole shuffled pass, so far fewer
 * (the PyTorch reference's CNN reaches 58.8 % after 10 and 61.7 % after 30 at batch 128).
 */
export const DEFAULT_EPOCHS: Record<"full" | "minibatch", Record<ModelName, number>> = {
  full: { mlp: 350, cnn: 5000, autoencoder: 9999, airbench: AIRBENCH94.epochs },
  minibatch: { mlp: 10, cnn: 30, autoencoder: 30, airbench: AIRBENCH94.epochs },
};

export interface Cifar10Options {
  model: ModelName;
  /** null: ./data, then $CIFAR10_DIR. */
  data: string | null;
  epochs: number;
  batchSize: number | "full";
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  init: InitName;
  /** "auto", "cpu", "cuda" or "cuda:N". */
  device: string;
  seed: number;
  /** null: libtorch's default (every core). */
  threads: number | null;
  /** null: runs/<model>-<timestamp>/ (or the checkpoint's folder with --resume). */
  out: string | null;
  resume: string | null;
  quiet: boolean;
  limitTrain: number | null;
  limitTest: number | null;
  evalBatch: number | null;
  /** Opt-in GPU speed-ups (the defaults are the seed's float32 eager steps). */
  amp: AmpName;
  channelsLast: boolean;
  cudnnBenchmark: boolean;
  tf32: boolean;
  cudaGraph: boolean;
}

export type OptionKey = Exclude<keyof Cifar10Options, "model">;

type Kind = "epochs" | "path" | "posInt" | "nonNegInt" | "posFloat" | "nonNegFloat" | "choice" | "batch" | "device" | "flag";

interface OptionSpec {
  flag: string;
  key: OptionKey;
  kind: Kind;
  metavar?: string;
  choices?: readonly string[];
  help: string;
  /** Listed under "Testing and CI" in --help. */
  testing?: boolean;
  /** Listed under "Speed-ups" in --help. */
  speed?: boolean;
  /** The largest value an integer option takes (with why, for the error). */
  max?: () => { n: number; why: string };
}

/**
 * The most CPU threads libtorch is given: 4 per logical core, at least 16 (the addon's own bound,
 * native/src/runtime.cc). libtorch's OpenMP pool starts every thread at once: --threads 100000
 * never finished starting.
 */
export function maxThreads(): { n: number; why: string } {
  const cores = os.cpus().length || 1;
  return { n: Math.max(16, 4 * cores), why: `4 per logical core, at least 16; this machine has ${cores}` };
}

export const OPTION_SPECS: readonly OptionSpec[] = [
  { flag: "--data", key: "data", kind: "path", metavar: "DIR",
    help: "CIFAR-10 folder (holding cifar-10-batches-bin/ or the six .bin files). Default: ./data, then $CIFAR10_DIR." },
  { flag: "--epochs", key: "epochs", kind: "epochs", metavar: "N",
    help: "Train until epoch N (counted from the first epoch, also when resuming). Default, full-batch: 350 (mlp), " +
      "5000 (cnn), 9999 (autoencoder, the seed's count); mini-batch: 10 (mlp), 30 (cnn), 30 (autoencoder); " +
      "airbench: 9.9 (the recipe's; a fraction is allowed there: the last epoch is cut short). " +
      "Ctrl-C stops cleanly at any time." },
  { flag: "--batch-size", key: "batchSize", kind: "batch", metavar: "N|full",
    help: "full (default, the seed's): one step per epoch on the whole training set. N: mini-batches of N, " +
      "one epoch = one shuffled pass (the last batch may be smaller)." },
  { flag: "--lr", key: "lr", kind: "posFloat", metavar: "LR",
    help: "Learning rate. Default: the seed's, 1e-2 (mlp), 1e-3 (cnn), 1e-2 (autoencoder), for every optimizer." },
  { flag: "--optimizer", key: "optimizer", kind: "choice", choices: OPTIMIZERS, metavar: "NAME",
    help: "adam (default, the seed's), adamw or sgd." },
  { flag: "--momentum", key: "momentum", kind: "nonNegFloat", metavar: "M", help: "SGD momentum. Default 0.9; ignored by adam and adamw." },
  { flag: "--weight-decay", key: "weightDecay", kind: "nonNegFloat", metavar: "WD",
    help: "Weight decay. Default 0.01 for adamw (PyTorch's), 0 for adam and sgd." },
  { flag: "--init", key: "init", kind: "choice", choices: INITS, metavar: "tch|torch",
    help: "Parameter initialisation: tch (default, what the seed ran: Kaiming-uniform weights) or torch (PyTorch's defaults)." },
  { flag: "--device", key: "device", kind: "device", metavar: "DEV",
    help: "auto (default: CUDA if available, else CPU), cpu, cuda or cuda:N." },
  { flag: "--seed", key: "seed", kind: "nonNegInt", metavar: "N",
    help: "Seed for initialisation, shuffling and the autoencoder's sample images. Default 0." },
  { flag: "--threads", key: "threads", kind: "posInt", metavar: "N", max: maxThreads, help: "CPU threads for libtorch. Default: every core." },
  { flag: "--out", key: "out", kind: "path", metavar: "DIR",
    help: "Artifacts folder. Default: runs/<model>-<timestamp>/, or the checkpoint's folder with --resume." },
  { flag: "--resume", key: "resume", kind: "path", metavar: "CHECKPOINT",
    help: "Continue from a checkpoint (final.safetensors) at its epoch and position, with its options; " +
      "options given on the command line override them (not the model or the optimizer)." },
  { flag: "--quiet", key: "quiet", kind: "flag", help: "No progress or summary on stderr (errors and warnings only). stdout is unchanged." },
  { flag: "--amp", key: "amp", kind: "choice", choices: AMPS, metavar: "off|bf16|fp16", speed: true,
    help: "Mixed precision (torch.autocast) for forward and loss: bf16 or fp16 convolutions and matrix products, " +
      "float32 weights, Adam and evaluation; fp16 with loss scaling (GradScaler). Default off." },
  { flag: "--channels-last", key: "channelsLast", kind: "flag", speed: true,
    help: "Channels-last (NHWC) memory format for the images and the convolution weights." },
  { flag: "--cudnn-benchmark", key: "cudnnBenchmark", kind: "flag", speed: true,
    help: "Let cuDNN time its convolution algorithms on the first step and keep the fastest." },
  { flag: "--tf32", key: "tf32", kind: "flag", speed: true,
    help: "TF32 tensor cores for float32 matrix products (convolutions use them by default, as in PyTorch)." },
  { flag: "--cuda-graph", key: "cudaGraph", kind: "flag", speed: true,
    help: "Capture the whole full-batch training step (forward, backward, Adam) as a CUDA graph after two eager " +
      "steps and replay it: one launch per step. Needs CUDA and --batch-size full." },
  { flag: "--limit-train", key: "limitTrain", kind: "posInt", metavar: "N", testing: true,
    help: "Train on the first N training images only (the autoencoder: the first N test images, its training set)." },
  { flag: "--limit-test", key: "limitTest", kind: "posInt", metavar: "N", testing: true,
    help: "Evaluate on the first N test images only (the autoencoder: the first N training images, held out; " +
      "default for it 10000)." },
  { flag: "--eval-batch", key: "evalBatch", kind: "posInt", metavar: "N", testing: true,
    help: "Evaluate in chunks of N images to bound memory. Default: all at once, as the seed." },
];

export const USAGE = "Usage: tstorch cifar10 <mlp|cnn|autoencoder|airbench> [options]";

export function cifar10Help(): string {
  const fmt = (s: OptionSpec): string => {
    const left = `  ${s.flag}${s.metavar ? ` ${s.metavar}` : ""}`;
    const pad = left.length >= 26 ? `\n${" ".repeat(26)}` : " ".repeat(26 - left.length);
    return left + pad + wrap(s.help, 26, 100);
  };
  return [
    USAGE,
    "",
    "Trains one of the three networks of the seed blog post on CIFAR-10 with libtorch, as the seed did:",
    "  mlp          Flatten -> Linear(3072,3072) -> ReLU -> Linear(3072,10), cross-entropy",
    "  cnn          Conv(3,16,3,pad 1) -> ReLU -> MaxPool(2) -> Conv(16,8,3,pad 1) -> ReLU -> MaxPool(2) -> Linear(512,10)",
    "  autoencoder  the cnn's encoder -> ConvTranspose(8,16,2,stride 2) -> ConvTranspose(16,3,2,stride 2), MSE against",
    "               the input, trained on the 10,000 test images (alias: ae)",
    "  airbench     Keller Jordan's airbench94 recipe (94 % in seconds on a GPU): whitening conv, three conv groups,",
    "               Nesterov SGD in two groups, label smoothing, flip/translate augmentation, Lookahead, test-time",
    "               augmentation; its own defaults (batch 1024, 9.9 epochs, lr 1.465e-3, momentum 0.85, wd 2.0e-3",
    "               absolute). Its time column leaves out the per-epoch (plain) evaluations; the last row's accuracy",
    "               is after the final weight average, with test-time augmentation.",
    "Defaults are the seed's: full-batch Adam steps (one step = all 50,000 training images), test evaluation",
    "after every step without gradients, tch's initialisation, CUDA if available.",
    "",
    "Options:",
    ...OPTION_SPECS.filter((s) => !s.testing && !s.speed).map(fmt),
    "  -h, --help              This help.",
    "",
    "Speed-ups on a GPU (opt-in; without them every step is the seed's float32 eager step):",
    ...OPTION_SPECS.filter((s) => s.speed).map(fmt),
    "",
    "Testing and CI (a small real subset):",
    ...OPTION_SPECS.filter((s) => s.testing).map(fmt),
    "",
    "Output:",
    "  stdout   only the seed's CSV: the header `epoch,time,acc` (autoencoder: `epoch,time,loss`), then one line",
    "           per epoch: the epoch, seconds since the start (cumulative over resumes, 3 decimals), the test",
    "           accuracy as a fraction with 5 decimals (autoencoder: the epoch's mean training MSE, 6 decimals).",
    "           `tstorch cifar10 cnn > log.csv` gives a clean file.",
    "  stderr   a summary line, progress (a live bar on a terminal, plain lines otherwise), the final result.",
    "  --out    metrics.csv (epoch,time,train_loss,test_loss,test_acc), chart.svg and chart.png, final.safetensors",
    "           (model + optimiser + position: what --resume takes), best.safetensors (the best epoch's weights),",
    "           config.json; the autoencoder adds org_0..4.png, defer_0..4.png (5 seeded random training images",
    "           and their reconstructions) and reconstructions.png (originals above reconstructions, 4x).",
    "           The autoencoder's test_loss is the MSE on held-out training images (see --limit-test).",
    "           Every file is written atomically; final.safetensors is also refreshed every 10 minutes.",
    "",
    "Ctrl-C or SIGTERM: finishes the current step, writes the checkpoint and artifacts, prints the summary and",
    "exits 130 (SIGTERM: 143). A second Ctrl-C exits at once; files already written stay intact.",
    "Exit codes: 0 done, 1 runtime failure, 2 bad input (option, data, checkpoint, output folder), 130/143 stopped.",
    "",
    "Examples:",
    "  tstorch cifar10 cnn > log.csv",
    "  tstorch cifar10 mlp --batch-size 128 --lr 1e-3 --epochs 5",
    "  tstorch cifar10 cnn --resume runs/cnn-20250101-120000/final.safetensors --epochs 100",
    "  tstorch cifar10 autoencoder --epochs 200 --out runs/ae",
  ].join("\n");
}

export function topLevelHelp(): string {
  return [
    "Usage: tstorch <command> [options]",
    "",
    "Commands:",
    "  cifar10 <mlp|cnn|autoencoder|airbench>   Train the seed's CIFAR-10 models, or airbench94 (tstorch cifar10 --help).",
    "",
    "Options:",
    "  -h, --help      This help.",
    "  -V, --version   tstorch's and libtorch's versions.",
  ].join("\n");
}

function wrap(text: string, indent: number, width: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line !== "" && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line === "" ? w : `${line} ${w}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

export interface ParsedCifar10 {
  /** null when --help was asked for. */
  options: Cifar10Options | null;
  /** Options given on the command line (the rest are defaults, or the checkpoint's with --resume). */
  explicit: Set<OptionKey>;
  /** The raw values given, for the record. */
  given: Partial<Record<OptionKey, string | true>>;
}

/** Parses the arguments after `cifar10`. Throws UsageError with a one-line message. */
export function parseCifar10Args(argv: readonly string[]): ParsedCifar10 {
  const byFlag = new Map(OPTION_SPECS.map((s) => [s.flag, s]));
  const values: Partial<Record<OptionKey, unknown>> = {};
  const given: Partial<Record<OptionKey, string | true>> = {};
  const explicit = new Set<OptionKey>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(flag);
    if (spec === undefined) {
      const hint = suggest(flag, [...byFlag.keys(), "--help"]);
      throw new UsageError(`unknown option ${flag}${hint ? ` (did you mean ${hint}?)` : ""}; see tstorch cifar10 --help`);
    }
    if (explicit.has(spec.key)) throw new UsageError(`${flag} given twice`);
    let raw: string | true;
    if (spec.kind === "flag") {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`);
      raw = true;
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value (${spec.metavar ?? "VALUE"})`);
      raw = argv[++i];
    }
    values[spec.key] = convert(spec, raw);
    given[spec.key] = raw;
    explicit.add(spec.key);
  }
  if (help) return { options: null, explicit, given };

  if (positional.length === 0) throw new UsageError(`missing model (mlp, cnn, autoencoder or airbench); ${USAGE}`);
  if (positional.length > 1) throw new UsageError(`unexpected argument '${positional[1]}'; ${USAGE}`);
  const model = parseModel(positional[0]);

  const airbench = model === "airbench";
  if (values.epochs !== undefined && !airbench && !/^\s*[+]?\d+\s*$/.test(String(given.epochs))) {
    throw new UsageError(`--epochs: expected a positive integer, got '${given.epochs}'`);
  }
  const batchSize = (values.batchSize as number | "full" | undefined) ?? (airbench ? AIRBENCH94.batchSize : "full");
  const optimizer = (values.optimizer as OptimizerName | undefined) ?? (airbench ? "sgd" : "adam");
  if (airbench && optimizer !== "sgd") throw new UsageError(`--optimizer ${optimizer}: airbench's recipe is SGD with Nesterov momentum (--optimizer sgd)`);
  if (airbench && batchSize === "full") throw new UsageError("--batch-size full: airbench trains on mini-batches (the recipe's 1024)");
  const options: Cifar10Options = {
    model,
    data: (values.data as string | undefined) ?? null,
    epochs: (values.epochs as number | undefined) ?? DEFAULT_EPOCHS[batchSize === "full" ? "full" : "minibatch"][model],
    batchSize,
    lr: (values.lr as number | undefined) ?? DEFAULT_LR[model],
    optimizer,
    momentum: (values.momentum as number | undefined) ?? (airbench ? AIRBENCH94.momentum : 0.9),
    weightDecay: (values.weightDecay as number | undefined) ?? (airbench ? AIRBENCH94.weightDecay : optimizer === "adamw" ? 0.01 : 0),
    init: (values.init as InitName | undefined) ?? (airbench ? "torch" : "tch"),
    device: (values.device as string | undefined) ?? "auto",
    seed: (values.seed as number | undefined) ?? 0,
    threads: (values.threads as number | undefined) ?? null,
    out: (values.out as string | undefined) ?? null,
    resume: (values.resume as string | undefined) ?? null,
    quiet: (values.quiet as boolean | undefined) ?? false,
    limitTrain: (values.limitTrain as number | undefined) ?? null,
    limitTest: (values.limitTest as number | undefined) ?? null,
    evalBatch: (values.evalBatch as number | undefined) ?? null,
    amp: (values.amp as AmpName | undefined) ?? "off",
    channelsLast: (values.channelsLast as boolean | undefined) ?? false,
    cudnnBenchmark: (values.cudnnBenchmark as boolean | undefined) ?? false,
    tf32: (values.tf32 as boolean | undefined) ?? false,
    cudaGraph: (values.cudaGraph as boolean | undefined) ?? false,
  };
  if (options.cudaGraph && options.batchSize !== "full") {
    throw new UsageError("--cuda-graph needs --batch-size full (a graph replays one fixed-shape step)");
  }
  if (options.cudaGraph && options.amp === "fp16") {
    throw new UsageError("--cuda-graph cannot replay fp16 loss scaling (it decides on the host each step): use --amp bf16");
  }
  return { options, explicit, given };
}

export function parseModel(s: string): ModelName {
  const m = MODEL_ALIASES[s] ?? s;
  if (!(MODELS as readonly string[]).includes(m)) {
    const hint = suggest(s, [...MODELS]);
    throw new UsageError(`unknown model '${s}' (expected mlp, cnn, autoencoder or airbench${hint ? `; did you mean ${hint}?` : ""})`);
  }
  return m as ModelName;
}

function convert(spec: OptionSpec, raw: string | true): unknown {
  if (raw === true) return true;
  const bad = (what: string): UsageError => new UsageError(`${spec.flag}: expected ${what}, got '${raw}'`);
  switch (spec.kind) {
    case "flag":
      return true;
    case "path":
      if (raw.trim() === "") throw bad("a path");
      return raw;
    case "epochs": {
      // a whole number, except for airbench (checked once the model is known)
      const n = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw bad("a positive integer");
      return n;
    }
    case "posInt":
    case "nonNegInt": {
      if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw bad(spec.kind === "posInt" ? "a positive integer" : "a non-negative integer");
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw bad("an integer below 2^53");
      if (spec.kind === "posInt" && n < 1) throw bad("a positive integer");
      if (n < 0) throw bad("a non-negative integer");
      const max = spec.max?.();
      if (max !== undefined && n > max.n) throw new UsageError(`${spec.flag} ${n}: at most ${max.n} (${max.why})`);
      return n;
    }
    case "posFloat":
    case "nonNegFloat": {
      const n = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad(spec.kind === "posFloat" ? "a positive number" : "a non-negative number");
      if (spec.kind === "posFloat" && n <= 0) throw bad("a positive number");
      if (n < 0) throw bad("a non-negative number");
      return n;
    }
    case "choice": {
      const c = spec.choices ?? [];
      if (!c.includes(raw)) throw bad(c.join(", ").replace(/, ([^,]*)$/, " or $1"));
      return raw;
    }
    case "batch": {
      if (raw === "full") return "full";
      if (!/^\s*[+-]?\d+\s*$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1) {
        throw bad("a positive integer or 'full'");
      }
      return Number(raw);
    }
    case "device": {
      if (!/^(auto|cpu|cuda|cuda:\d+)$/.test(raw)) throw bad("auto, cpu, cuda or cuda:N");
      return raw;
    }
  }
}

/** The closest candidate by edit distance, if close enough to be a plausible typo. */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
