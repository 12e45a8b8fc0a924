// `tstorch cifar10 <model> [options]`: the option table (the parser, the --help text and the
// defaults all come from it) and the per-model defaults. Parsing never touches the file system or libtorch.
// "The blog post" is the program the command re-implements (its networks, loop and defaults);
// `seed`, as an option or a field, is only ever the random generator's seed.
import * as os from "node:os";
import { UsageError } from "./errors.js";
import {
  choiceValue, expected, integerValue, isIntegerText, numberValue, optionHelp, parseCommandLine, pathValue, suggest,
  type OptionSpec,
} from "./options.js";
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

/** The autoencoder's default held-out evaluation set: the first 10,000 training images (--limit-test). */
export const AE_DEFAULT_EVAL = 10_000;

/** The blog post's Adam learning rates; airbench: the recipe's SGD rate (≈ 1.465e-3). */
export const DEFAULT_LR: Record<ModelName, number> = { mlp: 1e-2, cnn: 1e-3, autoencoder: 1e-2, airbench: AIRBENCH94.lr };

/**
 * Default number of epochs. Full-batch (the blog post's loop, which ran until stopped): enough steps
 * for the blog post's results, MLP ≈ 41 % and CNN ≈ 67 %, and the autoencoder's own count
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
  /** Opt-in GPU speed-ups (the defaults are the blog post's float32 eager steps). */
  amp: AmpName;
  channelsLast: boolean;
  cudnnBenchmark: boolean;
  tf32: boolean;
  cudaGraph: boolean;
}

export type OptionKey = Exclude<keyof Cifar10Options, "model">;

/** A `tstorch cifar10` option: its table entry and its default, which may depend on the model and the choices made. */
interface Cifar10Spec extends OptionSpec<OptionKey> {
  default: (c: DefaultContext) => unknown;
  /** The --help section: "speed" (Speed-ups) or "testing" (Testing and CI); absent: Options. */
  section?: "speed" | "testing";
}

