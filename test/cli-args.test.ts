// `tstorch cifar10` option parsing and --help, in process and as a subprocess (no data needed:
// parsing happens before libtorch or CIFAR-10 are touched).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_EPOCHS, DEFAULT_LR, OPTION_SPECS, cifar10Help, parseCifar10Args } from "../src/cli/args.js";
import { UsageError } from "../src/cli/errors.js";
import { runCli, tmpDir, listDir } from "./helpers/cli.js";
import * as path from "node:path";

test("defaults are the seed's: full batch, Adam, per-model lr, tch init, auto device", () => {
  for (const model of ["mlp", "cnn", "autoencoder"] as const) {
    const { options, explicit } = parseCifar10Args([model]);
    assert.ok(options);
    assert.equal(explicit.size, 0);
    assert.equal(options.batchSize, "full");
    assert.equal(options.optimizer, "adam");
    assert.equal(options.lr, DEFAULT_LR[model]);
    assert.equal(options.init, "tch");
    assert.equal(options.device, "auto");
    assert.equal(options.epochs, DEFAULT_EPOCHS.full[model]);
    assert.ok(Number.isInteger(options.epochs) && options.epochs > 0);
  }
  assert.deepEqual([DEFAULT_LR.mlp, DEFAULT_LR.cnn, DEFAULT_LR.autoencoder], [1e-2, 1e-3, 1e-2]);
  assert.equal(parseCifar10Args(["ae"]).options?.model, "autoencoder");
  assert.equal(parseCifar10Args(["cnn", "--batch-size", "64"]).options?.epochs, DEFAULT_EPOCHS.minibatch.cnn);
  assert.equal(parseCifar10Args(["cnn", "--optimizer", "adamw"]).options?.weightDecay, 0.01);
  assert.equal(parseCifar10Args(["--", "cnn"]).options?.model, "cnn");
  assert.equal(parseCifar10Args(["cnn", "--help"]).options, null);
});

test("every option parses in both --opt value and --opt=value forms", () => {
  const { options, explicit } = parseCifar10Args([
    "cnn", "--data", "d", "--epochs=7", "--lr", "3e-4", "--optimizer=sgd", "--momentum", "0.5",
    "--weight-decay", "0", "--init", "torch", "--device", "cuda:1", "--seed", "0", "--threads", "3", "--out", "o",
    "--resume", "r.safetensors", "--quiet", "--limit-train", "100", "--limit-test=50", "--eval-batch", "25",
    "--amp", "bf16", "--channels-last", "--cudnn-benchmark", "--tf32", "--cuda-graph", "--batch-size=full",
  ]);
  assert.deepEqual(options, {
    model: "cnn", data: "d", epochs: 7, batchSize: "full", lr: 3e-4, optimizer: "sgd", momentum: 0.5, weightDecay: 0,
    init: "torch", device: "cuda:1", seed: 0, threads: 3, out: "o", resume: "r.safetensors", quiet: true,
    limitTrain: 100, limitTest: 50, evalBatch: 25,
    amp: "bf16", channelsLast: true, cudnnBenchmark: true, tf32: true, cudaGraph: true,
  });
  assert.equal(explicit.size, OPTION_SPECS.length);
});

