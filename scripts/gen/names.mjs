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