/** What a default may depend on (batch size and optimizer are resolved first). */
interface DefaultContext {
  model: ModelName;
  airbench: boolean;
  batchSize: number | "full";
  optimizer: OptimizerName;
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

/** --epochs: a positive number here; a whole one unless the model is airbench (checked once the model is known). */
function epochsValue(raw: string, flag: string): number {
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw expected(flag, "a positive integer", raw);
  return n;
}

function batchValue(raw: string, flag: string): number | "full" {
  if (raw === "full") return "full";
  if (!isIntegerText(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1) throw expected(flag, "a positive integer or 'full'", raw);
  return Number(raw);
}

function deviceValue(raw: string, flag: string): string {
  if (!/^(auto|cpu|cuda|cuda:\d+)$/.test(raw)) throw expected(flag, "auto, cpu, cuda or cuda:N", raw);
  return raw;
}

const OFF = (): boolean => false;
const NONE = (): null => null;
const E = DEFAULT_EPOCHS;
const MOMENTUM = 0.9;
const ADAMW_WEIGHT_DECAY = 0.01;
/** 1e-2, as the help writes learning rates. */
const sci = (x: number): string => x.toExponential();

export const OPTION_SPECS: readonly Cifar10Spec[] = [
  { flag: "--data", key: "data", metavar: "DIR", parse: pathValue, default: NONE,
    help: "CIFAR-10 folder (holding cifar-10-batches-bin/ or the six .bin files). Default: ./data, then $CIFAR10_DIR." },
  { flag: "--epochs", key: "epochs", metavar: "N", parse: epochsValue,
    default: (c) => E[c.batchSize === "full" ? "full" : "minibatch"][c.model],
    help: "Train until epoch N (counted from the first epoch, also when resuming). Default, full-batch: " +
      `${E.full.mlp} (mlp), ${E.full.cnn} (cnn), ${E.full.autoencoder} (autoencoder, the blog post's count); ` +
      `mini-batch: ${E.minibatch.mlp} (mlp), ${E.minibatch.cnn} (cnn), ${E.minibatch.autoencoder} (autoencoder); ` +
      `airbench: ${AIRBENCH94.epochs} (the recipe's; a fraction is allowed there: the last epoch is cut short). ` +
      "Ctrl-C stops cleanly at any time." },
  { flag: "--batch-size", key: "batchSize", metavar: "N|full", parse: batchValue,
    default: (c) => (c.airbench ? AIRBENCH94.batchSize : "full"),
    help: "full (default, the blog post's): one step per epoch on the whole training set. N: mini-batches of N, " +
      "one epoch = one shuffled pass (the last batch may be smaller)." },
  { flag: "--lr", key: "lr", metavar: "LR", parse: numberValue("positive"), default: (c) => DEFAULT_LR[c.model],
    help: `Learning rate. Default: the blog post's, ${sci(DEFAULT_LR.mlp)} (mlp), ${sci(DEFAULT_LR.cnn)} (cnn), ` +
      `${sci(DEFAULT_LR.autoencoder)} (autoencoder), for every optimizer.` },
  { flag: "--optimizer", key: "optimizer", metavar: "NAME", parse: choiceValue(OPTIMIZERS),
    default: (c) => (c.airbench ? "sgd" : "adam"), help: "adam (default, the blog post's), adamw or sgd." },
  { flag: "--momentum", key: "momentum", metavar: "M", parse: numberValue("non-negative"),
    default: (c) => (c.airbench ? AIRBENCH94.momentum : MOMENTUM), help: `SGD momentum. Default ${MOMENTUM}; ignored by adam and adamw.` },
  { flag: "--weight-decay", key: "weightDecay", metavar: "WD", parse: numberValue("non-negative"),
    default: (c) => (c.airbench ? AIRBENCH94.weightDecay : c.optimizer === "adamw" ? ADAMW_WEIGHT_DECAY : 0),
    help: `Weight decay. Default ${ADAMW_WEIGHT_DECAY} for adamw (PyTorch's), 0 for adam and sgd.` },
  { flag: "--init", key: "init", metavar: "tch|torch", parse: choiceValue(INITS), default: (c) => (c.airbench ? "torch" : "tch"),
    help: "Parameter initialisation: tch (default, what the blog post ran: Kaiming-uniform weights) or torch (PyTorch's defaults)." },
  { flag: "--device", key: "device", metavar: "DEV", parse: deviceValue, default: () => "auto",
    help: "auto (default: CUDA if available, else CPU), cpu, cuda or cuda:N." },
  { flag: "--seed", key: "seed", metavar: "N", parse: integerValue(0), default: () => 0,
    help: "Seed for initialisation, shuffling and the autoencoder's sample images. Default 0." },
  { flag: "--threads", key: "threads", metavar: "N", parse: integerValue(1, maxThreads), default: NONE,
    help: "CPU threads for libtorch. Default: every core." },
  { flag: "--out", key: "out", metavar: "DIR", parse: pathValue, default: NONE,
    help: "Artifacts folder. Default: runs/<model>-<timestamp>/, or the checkpoint's folder with --resume." },
  { flag: "--resume", key: "resume", metavar: "CHECKPOINT", parse: pathValue, default: NONE,
    help: "Continue from a checkpoint (final.safetensors) at its epoch and position, with its options; " +
      "options given on the command line override them (not the model or the optimizer)." },
  { flag: "--quiet", key: "quiet", default: OFF, help: "No progress or summary on stderr (errors and warnings only). stdout is unchanged." },
  { flag: "--limit-train", key: "limitTrain", metavar: "N", parse: integerValue(1), section: "testing", default: NONE,
    help: "Train on the first N training images only (the autoencoder: the first N test images, its training set)." },
  { flag: "--limit-test", key: "limitTest", metavar: "N", parse: integerValue(1), section: "testing", default: NONE,
    help: "Evaluate on the first N test images only (the autoencoder: the first N training images, held out; " +
      `default for it ${AE_DEFAULT_EVAL}).` },
  { flag: "--eval-batch", key: "evalBatch", metavar: "N", parse: integerValue(1), section: "testing", default: NONE,
    help: "Evaluate in chunks of N images to bound memory. Default: all at once, as the blog post did." },
  { flag: "--amp", key: "amp", metavar: "off|bf16|fp16", parse: choiceValue(AMPS), section: "speed", default: () => "off",
    help: "Mixed precision (torch.autocast) for forward and loss: bf16 or fp16 convolutions and matrix products, " +
      "float32 weights, Adam and evaluation; fp16 with loss scaling (GradScaler). Default off." },
  { flag: "--channels-last", key: "channelsLast", section: "speed", default: OFF,
    help: "Channels-last (NHWC) memory format for the images and the convolution weights." },
  { flag: "--cudnn-benchmark", key: "cudnnBenchmark", section: "speed", default: OFF,
    help: "Let cuDNN time its convolution algorithms on the first step and keep the fastest." },
  { flag: "--tf32", key: "tf32", section: "speed", default: OFF,
    help: "TF32 tensor cores for float32 matrix products (convolutions use them by default, as in PyTorch)." },
  { flag: "--cuda-graph", key: "cudaGraph", section: "speed", default: OFF,
    help: "Capture the whole full-batch training step (forward, backward, Adam) as a CUDA graph after two eager " +
      "steps and replay it: one launch per step. Needs CUDA and --batch-size full." },
];

export const USAGE = "Usage: tstorch cifar10 <mlp|cnn|autoencoder|airbench> [options]";

export function cifar10Help(): string {
  const A = AIRBENCH94;
  const section = (name: Cifar10Spec["section"]): string[] => OPTION_SPECS.filter((s) => s.section === name).map((s) => optionHelp(s));
  return [
    USAGE,
    "",
    "Trains one of the three networks of the blog post on CIFAR-10 with libtorch, as the blog post did:",
    "  mlp          Flatten -> Linear(3072,3072) -> ReLU -> Linear(3072,10), cross-entropy",
    "  cnn          Conv(3,16,3,pad 1) -> ReLU -> MaxPool(2) -> Conv(16,8,3,pad 1) -> ReLU -> MaxPool(2) -> Linear(512,10)",
    "  autoencoder  the cnn's encoder -> ConvTranspose(8,16,2,stride 2) -> ConvTranspose(16,3,2,stride 2), MSE against",
    "               the input, trained on the 10,000 test images (alias: ae)",
    "  airbench     Keller Jordan's airbench94 recipe (94 % in seconds on a GPU): whitening conv, three conv groups,",
    "               Nesterov SGD in two groups, label smoothing, flip/translate augmentation, Lookahead, test-time",
    `               augmentation; its own defaults (batch ${A.batchSize}, ${A.epochs} epochs, lr ${A.lr.toExponential(3)}, ` +
      `momentum ${A.momentum}, wd ${A.weightDecay.toExponential(1)}`,
    "               absolute). Its time column leaves out the per-epoch (plain) evaluations; the last row's accuracy",
    "               is after the final weight average, with test-time augmentation.",
    "Defaults are the blog post's: full-batch Adam steps (one step = all 50,000 training images), test evaluation",
    "after every step without gradients, tch's initialisation, CUDA if available.",
    "",
    "Options:",
    ...section(undefined),
    "  -h, --help              This help.",
    "",
    "Speed-ups on a GPU (opt-in; without them every step is the blog post's float32 eager step):",
    ...section("speed"),
    "",
    "Testing and CI (a small real subset):",
    ...section("testing"),
    "",
    "Output:",
    "  stdout   only the blog post's CSV: the header `epoch,time,acc` (autoencoder: `epoch,time,loss`), then one line",
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
  const { values, given, explicit, positionals, help } = parseCommandLine(argv, OPTION_SPECS, { command: "cifar10" });
  if (help) return { options: null, explicit, given };

  if (positionals.length === 0) throw new UsageError(`missing model (mlp, cnn, autoencoder or airbench); ${USAGE}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; ${USAGE}`);
  const model = parseModel(positionals[0]);

  const airbench = model === "airbench";
  if (values.epochs !== undefined && !airbench && !isIntegerText(String(given.epochs))) {
    throw new UsageError(`--epochs: expected a positive integer, got '${given.epochs}'`);
  }
  const valueOf = (key: OptionKey, c: DefaultContext): unknown => values[key] ?? specOf(key).default(c);
  const first = { model, airbench, batchSize: "full", optimizer: "adam" } as const;
  const c: DefaultContext = {
    ...first,
    batchSize: valueOf("batchSize", first) as number | "full",
    optimizer: valueOf("optimizer", first) as OptimizerName,
  };
  if (airbench && c.optimizer !== "sgd") throw new UsageError(`--optimizer ${c.optimizer}: airbench's recipe is SGD with Nesterov momentum (--optimizer sgd)`);
  if (airbench && c.batchSize === "full") throw new UsageError(`--batch-size full: airbench trains on mini-batches (the recipe's ${AIRBENCH94.batchSize})`);
  const options = Object.fromEntries([["model", model], ...OPTION_SPECS.map((s) => [s.key, valueOf(s.key, c)])]) as Cifar10Options;
  if (options.cudaGraph && options.batchSize !== "full") {
    throw new UsageError("--cuda-graph needs --batch-size full (a graph replays one fixed-shape step)");
  }
  if (options.cudaGraph && options.amp === "fp16") {
    throw new UsageError("--cuda-graph cannot replay fp16 loss scaling (it decides on the host each step): use --amp bf16");
  }
  return { options, explicit, given };
}

function specOf(key: OptionKey): Cifar10Spec {
  return OPTION_SPECS.find((s) => s.key === key) as Cifar10Spec;
}

export function parseModel(s: string): ModelName {
  const m = MODEL_ALIASES[s] ?? s;
  if (!(MODELS as readonly string[]).includes(m)) {
    const hint = suggest(s, [...MODELS]);
    throw new UsageError(`unknown model '${s}' (expected mlp, cnn, autoencoder or airbench${hint ? `; did you mean ${hint}?` : ""})`);
  }
  return m as ModelName;
}
