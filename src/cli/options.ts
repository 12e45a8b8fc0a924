// Command-line options for every `tstorch` command: one table per command gives the parser
// (node:util's parseArgs), the --help lines and, through the table's `help` text written from the
// same constants the defaults come from, the documented defaults — so a flag, its check and its
// documentation cannot drift apart. Parsing never touches the file system or libtorch.
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export interface OptionSpec<K extends string = string> {
  /** The long flag, `--name`. */
  flag: string;
  key: K;
  /** The value's placeholder in --help; absent for a flag that takes no value. */
  metavar?: string;
  /** Other spellings taken for the same option (torchrun's `--nproc_per_node`). */
  aliases?: readonly string[];
  help: string;
  /** Checks and converts a value, throwing a UsageError that names the flag; absent: the string as given. */
  parse?: (raw: string, flag: string) => unknown;
}

export interface CommandLine<K extends string> {
  /** The converted value of each option given. */
  values: Partial<Record<K, unknown>>;
  /** The raw values given, for the record (`true` for a flag). */
  given: Partial<Record<K, string | true>>;
  explicit: Set<K>;
  positionals: string[];
  /** -h or --help was given (the rest was still checked). */
  help: boolean;
}

export interface ParseSettings {
  /** The command's name, for "see tstorch <command> --help". */
  command: string;
  /** Put before every message (`tstorch run: `). */
  prefix?: string;
  /** The first positional ends the options: it and everything after it are the positionals (a command line to start). */
  stopAtPositional?: boolean;
}

/** Parses `argv` against `specs`. Throws a one-line UsageError at the first bad option. */
export function parseCommandLine<K extends string>(
  argv: readonly string[], specs: readonly OptionSpec<K>[], settings: ParseSettings,
): CommandLine<K> {
  const byName = new Map<string, OptionSpec<K>>();
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const spec of specs) {
    for (const flag of [spec.flag, ...(spec.aliases ?? [])]) {
      byName.set(flag.slice(2), spec);
      config[flag.slice(2)] = { type: spec.metavar === undefined ? "boolean" : "string" };
    }
  }
  // strict: false, so that an unknown option comes back as a token and gets a did-you-mean hint here
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const fail = (message: string): UsageError => new UsageError(`${settings.prefix ?? ""}${message}`);
  const line: CommandLine<K> = { values: {}, given: {}, explicit: new Set(), positionals: [], help: false };
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      line.positionals.push(...argv.slice(token.index + 1));
      break;
    }
    if (token.kind === "positional") {
      if (settings.stopAtPositional) {
        line.positionals.push(...argv.slice(token.index));
        break;
      }
      line.positionals.push(token.value);
      continue;
    }
    // as typed, for the messages (a short option group such as -xyz is reported whole)
    const flag = argv[token.index].split("=")[0];
    if (token.name === "help") {
      if (token.inlineValue) throw fail(`${flag} takes no value`);
      line.help = true;
      continue;
    }
    const spec = token.rawName.startsWith("--") ? byName.get(token.name) : undefined;
    if (spec === undefined) {
      const hint = suggest(flag, [...specs.map((s) => s.flag), "--help"]);
      throw fail(`unknown option ${flag}${hint ? ` (did you mean ${hint}?)` : ""}; see tstorch ${settings.command} --help`);
    }
    if (line.explicit.has(spec.key)) throw fail(`${flag} given twice`);
    let raw: string | true;
    if (spec.metavar === undefined) {
      if (token.inlineValue) throw fail(`${flag} takes no value`);
      raw = true;
    } else {
      if (token.value === undefined) throw fail(`${flag} needs a value (${spec.metavar})`);
      raw = token.value;
    }
    line.values[spec.key] = raw === true || spec.parse === undefined ? raw : spec.parse(raw, flag);
    line.given[spec.key] = raw;
    line.explicit.add(spec.key);
  }
  return line;
}

/** The --help line(s) of an option: flag and placeholder, then the help text wrapped in a column. */
export function optionHelp(spec: Pick<OptionSpec, "flag" | "metavar" | "help">, column = 26, width = 100): string {
  const left = `  ${spec.flag}${spec.metavar ? ` ${spec.metavar}` : ""}`;
  const pad = left.length >= column ? `\n${" ".repeat(column)}` : " ".repeat(column - left.length);
  return left + pad + wrap(spec.help, column, width);
}

function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/)) {
    if (line !== "" && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line === "" ? w : `${line} ${w}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** The closest candidate by edit distance, if close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

// ---- value checks shared by the option tables; each error names the flag and the value given

/** `<flag>: expected <what>, got '<raw>'` */
export function expected(flag: string, what: string, raw: string): UsageError {
  return new UsageError(`${flag}: expected ${what}, got '${raw}'`);
}

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** A whole number ≥ min (0 or 1), below 2^53, and at most `max()` where given (with why, for the error). */
export function integerValue(min: 0 | 1, max?: () => { n: number; why: string }): (raw: string, flag: string) => number {
  const what = min === 1 ? "a positive integer" : "a non-negative integer";
  return (raw, flag) => {
    if (!INTEGER.test(raw)) throw expected(flag, what, raw);
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw expected(flag, "an integer below 2^53", raw);
    if (n < min) throw expected(flag, what, raw);
    const limit = max?.();
    if (limit !== undefined && n > limit.n) throw new UsageError(`${flag} ${n}: at most ${limit.n} (${limit.why})`);
    return n;
  };
}

/** A finite number, > 0 ("positive") or ≥ 0 ("non-negative"). */
export function numberValue(sign: "positive" | "non-negative"): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const n = raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(n) || n < 0 || (sign === "positive" && n === 0)) throw expected(flag, `a ${sign} number`, raw);
    return n;
  };
}

/** One of `choices`, as given. */
export function choiceValue(choices: readonly string[]): (raw: string, flag: string) => string {
  return (raw, flag) => {
    if (!choices.includes(raw)) throw expected(flag, choices.join(", ").replace(/, ([^,]*)$/, " or $1"), raw);
    return raw;
  };
}

/** A path: anything but blank. */
export function pathValue(raw: string, flag: string): string {
  if (raw.trim() === "") throw expected(flag, "a path", raw);
  return raw;
}

/** INTEGER as a test, for the option tables' own kinds (a batch size or `full`). */
export function isIntegerText(raw: string): boolean {
  return INTEGER.test(raw);
}
