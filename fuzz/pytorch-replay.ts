// Translates an operator case's description (JavaScript over replay-helpers.ts) into the same
// call in PyTorch, for checking whether a crash is libtorch's own (PyTorch crashes the same way).
// Only descriptions made of tensors, numbers, strings, lists and keyword objects translate; JS-only
// values (functions, symbols, disposed tensors) give null.

const PRELUDE = `
import torch
nan = float("nan"); inf = float("inf")
def _fill(shape, dt, hi=2):
    d = getattr(torch, dt)
    if d.is_floating_point: return torch.rand(shape, dtype=d)
    if d == torch.bool: return torch.randint(0, 2, shape).bool()
    return torch.randint(0, hi, shape, dtype=d)
def T(shape, dt, strides=None):
    if strides is None: return _fill(shape, dt)
    need = 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    return torch.as_strided(_fill([need], dt), shape, strides)
def V(shape, dt, values): return torch.tensor(values, dtype=torch.float64).to(getattr(torch, dt)).reshape(shape)
def Z(shape, dt): return torch.ops.aten._efficientzerotensor(shape, dtype=getattr(torch, dt))
def N(shape, dt): return torch.ops.aten._neg_view(_fill(shape, dt))
def R(out, depth=0):
    # reads results back as the fuzzer does (tstorch's toArray: dense values of up to 4096 elements)
    if depth > 3: return
    if isinstance(out, torch.Tensor):
        if out.numel() <= 4096: (out.to_dense() if out.layout != torch.strided else out).tolist()
    elif isinstance(out, (tuple, list)):
        for e in out: R(e, depth + 1)
def B(out):
    t = out if isinstance(out, torch.Tensor) else next((x for x in out if isinstance(x, torch.Tensor)), None)
    if t is not None and t.requires_grad: t.sum().backward()
`;

/** Churns the heap after the call, so that a kernel that wrote out of bounds is caught (with MALLOC_CHECK_=3). */
export const HEAP_CHURN = `\n_churn = [torch.rand(64, 64) for _ in range(200)]\ndel _churn\nprint("pytorch-replay: finished")\n`;

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inStr) {
      cur += ch;
      if (ch === "\\") cur += s[++i];
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    if ("([{".includes(ch)) depth++;
    if (")]}".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function value(js: string): string | null {
  if (/=>|Symbol\(|new |D\(\)/.test(js)) return null;
  let out = "";
  const re = /"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*|-?\d+n\b|[^"A-Za-z_]+?/g;
  for (const tok of js.match(re) ?? []) {
    if (tok.startsWith('"')) out += tok;
    else if (tok === "true") out += "True";
    else if (tok === "false") out += "False";
    else if (tok === "null" || tok === "undefined") out += "None";
    else if (tok === "NaN") out += "nan";
    else if (tok === "Infinity") out += "inf";
    else if (tok === "torch.scalar") out += "float";
    else if (/^-?\d+n$/.test(tok)) out += tok.slice(0, -1);
    else if (tok.startsWith("{")) return null; // an object where PyTorch takes no dict
    else out += tok;
  }
  return out;
}

/** The PyTorch program for a description, or null when it does not translate. */
export function pytorchProgram(description: string): string | null {
  let code = description.replace(/;\s*(\/\/.*)?$/, "").trim();
  let backward = false;
  if (code.startsWith("B(") && code.endsWith(")")) {
    backward = true;
    code = code.slice(2, -1);
  }
  const m = /^(torch\.ops\.aten\.\w+\.\w+)\((.*)\)$/s.exec(code);
  if (!m) return null;
  const args = splitTopLevel(m[2]);
  const py: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i === args.length - 1 && a.startsWith("{")) {
      for (const kv of splitTopLevel(a.slice(1, -1))) {
        const c = kv.indexOf(":");
        const v = value(kv.slice(c + 1).trim());
        if (v === null) return null;
        py.push(`${kv.slice(0, c).trim()}=${v}`);
      }
      continue;
    }
    const v = value(a);
    if (v === null) return null;
    py.push(v);
  }
  const call = `${m[1]}(${py.join(", ")})`;
  return `${PRELUDE}\n_out = ${call}\nR(_out)\n${backward ? "B(_out)\n" : ""}`;
}
