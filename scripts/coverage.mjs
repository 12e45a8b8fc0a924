#!/usr/bin/env node
// Coverage of PyTorch's public Python API by tstorch, read from the installed PyTorch itself
// (/usr/bin/python3, Debian's python3-torch, or TSTORCH_TEST_PYTHON) and checked against the built
// tstorch (dist/src/index.js): for every namespace of scripts/coverage-lib.mjs, which public names
// tstorch has under their camelCased name, which are missing, and which are left out on purpose.
//
//   node scripts/coverage.mjs            prints the summary (covered/total per namespace)
//   node scripts/coverage.mjs --write    also writes the linked version's section of docs/coverage.md
//                                        and docs/coverage-covered-MAJOR.MINOR.json (the names
//                                        test/coverage.test.ts requires to stay covered)
//   node scripts/coverage.mjs --json     prints the full result as JSON
//
// Run `npm run build` first (it reads dist/). The Python and the linked libtorch should be the same
// version (the Debian host: 1.13; the forky root of scripts/matrix.sh: 2.14); the script says so when not.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { NAMESPACES, camel, exclusionOf, has, recordedFile, resolve } from "./coverage-lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
for (const a of argv) {
  if (!["--write", "--json"].includes(a)) {
    console.error(`coverage: unknown argument '${a}' (--write, --json)`);
    process.exit(2);
  }
}
const PYTHON = process.env.TSTORCH_TEST_PYTHON ?? "/usr/bin/python3";

// Public names per namespace. Modules, typing aliases, constants and names imported from elsewhere
// (whose __module__ is not torch's) are not API of the namespace; classes count in torch.nn,
// torch.optim*, torch.nn.utils.* and torch.autograd, functions everywhere, methods for torch.Tensor.
const PY = String.raw`
import importlib, inspect, json, sys, types, warnings
warnings.simplefilter("ignore")
import torch
NS = json.loads(sys.argv[1])
CLASS_NS = {"torch.nn", "torch.optim", "torch.optim.lr_scheduler", "torch.optim.swa_utils", "torch.nn.utils.rnn",
            "torch.nn.utils.parametrize", "torch.nn.utils.parametrizations", "torch.autograd"}
def own(o, ns):
    m = getattr(o, "__module__", None)
    if m is None: return True  # builtins of torch._C (F.conv2d, torch.abs)
    if not m.startswith("torch"): return False
    # torch.optim.lr_scheduler re-exports Optimizer; torch.autograd.* re-exports torch.overrides helpers
    if ns.startswith("torch.optim") and m.startswith("torch.optim"):
        return m == ns or m.startswith(ns + ".") or ns == "torch.optim" or m == ns.rsplit(".", 1)[0] + "." + ns.rsplit(".", 1)[1]
    return True
out = {"version": torch.__version__, "namespaces": {}}
for ns in NS:
    try:
        if ns == "torch.Tensor":
            obj = torch.Tensor
        else:
            obj = importlib.import_module(ns)
    except Exception as e:
        out["namespaces"][ns] = {"error": str(e), "names": []}
        continue
    # a submodule's __all__ is authoritative where it has one (torch's and torch.autograd's are partial)
    listed = getattr(obj, "__all__", None) if ns not in ("torch", "torch.autograd", "torch.Tensor") else None
    names = []
    for n in sorted(listed if listed is not None else dir(obj)):
        if n.startswith("_"): continue
        try: o = getattr(obj, n)
        except Exception: continue
        if isinstance(o, types.ModuleType): continue
        if ns == "torch.Tensor":
            if callable(o) and not inspect.isclass(o): names.append(n)
            continue
        if listed is not None:
            if callable(o): names.append(n)
            continue
        m = getattr(o, "__module__", None) or ""
        if inspect.isclass(o):
            if ns not in CLASS_NS: continue
            # a class counts in the namespace that defines it (torch.nn.Module, not torch.nn.utils.parametrize.Module)
            if not m.startswith(ns if ns != "torch.nn" else "torch.nn") or m.startswith("torch._C"): continue
            if ns == "torch.optim" and issubclass(o, Exception): continue
            names.append(n)
            continue
        if not callable(o): continue
        if ns in ("torch", "torch.nn.functional"):
            # builtins of torch._C report "torch", "torch._C._nn" or nothing as their module
            if m != "" and (not m.startswith("torch") or m.startswith("torch._jit_internal") or m == "torch.overrides"
                            or m.startswith("torch._utils")):
                continue
        elif not m.startswith(ns):
            continue
        names.append(n)
    out["namespaces"][ns] = {"names": names}
print(json.dumps(out))
`;

