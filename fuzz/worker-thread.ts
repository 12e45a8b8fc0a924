// One worker of fuzzers/workers.ts: calls operators as fast as it can, most of them for the first
// time in the process (the operator tables are filled on first use), while other workers do the same.
import { parentPort, workerData } from "node:worker_threads";
import * as torch from "../src/index.js";
import { classifyError } from "./classify.js";
import { Rng } from "./rng.js";
import { buildCall, runCall } from "./fuzzers/op-call.js";
import { atenSchemas } from "./fuzzers/op-schemas.js";

const { seed, worker, calls } = workerData as { seed: number; worker: number; calls: number };
const rng = Rng.forCase(seed, "worker", worker);
// public operators only: internal ones (leading underscore, *_backward, quantized, backend-specific)
// take no argument checks, and a kernel crash there would hide the races this looks for
const INTERNAL = /^aten::_|backward|quantiz|mkldnn|fbgemm|cudnn|miopen|nested|sparse|histogram|lstm|gru|rnn/;
const schemas = atenSchemas().filter((s) => !INTERNAL.test(s.name));
const problems: string[] = [];
let errors = 0;
for (let i = 0; i < calls; i++) {
  // valid calls of common operators must succeed: an error here is a race, not a bad argument
  try {
    torch.scope(() => {
      const a = torch.rand([3, 4]);
      const b = a.add(1).mul(a).relu().matmul(a.t()).sum().item();
      const c = (torch.ops.aten as unknown as Record<string, (...x: unknown[]) => torch.Tensor>).cumsum(a, 1).toArray();
      if (!Number.isFinite(b) || !Array.isArray(c)) throw new Error(`wrong values ${b}`);
    });
  } catch (e) {
    problems.push(`valid call failed: ${classifyError(e).detail}`);
  }
  // then a random schema, most likely its first call in the process
  const r = torch.scope(() => runCall(buildCall(schemas[rng.int(0, schemas.length - 1)], rng)));
  if (r.outcome === "error") errors++;
  if (r.outcome === "unclear" || /takes \d+ arguments, got/.test(r.detail ?? "")) problems.push(`${r.what}: ${r.detail}`);
}
parentPort!.postMessage({ errors, problems: problems.slice(0, 5) });
