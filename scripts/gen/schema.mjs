// Parses operator schema strings ("aten::cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",
// as libtorch's registry prints them) into
// { namespace, name, overload, args: [{ name, type, def, kwargOnly, writes }], returns: [{ name, type }] },
// with alias annotations ("(a!)", "(a -> *)") stripped from the types and kept as `writes`.

/** Splits `s` at commas outside brackets, parentheses and quotes. */
function splitTop(s) {
  const out = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote && s[i - 1] !== "\\") quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== "") out.push(last);
  return out;
}

/** "Tensor(a!)[]" -> { type: "Tensor[]", writes: true }; "Tensor(a -> *)" -> { type: "Tensor", writes: false }. */
function parseType(raw) {
  let writes = false;
  const type = raw.replace(/\(([^)]*)\)/g, (_, alias) => {
    if (alias.includes("!")) writes = true;
    return "";
  });
  return { type, writes };
}

/** The type token ends at the first space outside parentheses ("Tensor(a -> *) self"). */
function splitTypeAndRest(s) {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === " " && depth === 0) return [s.slice(0, i), s.slice(i + 1).trim()];
  }
  return [s, ""];
}

export function parseSchema(func) {
  const open = func.indexOf("(");
  const arrow = func.lastIndexOf(") -> ");
  if (open < 0 || arrow < 0) throw new Error(`cannot parse schema: ${func}`);
  const full = func.slice(0, open);
  const sep = full.indexOf("::");
  const namespace = sep < 0 ? null : full.slice(0, sep);
  const [name, overload = ""] = full.slice(sep < 0 ? 0 : sep + 2).split(".");
  const args = [];
  let kwargOnly = false;
  for (const part of splitTop(func.slice(open + 1, arrow))) {
    if (part === "*") {
      kwargOnly = true;
      continue;
    }
    const [rawType, rest] = splitTypeAndRest(part);
    const eq = rest.indexOf("=");
    const argName = eq < 0 ? rest : rest.slice(0, eq);
    const def = eq < 0 ? null : rest.slice(eq + 1);
    const { type, writes } = parseType(rawType);
    args.push({ name: argName, type, def, kwargOnly, writes });
  }
  let ret = func.slice(arrow + 5).trim();
  const returns = [];
  if (ret.startsWith("(")) ret = ret.slice(1, -1);
  for (const part of splitTop(ret)) {
    const [rawType, retName] = splitTypeAndRest(part);
    const { type, writes } = parseType(rawType);
    returns.push({ name: retName || null, type, writes });
  }
  return { namespace, name, overload, args, returns };
}
