// Debian's torchrun starting tstorch ranks. On PyTorch 1.13 (Python 3.11) its defaults `--redirects 0
// --tee 0` crash the launcher (Std.from_str("0") is None: iterating an IntFlag no longer yields the
// zero member), so every command here passes `--redirects 9:0 --tee 9:0` — a mapping for a local rank
// that does not exist, which torchrun fills with "no redirect" for the real ranks. The test also
// asserts that crash on 1.x (and that the defaults work on 2.x), so that it notices when the workaround
// goes stale. Debian's PyTorch 2.x is built without libuv, yet the TCPStore that torchrun's rendezvous
// makes asks for it (Python's default use_libuv=True, which USE_LIBUV=0 does not reach there): such a
// torchrun starts no worker at all. There the test asserts that failure (to notice a fixed package) and
// runs the launcher's own main() with TCPStore told use_libuv=False (PATCHED_TORCHRUN) for the rest.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import * as torch from "../src/index.js";
import { freePort, WORKER } from "./helpers/distributed.js";
import { PYTHON } from "./helpers/python.js";

const root = resolve(import.meta.dirname, "..", "..");
const BIN = join(root, "bin", "tstorch.js");
const DATA = join(root, ".cache", "cifar10");
const TORCHRUN = "/usr/bin/torchrun";
const haveTorchrun = existsSync(TORCHRUN);
const haveData = existsSync(join(DATA, "cifar-10-batches-bin"));
const WORKAROUND = ["--redirects", "9:0", "--tee", "9:0"];
const torchMajor = Number(torch.versions().libtorch.split(".")[0]);
// (2.6 says "was build without", 2.14 "was built without")
const LIBUV_MISSING = /use_libuv was requested but PyTorch was buil[dt] without libuv support/;
// Whether this PyTorch's TCPStore, made as torchrun's rendezvous makes it, refuses for want of libuv.
const torchrunLacksLibuv =
  torchMajor >= 2 &&
  haveTorchrun &&
  LIBUV_MISSING.test(spawnSync(PYTHON, ["-c", "import torch.distributed as d; d.TCPStore('127.0.0.1', 0, 1, True, multi_tenant=True)"], { encoding: "utf8", timeout: 60_000 }).stderr ?? "");
const PATCHED_TORCHRUN = `
import sys
import torch.distributed as dist
import torch.distributed.elastic.rendezvous.c10d_rendezvous_backend as c10d_backend
import torch.distributed.elastic.rendezvous.static_tcp_rendezvous as static_tcp
make_store = dist.TCPStore
def tcp_store_without_libuv(*args, **kwargs):
    kwargs["use_libuv"] = False
    return make_store(*args, **kwargs)
static_tcp.TCPStore = c10d_backend.TCPStore = tcp_store_without_libuv
from torch.distributed.run import main
sys.argv[0] = "torchrun"
sys.exit(main())
`;
const LAUNCHER = torchrunLacksLibuv ? [PYTHON, "-c", PATCHED_TORCHRUN] : [TORCHRUN];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs torchrun on 127.0.0.1 with 2 ranks × 1 thread; kills its whole process group at the time limit. */
async function torchrun(launcherArgs: string[], program: string[], timeoutMs = 120_000, launcher = LAUNCHER): Promise<Run> {
  const port = await freePort();
  const args = ["--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", String(port), ...launcherArgs, "--no_python", ...program];
  const p = spawn(launcher[0]!, [...launcher.slice(1), ...args], {
    cwd: root,
    detached: true, // its own process group: the timer ends the agent and every rank with it
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, GLOO_SOCKET_IFNAME: "lo", OMP_NUM_THREADS: "1", TSTORCH_NUM_THREADS: "1", TSTORCH_DIST_TIMEOUT_MS: "60000", USE_LIBUV: "0" },
  });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (d) => (stdout += d));
  p.stderr.on("data", (d) => (stderr += d));
  const killAll = () => {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(killAll, timeoutMs);
  process.once("exit", killAll);
  const code = await new Promise<number | null>((ok) => p.on("close", ok));
  clearTimeout(timer);
  process.removeListener("exit", killAll);
  return { code, stdout, stderr };
}

