// Runs an operator case's description (what a fuzz report prints for it) in this process:
//   node dist/fuzz/replay.js 'torch.ops.aten.max_unpool2d.out(T([4, 4], "float32"), T([4, 4], "int64"), [], {out: T([0], "float32")})'
// Prints the result's shape, or the error. A crash ends the process with its signal.
import * as torch from "../src/index.js";
import { B, D, N, T, Z } from "./replay-helpers.js";

const code = process.argv[2];
if (!code) {
  console.error("usage: node dist/fuzz/replay.js 'torch.ops.aten.NAME.OVERLOAD(...)'");
  process.exit(2);
}
const fn = new Function("torch", "T", "Z", "N", "D", "B", `return (${code.replace(/;\s*(\/\/.*)?$/, "")});`);
try {
  const out = fn(torch, T, Z, N, D, B);
  const show = (v: unknown): unknown => (v instanceof torch.Tensor ? `Tensor${JSON.stringify(v.shape)} ${v.dtype}` : Array.isArray(v) ? v.map(show) : v);
  console.log("result:", show(out));
  // churn the heap: a kernel that wrote out of bounds is caught here (with MALLOC_CHECK_=3)
  torch.dispose(Array.from({ length: 200 }, () => torch.rand([64, 64])));
  console.log("replay: finished");
} catch (e) {
  console.log("error:", e instanceof Error ? e.message.split("\n")[0] : e);
  process.exitCode = 1;
}
