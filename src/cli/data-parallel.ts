// The CLI's data-parallel mode: when a launcher (torchrun, or `tstorch run`) started this process
// (WORLD_SIZE and RANK set), the ranks join one Gloo group, the model is wrapped in
// DistributedDataParallel, and every rank trains on its slice of each global batch — so --batch-size
// stays the global batch, the step sequence is the one-process run's, and a checkpoint (the plain
// module's state and the global position) resumes on any world size. Rank 0 alone prints the CSV and
// writes the artifacts; the other ranks write theirs into a scratch folder that is removed at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../index.js";
import { UsageError } from "./errors.js";

export interface DataParallel {
  rank: number;
  worldSize: number;
  isMain: boolean;
  /** Where a rank other than 0 writes (never read). */
  scratch: string | null;
  wrap(model: torch.nn.Module): torch.nn.Module;
  /** This rank's contiguous slice of a batch. */
  shard(x: torch.Tensor, y: torch.Tensor | null): [torch.Tensor, torch.Tensor | null];
  /** Averages the epoch's loss sum over the ranks (each summed its slices' mean losses times the batch length). */
  reduceLoss(lossAcc: torch.Tensor): void;
  close(): void;
}

/** Joins the launcher's process group, or returns null when no launcher started this process. */
export function startDataParallel(): DataParallel | null {
  const { distributed: dist } = torch;
  let env;
  try {
    env = dist.launchEnv();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (env === null) return null;
  if (!dist.isAvailable()) throw new UsageError("started by a launcher, but this tstorch was built without torch.distributed (install libgloo-dev and rebuild)");
  const timeout = Number(process.env.TSTORCH_DIST_TIMEOUT_MS ?? 300_000);
  try {
    dist.initProcessGroup({ backend: "gloo", initMethod: "env://", timeout });
  } catch (e) {
    // a wrong world size, an unreachable master, a port in use: bad input (exit code 2)
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
  const { rank, worldSize } = env;
  const scratch = rank === 0 ? null : mkdtempSync(join(tmpdir(), `tstorch-rank${rank}-`));
  return {
    rank,
    worldSize,
    isMain: rank === 0,
    scratch,
    wrap: (model) => new torch.nn.parallel.DistributedDataParallel(model as torch.nn.Module),
    shard: (x, y) => {
      const n = x.shape[0]!;
      const start = Math.floor((rank * n) / worldSize);
      const len = Math.floor(((rank + 1) * n) / worldSize) - start;
      return [x.narrow(0, start, len), y === null ? null : y.narrow(0, start, len)];
    },
    reduceLoss: (lossAcc) => dist.allReduce(lossAcc, { op: "avg" }),
    close: () => {
      dist.destroyProcessGroup();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