test("bad values are one-line UsageErrors naming the option", () => {
  const cases: [string[], RegExp][] = [
    [["resnet"], /unknown model 'resnet'/],
    [[], /missing model/],
    [["cnn", "--foo"], /unknown option --foo/],
    [["cnn", "--ephocs", "3"], /did you mean --epochs\?/],
    [["cnn", "--epochs", "-3"], /--epochs: expected a positive integer, got '-3'/],
    [["cnn", "--epochs", "0"], /--epochs: expected a positive integer/],
    [["cnn", "--epochs", "ten"], /--epochs: expected a positive integer, got 'ten'/],
    [["cnn", "--epochs", "2.5"], /--epochs: expected a positive integer/],
    [["cnn", "--epochs"], /--epochs needs a value/],
    [["cnn", "--lr", "abc"], /--lr: expected a positive number, got 'abc'/],
    [["cnn", "--lr", "-1e-3"], /--lr: expected a positive number/],
    [["cnn", "--lr", "Infinity"], /--lr: expected a positive number/],
    [["cnn", "--momentum", "-0.1"], /--momentum: expected a non-negative number/],
    [["cnn", "--seed", "-1"], /--seed: expected a non-negative integer/],
    [["cnn", "--batch-size", "0"], /--batch-size: expected a positive integer or 'full'/],
    [["cnn", "--batch-size", "half"], /--batch-size: expected a positive integer or 'full'/],
    [["cnn", "--optimizer", "rmsprop"], /--optimizer: expected adam, adamw or sgd/],
    [["cnn", "--init", "xavier"], /--init: expected tch or torch/],
    [["cnn", "--device", "gpu"], /--device: expected auto, cpu, cuda or cuda:N/],
    [["cnn", "--threads", "0"], /--threads: expected a positive integer/],
    [["cnn", "--quiet=yes"], /--quiet takes no value/],
    [["cnn", "--epochs", "2", "--epochs", "3"], /--epochs given twice/],
    [["cnn", "mlp"], /unexpected argument 'mlp'/],
    [["cnn", "-x"], /^unknown option -x; see tstorch cifar10 --help$/],
    [["cnn", "-epochs", "3"], /unknown option -epochs \(did you mean --epochs\?\)/],
    [["cnn", "--epochs", "--lr"], /--epochs: expected a positive integer, got '--lr'/],
    [["cnn", "--help=yes"], /--help takes no value/],
    [["cnn", "--", "--epochs"], /unexpected argument '--epochs'/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCifar10Args(argv), (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"), argv.join(" "));
  }
});

test("--help documents every option", async () => {
  const help = cifar10Help();
  for (const s of OPTION_SPECS) assert.ok(help.includes(s.flag), `${s.flag} missing from --help`);
  for (const word of ["epoch,time,acc", "epoch,time,loss", "metrics.csv", "chart.svg", "chart.png", "final.safetensors",
    "best.safetensors", "config.json", "org_0", "defer_0", "130", "143"]) {
    assert.ok(help.includes(word), `${word} missing from --help`);
  }
  // the defaults it states are the parser's
  const flat = help.replace(/\s+/g, " ");
  for (const m of ["mlp", "cnn", "autoencoder"] as const) {
    assert.ok(flat.includes(`${DEFAULT_EPOCHS.full[m]} (${m}`) && flat.includes(`${DEFAULT_EPOCHS.minibatch[m]} (${m})`), m);
    assert.ok(flat.includes(`${DEFAULT_LR[m].toExponential()} (${m})`), m);
  }
  const r = await runCli(["cifar10", "--help"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${help}\n`);
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /cifar10/);
});

test("CLI: bad options exit 2 with a one-line message and write nothing", async (t) => {
  const dir = tmpDir(t);
  const out = path.join(dir, "out");
  const cases: [string[], RegExp][] = [
    [["cifar10", "resnet"], /unknown model 'resnet'/],
    [["cifar10", "cnn", "--frobnicate"], /unknown option --frobnicate/],
    [["cifar10", "cnn", "--epochs", "-5"], /--epochs: expected a positive integer, got '-5'/],
    [["cifar10", "cnn", "--lr", "fast"], /--lr: expected a positive number, got 'fast'/],
    [["cifar10", "cnn", "--batch-size", "-1"], /--batch-size/],
    [["train", "cnn"], /unknown command 'train'/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli([...argv, "--out", out]);
    assert.equal(r.code, 2, `${argv.join(" ")}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, re);
    assert.match(r.stderr, /^tstorch: error: [^\n]+\n$/);
  }
  assert.deepEqual(listDir(dir), []);
});
