// The CLI's data-parallel mode: `tstorch run` starts 2 ranks of `tstorch cifar10 cnn`; rank 0 alone prints
// the CSV and writes the artifacts; its checkpoint resumes in one process; bad distributed settings
// (wrong world size, unreachable master, port in use) end with a clear error and exit code 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { freePort } from "./helpers/distributed.js";

const root = resolve(import.meta.dirname, "..", "..");
const BIN = join(root, "bin", "tstorch.js");
const DATA = join(root, ".cache", "cifar10");
const haveData = existsSync(join(DATA, "cifar-10-batches-bin"));
const small = ["--data", DATA, "--batch-size", "128", "--limit-train", "1280", "--limit-test", "500"];

function tstorch(args: string[], env: Record<string, string> = {}, timeout = 90_000) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout, env: { ...process.env, GLOO_SOCKET_IFNAME: "lo", ...env } });
}

describe("CLI data-parallel", { skip: !haveData && "CIFAR-10 not prepared in .cache/cifar10" }, () => {
  it("tstorch run -- tstorch cifar10 cnn: one CSV, artifacts from rank 0, resumable in one process", { timeout: 150_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), "tstorch-dp-"));
    try {
      const r = tstorch(["run", "--nproc-per-node", "2", "--", process.execPath, BIN, "cifar10", "cnn", ...small, "--epochs", "1", "--out", out, "--quiet"]);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      assert.deepEqual(lines[0], "epoch,time,acc");
      assert.equal(lines.length, 2, `one header and one row (rank 0 alone prints): ${r.stdout}`);
      assert.ok(readdirSync(out).includes("final.safetensors"));
      const again = tstorch(["cifar10", "cnn", "--resume", join(out, "final.safetensors"), "--epochs", "2", "--quiet", "--threads", "1"]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /^2,/m);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("a rank that fails ends the others: tstorch run returns its code", { timeout: 60_000 }, () => {
    const r = tstorch(["run", "--nproc-per-node", "2", "--", process.execPath, "-e", "if (process.env.RANK === '1') process.exit(3); setTimeout(() => {}, 60000)"], {}, 30_000);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /rank 1 exited with code 3; ending the other ranks/);
  });

  it("wrong world size, unreachable master, port in use: exit code 2 with a clear error", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const env = { MASTER_ADDR: "127.0.0.1", MASTER_PORT: String(port), TSTORCH_DIST_TIMEOUT_MS: "2000" };
    const cmd = ["cifar10", "cnn", ...small, "--epochs", "1", "--out", join(tmpdir(), `tstorch-dp-none-${process.pid}`)];
    const alone = tstorch(cmd, { ...env, RANK: "0", WORLD_SIZE: "2" });
    assert.equal(alone.status, 2, alone.stderr);
    assert.match(alone.stderr, /rank 0 of 2: the process group did not form within 2000 ms/);
    const noMaster = tstorch(cmd, { ...env, RANK: "1", WORLD_SIZE: "2" });
    assert.equal(noMaster.status, 2, noMaster.stderr);
    assert.match(noMaster.stderr, new RegExp(`rank 1 cannot reach the master at 127\\.0\\.0\\.1:${port} within 2000 ms`));
    const srv = createServer();
    await new Promise<void>((ok) => srv.listen(port, "0.0.0.0", ok));
    try {
      const inUse = await new Promise<ReturnType<typeof tstorch>>((ok) => setImmediate(() => ok(tstorch(cmd, { ...env, RANK: "0", WORLD_SIZE: "2" }))));
      assert.equal(inUse.status, 2, inUse.stderr);
      assert.match(inUse.stderr, new RegExp(`rank 0 cannot serve the store on 127\\.0\\.0\\.1:${port}: the port is in use`));
    } finally {
      srv.close();
    }
  });
});
