// The instance member names of a class in TypeScript source or in a declaration file, without the
// TypeScript compiler (which an app installing tstorch need not have): the generator leaves the
// Tensor members that src/core/tensor.ts writes by hand (dist/src/core/tensor.d.ts once installed)
// to their own signatures. A small scanner: comments, strings, template literals and regular
// expressions are skipped; members are read at the class body's top level.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MODIFIERS = new Set(["public", "private", "protected", "readonly", "async", "declare", "override", "abstract", "accessor", "get", "set"]);
const REGEX_AFTER = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "return", "typeof", "case", "=>", "&&", "||"]);

/** Tokens of `text`: identifiers, string literals (as `"`), punctuation; nothing inside comments, strings, templates, regexes. */
export function tokenize(text) {
  const tokens = [];
  let i = 0;
  const n = text.length;
  const prev = () => (tokens.length ? tokens[tokens.length - 1].t : ";");
  // a template literal from its opening backquote; nested ${ ... } scanned as code
  const skipTemplate = () => {
    i++;
    while (i < n && text[i] !== "`") {
      if (text[i] === "\\") i += 2;
      else if (text[i] === "$" && text[i + 1] === "{") {
        i += 2;
        let depth = 1;
        while (i < n && depth > 0) {
          const c = text[i];
          if (c === "{") depth++;
          else if (c === "}") depth--;
          else if (c === "`") {
            skipTemplate();
            continue;
          } else if (c === '"' || c === "'") {
            skipString(c);
            continue;
          }
          i++;
        }
      } else i++;
    }
    i++;
  };
  const skipString = (q) => {
    i++;
    while (i < n && text[i] !== q) i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i) < 0 ? n : text.indexOf("\n", i);
    else if (c === "/" && text[i + 1] === "*") i = text.indexOf("*/", i + 2) < 0 ? n : text.indexOf("*/", i + 2) + 2;
    else if (c === '"' || c === "'") {
      const start = i;
      skipString(c);
      tokens.push({ t: '"', text: text.slice(start + 1, i - 1) });
    } else if (c === "`") {
      skipTemplate();
      tokens.push({ t: "`" });
    } else if (c === "/" && REGEX_AFTER.has(prev())) {
      i++;
      let inClass = false;
      while (i < n && (inClass || text[i] !== "/")) {
        if (text[i] === "\\") i++;
        else if (text[i] === "[") inClass = true;
        else if (text[i] === "]") inClass = false;
        i++;
      }
      i++;
      while (i < n && /[a-z]/.test(text[i])) i++;
      tokens.push({ t: "/re/" });
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 200));
      tokens.push({ t: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][\w.]*/.exec(text.slice(i, i + 100));
      tokens.push({ t: "0" });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      const t = ["=>", "&&", "||", "?.", "??"].includes(two) ? two : c;
      tokens.push({ t });
      i += t.length;
    }
  }
  return tokens;
}

const OPEN = new Set(["{", "(", "["]);
const CLOSE = new Set(["}", ")", "]"]);
const isIdent = (t) => /^[A-Za-z_$][\w$]*$/.test(t);

/** Instance member names (methods, accessors, properties) of `class className` in `text`. */
export function classMembers(text, className) {
  const tk = tokenize(text);
  let k = tk.findIndex((x, j) => x.t === "class" && tk[j + 1]?.t === className);
  if (k < 0) throw new Error(`gen-aten: no class ${className} found`);
  while (k < tk.length && tk[k].t !== "{") k++;
  k++;
  const names = new Set();
  // one member per iteration: its name, then to its end (a `;` or the `}` of its body, at the top level)
  while (k < tk.length && tk[k].t !== "}") {
    if (tk[k].t === ";" || tk[k].t === ",") {
      k++;
      continue;
    }
    let isStatic = false;
    while (tk[k].t === "static" || (MODIFIERS.has(tk[k].t) && (isIdent(tk[k + 1].t) || tk[k + 1].t === '"' || tk[k + 1].t === "["))) {
      if (tk[k].t === "static") isStatic = true;
      k++;
    }
    if (!isStatic && tk[k].t !== "constructor" && (isIdent(tk[k].t) || tk[k].t === '"')) names.add(tk[k].t === '"' ? tk[k].text : tk[k].t);
    // to the member's end
    let depth = 0;
    for (; k < tk.length; k++) {
      const t = tk[k].t;
      if (OPEN.has(t)) depth++;
      else if (CLOSE.has(t)) {
        if (depth === 0) break; // the class body's own `}`
        depth--;
        if (depth === 0 && t === "}") {
          // a body ends the member unless a type goes on (`x: { a: number } | null;`)
          const next = tk[k + 1]?.t;
          if (!["|", "&", "[", "=", ".", "?", ":", ","].includes(next)) {
            k++;
            break;
          }
        }
      } else if (t === ";" && depth === 0) {
        k++;
        break;
      }
    }
  }
  return names;
}

/**
 * The Tensor members written by hand: the class of src/core/tensor.ts and the concern classes it
 * puts on the prototype (src/core/tensor-*.ts, src/nn/tensor-losses.ts); in a package, their .d.ts.
 */
export function handWrittenTensorMembers(root) {
  const source = existsSync(join(root, "src/core/tensor.ts"));
  const dir = join(root, source ? "src" : "dist/src");
  const ext = source ? ".ts" : ".d.ts";
  if (!existsSync(join(dir, `core/tensor${ext}`))) throw new Error("gen-aten: neither src/core/tensor.ts nor dist/src/core/tensor.d.ts is there");
  const concerns = readdirSync(join(dir, "core")).filter((f) => f.startsWith("tensor-") && f.endsWith(ext) && (source ? !f.endsWith(".d.ts") : true));
  const files = [`core/tensor${ext}`, ...concerns.map((f) => `core/${f}`), `nn/tensor-losses${ext}`];
  const names = new Set();
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length - 1; i++) {
      if (tokens[i].t === "class" && /^Tensor\w*$/.test(tokens[i + 1].t)) for (const m of classMembers(text, tokens[i + 1].t)) names.add(m);
    }
  }
  return names;
}
