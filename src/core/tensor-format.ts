// A Tensor's text as PyTorch prints it (torch/_tensor_str.py of 1.13, and 2.x's where it differs): `tensor([[1., 2.],\n        [3., 4.]])`,
// with the same number formatting (fixed, integer-valued or scientific, chosen from the values), the
// same line wrapping, summarisation with "..." and suffixes (device, dtype, grad_fn, requires_grad),
// under the options of torch.setPrintoptions (print-options.ts).
import { getDefaultDtype } from "./defaults.js";
import { isComplexDType } from "./dtype.js";
import { native } from "./native.js";
import { ops } from "./ops.js";
import { printOptions, type PrintOptions } from "./print-options.js";
import { torchAtLeast } from "./runtime.js";
import type { Tensor } from "./tensor.js";

type Value = number | boolean;
const aten = ops.aten as unknown as Record<string, (...args: unknown[]) => Tensor>;

/** Python's "{:.Nf}": "nan", "inf", and the sign of -0.0 kept (JS's toFixed drops it). */
function fixed(v: number, p: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  const s = Math.abs(v).toFixed(p);
  return v < 0 || Object.is(v, -0) ? `-${s}` : s;
}

/** Python's "{:.Ne}": two exponent digits at least ("1.0000e+05", where JS writes "1.0000e+5"). */
function exponential(v: number, p: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return fixed(v, p);
  const s = Math.abs(v).toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
  return v < 0 || Object.is(v, -0) ? `-${s}` : s;
}

/** PyTorch's _Formatter: one width and one notation for all the values shown. */
class Formatter {
  private intMode = true;
  private sciMode = false;
  maxWidth = 1;

  constructor(private readonly floating: boolean, values: readonly Value[], private readonly o: PrintOptions) {
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, plain(v).length);
      return;
    }
    const nz = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (nz.length === 0) return; // PyTorch returns before the sci_mode option is applied
    let min = Infinity;
    let max = 0;
    for (const v of nz) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    this.intMode = nz.every((v) => v === Math.ceil(v));
    const wide = max / min > 1000 || max > 1e8;
    const auto = this.intMode ? wide : wide || min < 1e-4;
    // PyTorch 2.x applies sci_mode before measuring the widths; 1.13 measured in the automatic
    // notation and applied the option after (so its columns differ when the option overrides it)
    this.sciMode = o.sciMode !== null && torchAtLeast(2, 0) ? o.sciMode : auto;
    if (this.intMode) for (const v of nz) this.widen(this.sciMode ? exponential(v, o.precision).length : fixed(v, 0).length + 1);
    else for (const v of nz) this.widen((this.sciMode ? exponential(v, o.precision) : fixed(v, o.precision)).length);
    if (o.sciMode !== null) this.sciMode = o.sciMode;
  }

  private widen(n: number): void {
    this.maxWidth = Math.max(this.maxWidth, n);
  }

  format(v: Value): string {
    let s: string;
    if (!this.floating) s = plain(v);
    else if (this.sciMode) s = exponential(v as number, this.o.precision);
    else if (this.intMode) s = fixed(v as number, 0) + (Number.isFinite(v) ? "." : "");
    else s = fixed(v as number, this.o.precision);
    return s.padStart(this.maxWidth);
  }
}

function plain(v: Value): string {
  return typeof v === "boolean" ? (v ? "True" : "False") : String(v);
}

/** The elements PyTorch's get_summarized_data keeps: the first and last `edge` of every dimension longer than 2·edge. */
function summarized(t: Tensor, edge: number): Tensor {
  let s = t;
  t.shape.forEach((n, d) => {
    if (n > 2 * edge) s = aten.cat([s.narrow(d, 0, edge), s.narrow(d, n - edge, edge)], d);
  });
  return s;
}

interface Body {
  shape: readonly number[]; // the original shape
  kept: readonly number[]; // the shape of the data below (summarised or not)
  re: readonly Value[];
  im: readonly number[] | null; // imaginary parts of a complex tensor
  summarize: boolean;
  f1: Formatter;
  f2: Formatter | null;
  o: PrintOptions;
}

