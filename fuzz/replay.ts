// Runs an operator case's description (what a fuzz report prints for it) in this process:
//   node dist/fuzz/replay.js 'torch.ops.aten.max_unpool2d.out(T([4, 4], "float32"), T([4, 4], "int64"), [], {out: T([0], "float32")})'
// Prints the result's shape, or the error. A crash ends the process with its signal.
import * as torch from "../src/index.js";
import { B, D, N, T, V, Z } from "./replay-helpers.js";

const code = process.argv[2];
if (!code) {
  console.error("usage: node dist/fuzz/replay.js 'torch.ops.aten.NAME.OVERLOAD(...)'");
  process.exit(2);
}
// as the fuzzer runs a case: the call, its results read back (toArray, what a lazy kernel may only
// do then: to_dense of a sparse result with indices out of range), then backward for B(...)
let body = code.replace(/;\s*(\/\/.*)?$/, "").trim();
const backward = body.startsWith("B(") && body.endsWith(")");
if (backward) body = body.slice(2, -1);
const fn = new Function("torch", "T", "V", "Z", "N", "D", "B", `return (${body});`);
function readBack(v: unknown, depth = 0): void {
  if (depth > 3) return;
  if (v instanceof torch.Tensor) {
    if (v.numel() <= 4096) v.toArray();
  } else if (Array.isArray(v)) for (const e of v) readBack(e, depth + 1);
}
try {
  const out = fn(torch, T, V, Z, N, D, B);
  readBack(out);
  if (backward) B(out);
  const show = (v: unknown): unknown => (v instanceof torch.Tensor ? `Tensor${JSON.stringify(v.shape)} ${v.dtype}` : Array.isArray(v) ? v.map(show) : v);
  console.log("result:", show(out));
  // churn the heap: a kernel that wrote out of bounds is caught here (with MALLOC_CHECK_=3)
  torch.dispose(Array.from({ length: 200 }, () => torch.rand([64, 64])));
  console.log("replay: finished");
} catch (e) {
  console.log("error:", e instanceof Error ? e.message.split("\n")[0] : e);
  process.exitCode = 1;
}