describe(`torchrun (Debian's PyTorch ${torch.versions().libtorch}) starting tstorch`, { skip: !haveTorchrun && `${TORCHRUN} not installed` }, () => {
  if (torchMajor < 2)
    it("without the workaround its defaults crash before any worker starts (Python 3.11 IntFlag)", { timeout: 130_000 }, async () => {
      const r = await torchrun([], [process.execPath, "-e", "console.log('worker ran')"]);
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.stdout, /worker ran/);
      assert.match(r.stderr, /map\[i\] = val_or_map\.get\(i, Std\.NONE\)\n.*\nAttributeError: 'NoneType' object has no attribute 'get'/);
    });
  else if (torchrunLacksLibuv)
    it("a PyTorch built without libuv: torchrun fails before any worker starts, saying so", { timeout: 130_000 }, async () => {
      const r = await torchrun([], [process.execPath, "-e", "console.log('worker ran')"], 120_000, [TORCHRUN]);
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.stdout, /worker ran/);
      assert.match(r.stderr, LIBUV_MISSING);
    });
  else
    it("its defaults start the workers (the 1.13 launcher's IntFlag crash is gone)", { timeout: 130_000 }, async () => {
      const r = await torchrun([], [process.execPath, "-e", "console.log('worker ran')"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.match(/worker ran/g)?.length, 2, r.stdout);
    });

  it("--redirects 9:0 --tee 9:0: two tstorch ranks join one process group by env:// and all-reduce", { timeout: 130_000 }, async () => {
    const r = await torchrun(WORKAROUND, [process.execPath, WORKER, "collectives"]);
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .sort((a, b) => a.rank - b.rank);
    assert.deepEqual(results.map((j) => [j.rank, j.n]), [[0, 2], [1, 2]]);
    for (const j of results) {
      assert.deepEqual(j.allReduce_sum, [3, 29]); // [1, 10] + [2, 19]
      assert.deepEqual(j.allReduce_max, [2, 19]);
      assert.deepEqual(j.broadcast, [7, 8, 9]);
    }
  });

  it("torchrun ... --no_python tstorch cifar10 cnn trains data-parallel: rank 0 alone prints and writes", { skip: !haveData && "CIFAR-10 not prepared in .cache/cifar10", timeout: 130_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "tstorch-torchrun-"));
    try {
      const cli = [process.execPath, BIN, "cifar10", "cnn", "--data", DATA, "--batch-size", "128", "--limit-train", "1280", "--limit-test", "500", "--epochs", "1", "--out", out, "--quiet"];
      const r = await torchrun(WORKAROUND, cli);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      // two ranks that had not joined one group would each print a header and a row
      assert.deepEqual(lines, ["epoch,time,acc", lines[1]], `one header and one row: ${r.stdout}`);
      assert.match(lines[1]!, /^1,[0-9.]+,0\.[0-9]{5}$/);
      assert.ok(readdirSync(out).includes("final.safetensors"));
      const csv = readFileSync(join(out, "metrics.csv"), "utf8").trim().split("\n");
      assert.equal(csv.length, 2, csv.join("\n"));
      // the same ranks started by `tstorch run` give the same training loss: the same data-parallel path
      const out2 = mkdtempSync(join(tmpdir(), "tstorch-torchrun-ref-"));
      try {
        const ref = await new Promise<Run>((ok) => {
          const p = spawn(process.execPath, [BIN, "run", "--nproc-per-node", "2", "--", ...cli.slice(0, -3), "--out", out2, "--quiet"], {
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, GLOO_SOCKET_IFNAME: "lo", OMP_NUM_THREADS: "1", TSTORCH_NUM_THREADS: "1" },
          });
          let stdout = "";
          let stderr = "";
          p.stdout.on("data", (d) => (stdout += d));
          p.stderr.on("data", (d) => (stderr += d));
          const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
          p.on("close", (code) => (clearTimeout(timer), ok({ code, stdout, stderr })));
        });
        assert.equal(ref.code, 0, ref.stderr);
        const trainLoss = (dir: string) => readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n")[1]!.split(",")[2];
        assert.equal(trainLoss(out), trainLoss(out2));
      } finally {
        rmSync(out2, { recursive: true, force: true });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