function value(b: Body, i: number): string {
  if (b.f2 === null || b.im === null) return b.f1.format(b.re[i]);
  const real = b.f1.format(b.re[i]);
  const imag = `${b.f2.format(b.im[i])}j`.trimStart();
  return imag[0] === "+" || imag[0] === "-" ? real + imag : `${real}+${imag}`;
}

/** The indices along dimension `d` shown, with null where PyTorch writes "...". */
function shown(b: Body, d: number): (number | null)[] {
  const e = b.o.edgeitems;
  if (b.summarize && b.shape[d] > 2 * e) return [...range(0, e), null, ...range(e, 2 * e)];
  return range(0, b.kept[d]);
}

function range(a: number, z: number): number[] {
  return Array.from({ length: z - a }, (_, i) => a + i);
}

function render(b: Body, d: number, offset: number, indent: number): string {
  const dim = b.shape.length - d;
  if (dim === 0) return value(b, offset);
  const stride = b.kept.slice(d + 1).reduce((x, y) => x * y, 1);
  if (dim === 1) {
    const width = b.f1.maxWidth + 2 + (b.f2 === null ? 0 : b.f2.maxWidth + 1);
    const perLine = Math.max(1, Math.floor((b.o.linewidth - indent) / width));
    const data = shown(b, d).map((i) => (i === null ? " ..." : value(b, offset + i)));
    const lines: string[] = [];
    for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
    return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
  }
  const slices = shown(b, d).map((i) => (i === null ? "..." : render(b, d + 1, offset + i * stride, indent + 1)));
  return `[${slices.join(`,${"\n".repeat(dim - 1)}${" ".repeat(indent + 1)}`)}]`;
}

/** PyTorch's _tensor_str: the bracketed values, for a non-empty tensor. */
function body(t: Tensor, indent: number, o: PrintOptions): string {
  const summarize = t.numel() > o.threshold;
  let s = summarize ? summarized(t, o.edgeitems) : t;
  const complex = isComplexDType(t.dtype);
  if (t.dtype === "float16" || t.dtype === "bfloat16") s = s.float();
  const floating = complex || /^(float|bfloat)/.test(t.dtype);
  let re: Value[];
  let im: number[] | null = null;
  if (complex) {
    const pairs = aten.view_as_real(s.resolveConj()).double().flatten().toArray() as number[];
    re = pairs.filter((_, i) => i % 2 === 0);
    im = pairs.filter((_, i) => i % 2 === 1);
  } else {
    re = (floating ? s.double() : s).flatten().toArray() as Value[];
    re = re.map((v) => (typeof v === "bigint" ? Number(v) : v));
  }
  const f1 = new Formatter(floating, re, o);
  const f2 = im === null ? null : new Formatter(true, im, o);
  return render({ shape: t.shape, kept: s.shape, re, im, summarize, f1, f2, o }, 0, 0, indent);
}

/** PyTorch's _add_suffixes: ", suffix" on the last line while it fits the line width, else on a new line. */
function withSuffixes(text: string, suffixes: string[], indent: number, linewidth: number): string {
  let out = text;
  let last = text.length - text.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > linewidth) {
      out += `,\n${" ".repeat(indent)}${s}`;
      last = indent + s.length;
    } else {
      out += `, ${s}`;
      last += s.length + 2;
    }
  }
  return `${out})`;
}

const pyTuple = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`);

/** PyTorch's repr of a (strided, live) tensor. */
export function formatTensor(t: Tensor): string {
  const o = printOptions();
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const device = native.device(t._h);
  if (device !== "cpu") suffixes.push(`device='${device}'`);
  const dflt = getDefaultDtype();
  const dtype = t.dtype;
  let text: string;
  if (t.numel() === 0) {
    if (t.dim() !== 1) suffixes.push(`size=${pyTuple(t.shape)}`);
    if (dtype !== dflt) suffixes.push(`dtype=torch.${dtype}`);
    text = "[]";
  } else {
    const defaults = [dflt, dflt === "float64" ? "complex128" : "complex64", "int64", "bool"];
    if (!defaults.includes(dtype)) suffixes.push(`dtype=torch.${dtype}`);
    text = body(t, indent, o);
  }
  const gradFn = t.gradFn;
  if (gradFn !== null) suffixes.push(`grad_fn=<${gradFn}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return withSuffixes(prefix + text, suffixes, indent, o.linewidth);
}