function pythonNames() {
  const r = spawnSync(PYTHON, ["-c", PY, JSON.stringify(NAMESPACES.map((n) => n.py))], { encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.error !== undefined) throw new Error(`coverage: cannot run ${PYTHON}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`coverage: ${PYTHON} failed (status ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const torch = await import(pathToFileURL(join(root, "dist/src/index.js")).href);
const libtorch = torch.versions().libtorch;
const py = pythonNames();
const pyMM = py.version.split(".").slice(0, 2).join(".");
const ltMM = libtorch.split(".").slice(0, 2).join(".");
if (pyMM !== ltMM) console.error(`coverage: warning: PyTorch ${py.version} (${PYTHON}) is not the linked libtorch ${libtorch}`);

const result = { pytorch: py.version, libtorch, namespaces: [] };
for (const ns of NAMESPACES) {
  const entry = py.namespaces[ns.py];
  const obj = resolve(torch, ns.ts);
  const covered = [];
  const missing = [];
  const excluded = new Map();
  for (const n of entry.names) {
    const why = exclusionOf(ns.py, n, py.version);
    if (why !== null) {
      if (!excluded.has(why)) excluded.set(why, []);
      excluded.get(why).push(n);
    } else if (has(obj, n)) covered.push(n);
    else missing.push(n);
  }
  result.namespaces.push({
    py: ns.py,
    ts: ns.ts.length === 0 ? "torch" : `torch.${ns.ts.join(".")}`,
    what: ns.what,
    error: entry.error,
    covered,
    missing,
    excluded: [...excluded].map(([reason, names]) => ({ reason, names })),
  });
}

const total = (k) => result.namespaces.reduce((s, n) => s + n[k].length, 0);
const pct = (c, m) => (c + m === 0 ? "–" : `${((100 * c) / (c + m)).toFixed(1)} %`);

if (argv.includes("--json")) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`PyTorch ${py.version} names against tstorch on libtorch ${libtorch}`);
  for (const n of result.namespaces) {
    console.log(`  ${n.py.padEnd(34)} ${String(n.covered.length).padStart(4)}/${String(n.covered.length + n.missing.length).padEnd(4)} ${pct(n.covered.length, n.missing.length).padStart(8)}  (${n.excluded.reduce((s, e) => s + e.names.length, 0)} excluded)`);
  }
  console.log(`  ${"all".padEnd(34)} ${String(total("covered")).padStart(4)}/${String(total("covered") + total("missing")).padEnd(4)} ${pct(total("covered"), total("missing")).padStart(8)}`);
}

// ---------------------------------------------------------------- docs/coverage.md
const INTRO = `<!-- The sections below are GENERATED by scripts/coverage.mjs --write, one per libtorch version; do not edit them. -->
# PyTorch's API in tstorch

\`scripts/coverage.mjs\` asks the installed PyTorch (\`/usr/bin/python3\`) for the public names of each namespace below
and looks each one up in the built tstorch under its camelCased name (\`pack_padded_sequence\` →
\`torch.nn.utils.rnn.packPaddedSequence\`, \`kaiming_uniform_\` → \`torch.nn.init.kaimingUniform_\`, a method of
\`torch.Tensor\` on \`Tensor.prototype\`). Public means: not starting with \`_\`, not a module, not a typing alias or
constant, not imported from outside torch; classes count in torch.nn, torch.optim*, torch.nn.utils.* and
torch.autograd. A name counts as covered when tstorch has it, whatever its signature; the parity tests check behaviour.

Names left out on purpose are listed per namespace with the reason (the rules live in \`scripts/coverage-lib.mjs\`).
\`test/coverage.test.ts\` fails when a name recorded as covered for the linked version
(\`docs/coverage-covered-MAJOR.MINOR.json\`, written with this file) is no longer there.
`;

function section() {
  const lines = [`## libtorch ${libtorch} (PyTorch ${py.version})`, ""];
  lines.push("| namespace | tstorch | covered | total | % | excluded |", "|---|---|---:|---:|---:|---:|");
  for (const n of result.namespaces) {
    const ex = n.excluded.reduce((s, e) => s + e.names.length, 0);
    lines.push(`| \`${n.py}\` | \`${n.ts}\` | ${n.covered.length} | ${n.covered.length + n.missing.length} | ${pct(n.covered.length, n.missing.length)} | ${ex} |`);
  }
  lines.push(`| all | | ${total("covered")} | ${total("covered") + total("missing")} | ${pct(total("covered"), total("missing"))} | ${result.namespaces.reduce((s, n) => s + n.excluded.reduce((a, e) => a + e.names.length, 0), 0)} |`, "");
  lines.push("### Missing", "");
  for (const n of result.namespaces) {
    if (n.error !== undefined) lines.push(`- \`${n.py}\`: PyTorch could not import it (${n.error})`);
    else if (n.missing.length > 0) lines.push(`- \`${n.py}\` (${n.missing.length}): ${n.missing.map((x) => `\`${camel(x)}\``).join(", ")}`);
  }
  if (total("missing") === 0 && result.namespaces.every((n) => n.error === undefined)) lines.push("None: every counted name is there.");
  lines.push("", "### Left out, with the reason", "");
  const byReason = new Map();
  for (const n of result.namespaces) {
    for (const e of n.excluded) {
      if (!byReason.has(e.reason)) byReason.set(e.reason, []);
      byReason.get(e.reason).push(`${n.py === "torch.Tensor" ? "Tensor." : n.py === "torch" ? "torch." : n.py + "."}${e.names.join(", ")}`);
    }
  }
  for (const [reason, groups] of byReason) lines.push(`- ${reason}: ${groups.map((g) => `\`${g}\``).join("; ")}`);
  return lines.join("\n") + "\n";
}

function withSection(old) {
  const sections = new Map();
  for (const part of (old ?? "").split(/^(?=## libtorch )/m).slice(1)) sections.set(/^## libtorch (\S+)/.exec(part)[1], part.trimEnd() + "\n");
  sections.set(libtorch, section());
  const v = (s) => s.split(/\D+/).filter(Boolean).map(Number);
  const ordered = [...sections].sort((a, b) => {
    const [x, y] = [v(a[0]), v(b[0])];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
  return `${INTRO}\n${ordered.map(([, s]) => s).join("\n")}`;
}

if (argv.includes("--write")) {
  const md = join(root, "docs/coverage.md");
  writeFileSync(md, withSection(existsSync(md) ? readFileSync(md, "utf8") : null));
  const rec = {
    comment: "Written by scripts/coverage.mjs --write: PyTorch names tstorch covers on this libtorch version; test/coverage.test.ts requires each to stay.",
    pytorch: py.version,
    libtorch,
    namespaces: Object.fromEntries(result.namespaces.map((n) => [n.py, n.covered])),
  };
  const file = join(root, recordedFile(libtorch));
  writeFileSync(file, JSON.stringify(rec, null, 1) + "\n");
  console.log(`coverage: wrote docs/coverage.md (libtorch ${libtorch}) and ${recordedFile(libtorch)}`);
}
