// PyTorch's calling convention for constructors: the arguments PyTorch takes positionally, in its
// order, then one trailing options object for the rest (`new nn.Conv2d(1, 32, 3, 1, { bias: false })`,
// `new nn.Conv2d(1, 32, 3, { stride: 1 })`). One home for that merge, so every constructor that
// accepts both forms checks them the same way (a name given twice, too many positionals).

/**
 * The optional tail of a constructor: any prefix of the positional arguments `P` (PyTorch's order),
 * then optionally the options object `O`. `PyArgs<[stride: number, padding: number], O>` is
 * `[O?] | [stride, O?] | [stride, padding, O?]`.
 */
export type PyArgs<P extends readonly unknown[], O> = P extends readonly [...infer I, unknown]
  ? PyArgs<I, O> | [...P, O?]
  : [O?];

/** A plain `{ ... }` object: what an options object is and no positional argument (tensors, arrays, functions) is. */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The options object that the positional arguments `args` (named by `names`, PyTorch's order,
 * camelCased) and a trailing options object describe together. `undefined` positionals are skipped
 * (PyTorch's default). Throws naming `what` when an argument is given twice or there are too many.
 */
export function pyArgs<O extends object>(what: string, names: readonly string[], args: readonly unknown[]): O {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  let opts: Record<string, unknown> = {};
  if (n > 0 && isOptionsObject(args[n - 1])) {
    opts = args[n - 1] as Record<string, unknown>;
    n--;
  }
  for (let i = 0; i < n; i++) {
    if (isOptionsObject(args[i])) {
      throw new Error(`tstorch: ${what}: the options object must come last; optional argument ${i + 1} (${names[i] ?? "beyond the positional ones"}) is an object`);
    }
  }
  if (n > names.length) {
    const list = names.length === 0 ? "none" : names.join(", ");
    throw new Error(`tstorch: ${what} takes at most ${names.length} more positional argument(s) (${list}) before its options object, got ${n}`);
  }
  const out: Record<string, unknown> = { ...opts };
  for (let i = 0; i < n; i++) {
    const v = args[i];
    if (v === undefined) continue;
    const k = names[i]!;
    if (opts[k] !== undefined) throw new Error(`tstorch: ${what}: '${k}' is given twice (positionally and in the options object)`);
    out[k] = v;
  }
  return out as O;
}
