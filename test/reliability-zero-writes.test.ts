// Writing into a zero tensor (_efficientzerotensor) is refused by the binding (native/src/dispatch.cc,
// refuseZeroTensorWrite). libtorch 1.13's ZeroTensor fallback refuses most writes, but resize_
// passes through and calls the allocator the zero tensor's storage points to, a local of
// _efficientzerotensor gone when it returned: randn.out, kron.out and nuclear_norm.dim_out into a
// zero out= tensor segfaulted (found by the long fuzz run, seed 11). Each call runs in a child
// process, so that the test reports a crash instead of dying of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const INDEX = new URL("../src/index.js", import.meta.url).href;

/** Runs `body` (JS over `torch` and `z()`, a fresh zero tensor) in a child: its error message, "ok", or the signal. */
function inChild(body: string): string {
  const code = `
    import * as torch from ${JSON.stringify(INDEX)};
    const z = (shape = [0], dtype = "float32") => torch.ops.aten._efficientzerotensor(shape, { dtype });
    try { ${body}; console.log("RESULT ok"); } catch (e) { console.log("RESULT " + e.message.split("\\n")[0]); }
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, MALLOC_CHECK_: "3" } });
  if (r.signal) return `signal ${r.signal}`;
  return /RESULT (.*)/.exec(r.stdout)?.[1] ?? `exit ${r.status}: ${r.stderr.slice(-300)}`;
}

const REFUSED = (op: string, arg: string) =>
  `tstorch: aten::${op}: argument '${arg}' is a zero tensor (_efficientzerotensor), which cannot be written: ZeroTensors are immutable; write into a materialized one (z.clone())`;

test("out= a zero tensor that the kernel would resize: a clean error, not a segfault", () => {
  const cases: [string, string, string][] = [
    ["randn.out", "out", `torch.ops.aten.randn.out([1, 2, 3, 4], { out: z() })`],
    ["kron.out", "out", `torch.ops.aten.kron.out(torch.rand([4, 4, 1, 1]).to("bfloat16"), torch.rand([2, 3, 4]), { out: z() })`],
    ["nuclear_norm.dim_out", "out", `torch.ops.aten.nuclear_norm.dim_out(torch.rand([4, 4]), [0, 1], false, { out: z() })`],
    ["resize_", "self", `torch.ops.aten.resize_(z(), [2])`],
  ];
  for (const [op, arg, body] of cases) assert.equal(inChild(body), REFUSED(op, arg), op);
});

test("every other write into a zero tensor is refused as PyTorch refuses it; reads still work", () => {
  // PyTorch 1.13 refuses these with "ZeroTensors are immutable" (its ZeroTensor fallback)
  const py = runPython(
    `
    import torch
    out = []
    for f in [lambda z: z.add_(1), lambda z: z.fill_(2), lambda z: torch.add(torch.ones(2), 1, out=z)]:
        try:
            f(torch.ops.aten._efficientzerotensor([2])); out.append("ok")
        except RuntimeError as e:
            out.append(str(e).split(".")[0])
    OUTPUT = out
    `,
  ) as string[];
  assert.deepEqual(py, ["ZeroTensors are immutable", "ZeroTensors are immutable", "ZeroTensors are immutable"]);
  assert.equal(inChild(`z([2]).add_(1)`), REFUSED("add_.Scalar", "self"));
  assert.equal(inChild(`z([2]).fill_(2)`), REFUSED("fill_.Scalar", "self"));
  assert.equal(inChild(`torch.ops.aten.add.out(torch.ones([2]), torch.ones([2]), { out: z([2]) })`), REFUSED("add.out", "out"));
  // a zero tensor as an input is fine, and writing into its materialized clone works
  const z = torch.ops.aten._efficientzerotensor([2, 2]) as torch.Tensor;
  assert.deepEqual(torch.ones([2, 2]).add(z).toArray(), [[1, 1], [1, 1]]);
  assert.deepEqual(z.clone().add_(3).toArray(), [[3, 3], [3, 3]]);
  const out = torch.empty([0]);
  torch.ops.aten.add.out(z, torch.ones([2, 2]), { out });
  assert.deepEqual(out.toArray(), [[1, 1], [1, 1]]);
});
