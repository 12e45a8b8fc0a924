// The fast path of the generated Tensor methods: for an operator whose overloads take plain arguments
// (tensors, numbers, booleans, strings, int lists), the method checks its arguments inline and calls
// the overload by its dispatcher id (as a hand-written member would), and hands anything else
// (keyword objects, dtypes, bigints, wrong types, errors) to the generic binder (src/core/ops.ts),
// which gives the same result, only slower. So a method that only forwards to one overload needs no
// hand-written member.
//
// Which overload: the generic binder tries them in registration order (aten-order.js) and takes the
// first that binds. The fast path may take overload k only where no earlier overload can bind what
// k's check admits: k is the first, or every earlier one rejects, at some argument k requires, the
// kinds of value k admits there (aten::add.Scalar after add.Tensor: a number is no Tensor).
import { paramName } from "./names.mjs";

/** Kinds of JS value: what a check admits and what the generic binder accepts. */
const KINDS_OF = {
  Tensor: ["tensor"], int: ["number"], SymInt: ["number"], float: ["number", "floatScalar"], bool: ["boolean"],
  Scalar: ["number", "boolean", "bigint", "floatScalar", "complex"], str: ["string"], ScalarType: ["string"],
  Layout: ["string"], MemoryFormat: ["string"], Device: ["string", "device"],
};
const ALL_KINDS = ["tensor", "number", "boolean", "bigint", "string", "array", "floatScalar", "complex", "device", "null", "undefined"];

/** The kinds the generic binder accepts for an argument (ops.ts fits(), plus a default's undefined). */
function acceptedKinds(arg) {
  const optional = arg.type.endsWith("?");
  const base = optional ? arg.type.slice(0, -1) : arg.type;
  const kinds = new Set();
  if (optional) kinds.add("null");
  if (arg.def !== null) kinds.add("undefined");
  if (base.endsWith("]")) {
    kinds.add("array");
    if (/^(int|SymInt)\[\d+\]$/.test(base)) kinds.add("number");
  } else if (KINDS_OF[base]) for (const k of KINDS_OF[base]) kinds.add(k);
  else if (!optional && !UNPASSABLE_OK.has(base)) for (const k of ALL_KINDS) kinds.add(k); // unknown: assume anything
  return kinds;
}
const UNPASSABLE_OK = new Set(["Dimname", "Generator", "Storage", "Stream", "QScheme"]); // accept no value

/**
 * The inline check of one argument `v` and its lowered value, with the kinds it admits; null when the
 * fast path cannot take this type (it then admits only `undefined`, where the argument has a default).
 */
function fastArg(arg, v) {
  const optional = arg.type.endsWith("?");
  const base = optional ? arg.type.slice(0, -1) : arg.type;
  let test;
  let lowered = v;
  let kinds;
  if (base === "Tensor") {
    test = `${v} instanceof Tensor`;
    lowered = optional ? `(${v} instanceof Tensor ? ${v}._h : ${v})` : `${v}._h`;
    kinds = ["tensor"];
  } else if (base === "int" || base === "SymInt") [test, kinds] = [`Number.isInteger(${v})`, ["number"]];
  else if (base === "float") [test, kinds] = [`typeof ${v} === "number"`, ["number"]];
  else if (base === "bool") [test, kinds] = [`typeof ${v} === "boolean"`, ["boolean"]];
  else if (base === "Scalar") [test, kinds] = [`(typeof ${v} === "number" || typeof ${v} === "boolean")`, ["number", "boolean"]];
  else if (base === "str" && !arg.named) [test, kinds] = [`typeof ${v} === "string"`, ["string"]];
  else if (/^(int|SymInt)\[\d*\]$/.test(base)) [test, kinds] = [`isInts(${v})`, ["array"]];
  else {
    if (arg.def === null) return null;
    return { test: `${v} === undefined`, lowered: v, kinds: ["undefined"] };
  }
  if (optional) {
    test = `(${v} === null || ${test})`;
    kinds = [...kinds, "null"];
  }
  if (arg.def !== null) {
    test = `(${v} === undefined || ${test})`;
    kinds = [...kinds, "undefined"];
  }
  return { test, lowered, kinds };
}

