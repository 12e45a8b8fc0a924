// torch.set_printoptions / torch.get_printoptions: the process-wide options a Tensor's display
// (tensor-format.ts) reads, PyTorch's torch/_tensor_str.py PRINT_OPTS with its defaults and profiles.

export interface PrintOptions {
  /** Digits after the decimal point of floating output (default 4). */
  precision: number;
  /** Elements above which the display is summarised with "..." (default 1000; Infinity: never). */
  threshold: number;
  /** Items shown at the start and at the end of each summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line before a row wraps (default 80). */
  linewidth: number;
  /** true: always scientific notation; false: never; null: chosen from the values, as PyTorch does. */
  sciMode: boolean | null;
}

export interface SetPrintOptions extends Partial<PrintOptions> {
  /** PyTorch's presets: "default", "short" (precision 2, 2 edge items) or "full" (never summarised). */
  profile?: "default" | "short" | "full";
}

const PROFILES: Record<NonNullable<SetPrintOptions["profile"]>, Omit<PrintOptions, "sciMode">> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

const opts: PrintOptions = { ...PROFILES.default, sciMode: null };

/**
 * PyTorch's `torch.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)`:
 * the profile first, then the options given. As in PyTorch, `sciMode` is reset to automatic (null)
 * by every call that does not name it.
 */
export function setPrintoptions(o: SetPrintOptions = {}): void {
  if (o.profile !== undefined) {
    const p = PROFILES[o.profile];
    if (p === undefined) throw new Error(`setPrintoptions: unknown profile '${String(o.profile)}' (default, short or full)`);
    Object.assign(opts, p);
  }
  for (const k of ["precision", "edgeitems", "linewidth"] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) throw new Error(`setPrintoptions: ${k} must be a non-negative integer, got ${v}`);
    opts[k] = v;
  }
  if (o.threshold !== undefined) {
    if (!(o.threshold >= 0)) throw new Error(`setPrintoptions: threshold must be a non-negative number, got ${o.threshold}`);
    opts.threshold = o.threshold;
  }
  opts.sciMode = o.sciMode ?? null;
}

/** The current print options (a copy). */
export function getPrintoptions(): PrintOptions {
  return { ...opts };
}

/** The live options, for the formatter (not a copy; not exported from the package). */
export function printOptions(): Readonly<PrintOptions> {
  return opts;
}
