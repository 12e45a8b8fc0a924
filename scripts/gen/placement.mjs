// Reads scripts/gen/placement.txt (written by scripts/gen/placement.py from ATen's
// native_functions.yaml of every supported PyTorch): where each operator goes in the typed surface.
import { readFileSync } from "node:fs";

const CODES = { "-": [], f: ["function"], m: ["method"], fm: ["function", "method"] };

/**
 * Map of operator name -> { module: string | null, variantsOf(overload): string[], named: Set } (the
 * overload "" is the one with no name; `named` holds the overloads whose `str` arguments are Dimnames);
 * operators absent from the table are not placed.
 */
export function readPlacement(file) {
  const table = new Map();
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (line.startsWith("#") || line.trim() === "") return;
    const [name, codes, ...rest] = line.trim().split(/\s+/);
    const bad = () => new Error(`gen-aten: ${file}:${i + 1}: cannot read '${line}'`);
    if (!Object.hasOwn(CODES, codes)) throw bad();
    const module = rest[0]?.startsWith("@") ? rest.shift().slice(1) : null;
    const overloads = new Map();
    const named = new Set();
    for (const r of rest) {
      const [o, c] = r.split("=");
      if (o === "named" && c !== undefined) {
        for (const x of c.split(",")) named.add(x === "default" ? "" : x);
        continue;
      }
      if (c === undefined || !Object.hasOwn(CODES, c)) throw bad();
      overloads.set(o === "default" ? "" : o, CODES[c]);
    }
    table.set(name, { module, named, variantsOf: (overload) => overloads.get(overload) ?? CODES[codes] });
  });
  return table;
}
