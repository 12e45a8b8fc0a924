// Faults: a rank killed mid-training makes the other one fail fast with an error naming the lost rank;
// a rendezvous that cannot complete fails within its timeout with a clear message.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { launch, nodeRanks } from "./helpers/distributed.js";

describe("distributed faults", () => {
  it("a rank killed mid-training: the other exits within the timeout, naming the lost rank", { timeout: 60_000 }, async () => {
    let killedAt = 0;
    const rs = await launch(nodeRanks(2, "train-forever"), {
      timeoutMs: 50_000,
      env: { TEST_DIST_TIMEOUT_MS: "15000" },
      onLine: (rank, line, procs) => {
        if (rank === 1 && line === "step 3" && !killedAt) {
          killedAt = Date.now();
          procs[1]!.kill("SIGKILL");
        }
      },
    });
    assert.ok(killedAt > 0, "rank 1 reached step 3");
    const [r0, r1] = rs;
    assert.equal(r1!.signal, "SIGKILL");
    assert.notEqual(r0!.code, 0);
    assert.equal(r0!.signal, null, "rank 0 ended by itself (not killed at the harness's timeout)");
    assert.match(r0!.stderr, /DistributedError: tstorch\.distributed: rank 0: .*failed: rank 1 is gone \(lost rank 1, pid \d+\)/);
  });

  it("a wrong world size: the ranks that started fail within the timeout saying how many checked in", { timeout: 40_000 }, async () => {
    // two ranks started with WORLD_SIZE=3: the third never comes
    const rs = await launch(nodeRanks(2, "collectives"), { timeoutMs: 30_000, env: { WORLD_SIZE: "3", TEST_DIST_TIMEOUT_MS: "3000" } });
    for (const r of rs) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /rank \d of 3|did not form|timed out|Timed out/i);
    }
  });
});