/** How a result comes back: null when the fast path cannot give it as the generic binder does. */
function resultOf(schema, argVals) {
  const written = schema.args.flatMap((a, i) => (a.writes && a.type === "Tensor" ? [i] : []));
  const rets = schema.returns.map((r) => r.type);
  if (written.length === 1 && rets.length === 1 && rets[0] === "Tensor") {
    return (call) => `{ callInPlace(${call}); return ${argVals[written[0]]}; }`;
  }
  if (written.length > 0) return null;
  if (rets.length === 1 && rets[0] === "Tensor") return (call) => `return wrap(callPooled(${call}));`;
  if (rets.length === 1 && rets[0] === "Tensor[]") return (call) => `return wrapAll(callPooled(${call}));`;
  if (rets.length === 1 && ["bool", "int", "float"].includes(rets[0])) return (call) => `return callPooled(${call});`;
  return null;
}

/**
 * The text of a Tensor method `jsName` of aten::NAME with a fast path for the overloads that have one,
 * or null (the method then binds every call generically). `overloads`: every overload of the name, in
 * the order the binder tries them, as { schema, named }; `idOf(schema)` is the expression of its id.
 */
export function fastMethod(jsName, overloads, idOf) {
  // where the binder puts the tensor; -1 where it cannot (no self, or a Scalar self: aten::where.ScalarSelf)
  const selfIndexOf = (s) => s.args.findIndex((a) => a.name === "self" && !a.kwargOnly && a.type === "Tensor");
  const branches = [];
  let maxArgs = 0;
  for (let k = 0; k < overloads.length; k++) {
    const { schema, named } = overloads[k];
    const self = selfIndexOf(schema);
    if (self < 0 || schema.args.some((a) => a.kwargOnly && a.writes)) continue; // out= ones: generically
    const others = schema.args.filter((_, i) => i !== self);
    const vals = others.map((a, i) => `a${i}`);
    const checks = others.map((a, i) => fastArg({ ...a, named }, vals[i]));
    if (checks.some((c) => c === null)) continue;
    const argVals = [];
    let j = 0;
    for (let i = 0; i < schema.args.length; i++) argVals.push(i === self ? "this" : vals[j++]);
    const result = resultOf(schema, argVals);
    if (result === null) continue;
    // no earlier overload may bind what this one admits
    const shadowed = overloads.slice(0, k).some(({ schema: e }) => {
      if (selfIndexOf(e) !== self) return selfIndexOf(e) >= 0; // (placed otherwise: cannot tell, be safe)
      const eOthers = e.args.filter((_, i) => i !== selfIndexOf(e));
      return !others.some((a, i) => {
        if (a.def !== null) return false; // k admits undefined here, which e may take as its default
        const accepted = i < eOthers.length ? acceptedKinds(eOthers[i]) : new Set(["undefined"]);
        return checks[i].kinds.every((kind) => !accepted.has(kind));
      });
    });
    if (shadowed) continue;
    maxArgs = Math.max(maxArgs, others.length);
    const lowered = schema.args.map((_, i) => (i === self ? "this._h" : checks[i < self ? i : i - 1].lowered));
    const call = [idOf(schema), ...lowered].join(", ");
    const test = [`arguments.length <= ${others.length}`, ...checks.map((c) => c.test)].join(" && ");
    branches.push(`    if (${test}) ${result(call)}`);
  }
  if (branches.length === 0) return null;
  const params = Array.from({ length: maxArgs }, (_, i) => `a${i}`).join(", ");
  return `function ${paramName(jsName)}(${params}) {\n${branches.join("\n")}\n    return callAten(${JSON.stringify(overloads[0].schema.name)}, [...arguments], this);\n  }`;
}

/** src/generated/tensor-methods.js: every [method, operator, fast implementation or null], installed on Tensor. */
export function tensorMethodsJs(HEADER, idVars, methodTable) {
  return `${HEADER}import { callAten, callInPlace, callPooled, installMethods, isInts, opId, wrap, wrapAll } from "../core/aten-runtime.js";
import { Tensor } from "../core/tensor.js";

// Dispatcher ids of the overloads that the fast paths call, each resolved at its first call.
let ${idVars.map(([v]) => `${v} = -1`).join(", ") || "unused = -1"};

/**
 * [method name, ATen operator, implementation]; installMethods skips the members that Tensor defines
 * itself. An implementation checks plain arguments inline and calls one overload by its id, and binds
 * anything else generically (scripts/gen/fast-methods.mjs); null: always generically.
 */
installMethods(Tensor, [
${methodTable.map(([js, n, fast]) => `  [${JSON.stringify(js)}, ${JSON.stringify(n)}, ${fast === null ? "null" : fast}],`).join("\n")}
]);
`;
}
