// How the generator names things in JS: camelCase, reserved words, object keys.

export const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function " +
    "if import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval").split(" "),
);

/** snake_case -> camelCase, keeping leading and trailing underscores (`_foreach_add_` -> `_foreachAdd_`). */
export function camel(s) {
  const lead = /^_*/.exec(s)[0];
  const trail = /_*$/.exec(s.slice(lead.length))[0];
  const mid = s.slice(lead.length, s.length - trail.length);
  if (mid === "") return s;
  return lead + mid.replace(/_+([a-zA-Z0-9])/g, (_, c) => c.toUpperCase()) + trail;
}
export function paramName(s) {
  const c = camel(s);
  return RESERVED.has(c) ? `${c}_` : c;
}
export function key(s) {
  return /^[A-Za-z_$][\w$]*$/.test(s) ? s : JSON.stringify(s);
}

/**
 * The keys of src/core/op-ids.ts (`add_Tensor` for aten::add.Tensor, `neg` for aten::neg) that it
 * would not read back as their own overload, as it splits them (the whole key as a name first, then
 * at each `_` from the left): "key: a.b, not c.d" for each; [] when every key is unambiguous.
 */
export function idKeyClashes(overloadsByName) {
  const has = (name, overload) => overloadsByName.get(name)?.includes(overload) ?? false;
  const split = (k) => {
    if (has(k, "")) return [k, ""];
    for (let i = k.indexOf("_", 1); i > 0; i = k.indexOf("_", i + 1)) if (has(k.slice(0, i), k.slice(i + 1))) return [k.slice(0, i), k.slice(i + 1)];
    return null;
  };
  const clashes = [];
  for (const [name, overloads] of overloadsByName) {
    for (const o of overloads) {
      const k = o ? `${name}_${o}` : name;
      const [n2, o2] = split(k);
      if (n2 !== name || o2 !== o) clashes.push(`${k}: ${name}.${o}, read as ${n2}.${o2}`);
    }
  }
  return clashes;
}
