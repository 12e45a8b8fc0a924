// Runs a Python snippet with Debian's /usr/bin/python3 (the one with PyTorch; a bare `python3` may
// be a pyenv without it) for tests that compare against PyTorch.
//
//   const out = runPython(`
//     import torch
//     OUTPUT = {"sum": torch.tensor(INPUT["xs"]).sum().item()}
//   `, { xs: [1, 2, 3] });
//
// The snippet is dedented and run at top level. `INPUT` holds the JSON-decoded input (null when none
// is given); whatever the snippet assigns to `OUTPUT` comes back JSON-decoded. torch tensors,
// numpy arrays, tuples and sets inside OUTPUT are converted to lists. Floats travel as Python's
// shortest round-trip repr, so float32 and float64 values arrive bit-exact. Non-finite numbers
// travel as the strings "NaN", "Infinity" and "-Infinity" and are turned back into numbers.
// Anything the snippet prints is ignored. A Python error throws, with Python's traceback.
import { spawnSync } from "node:child_process";

export const PYTHON = process.env.TSTORCH_TEST_PYTHON ?? "/usr/bin/python3";

const MARK = "@@tstorch-runPython-output@@";

const WRAPPER = `
import json, math, sys, textwrap

def _finite(o):
    if isinstance(o, float):
        if math.isnan(o): return "NaN"
        if math.isinf(o): return "Infinity" if o > 0 else "-Infinity"
        return o
    if isinstance(o, dict): return {str(k): _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple, set)): return [_finite(v) for v in o]
    return _default(o)

def _default(o):
    mod = type(o).__module__
    if mod.startswith("torch"):
        import torch
        if isinstance(o, torch.Tensor): return _finite(o.detach().cpu().tolist())
        if isinstance(o, torch.Size): return list(o)
    if mod.startswith("numpy"):
        import numpy as np
        if isinstance(o, np.ndarray): return _finite(o.tolist())
        if isinstance(o, np.generic): return _finite(o.item())
    return o

_g = {"__name__": "__snippet__", "INPUT": json.loads(sys.stdin.read() or "null"), "OUTPUT": None}
exec(compile(textwrap.dedent(sys.argv[1]), "<runPython snippet>", "exec"), _g)
sys.stdout.write("\\n${MARK}" + json.dumps(_finite(_g["OUTPUT"]), allow_nan=False) + "\\n")
sys.stdout.flush()
`;

export interface RunPythonOptions {
  /** default 300 s */
  timeoutMs?: number;
  /** extra environment variables */
  env?: Record<string, string>;
}

/** Runs `code` with /usr/bin/python3, `INPUT` = input; returns the snippet's `OUTPUT`. */
export function runPython(code: string, input?: unknown, opts: RunPythonOptions = {}): unknown {
  const r = spawnSync(PYTHON, ["-c", WRAPPER, code], {
    input: JSON.stringify(input === undefined ? null : input),
    encoding: "utf8",
    maxBuffer: 1 << 30,
    timeout: opts.timeoutMs ?? 300_000,
    env: { ...process.env, ...opts.env },
  });
  if (r.error) throw new Error(`runPython: could not run ${PYTHON}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`runPython: ${PYTHON} exited with ${r.status ?? r.signal}\n${r.stderr.trim()}`);
  }
  const at = r.stdout.lastIndexOf(MARK);
  if (at < 0) throw new Error(`runPython: no output from the snippet\n${r.stderr.trim()}`);
  return JSON.parse(r.stdout.slice(at + MARK.length), (_k, v) =>
    v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v,
  );
}

/** Removes the common leading indentation of the non-blank lines (to join snippets written at different depths). */
export function dedent(code: string): string {
  const lines = code.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
  const n = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(Math.min(n, /^[ \t]*/.exec(l)![0].length))).join("\n");
}
