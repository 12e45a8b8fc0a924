// The tstorch loop that bench/per-op-instructions.ts counts under callgrind: `add` or `chain`, N times,
// exactly as bench/worker-tstorch.ts times them (one libtorch thread).
import * as torch from "../src/index.js";

torch.setNumThreads(1);
const [kind, nArg] = process.argv.slice(2);
const n = Number(nArg);
if (kind === "add") {
  const x = torch.rand([4]);
  const y = torch.rand([4]);
  for (let i = 0; i < n; i++) x.add(y).dispose();
} else if (kind === "chain") {
  const a = torch.rand([64, 64]);
  const b = torch.rand([64, 64]);
  const c = torch.rand([64, 64]);
  for (let i = 0; i < n; i++) {
    torch.scope(() => {
      let x = a;
      for (let k = 0; k < 4; k++) x = x.add(b).mul(c).sub(b).relu().mul(0.5);
    });
  }
} else {
  console.error("per-op-loop: add|chain N");
  process.exit(2);
}
process.exit(0);
