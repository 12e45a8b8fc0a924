// Dispatcher ids of ATen overloads, for the hand-written calls that name one overload (a call by id
// skips overload resolution). Keyed `name_overload` (`add_Tensor` is aten::add.Tensor, `add__Scalar`
// aten::add_.Scalar, `neg` the overload with no name), for every overload of the linked libtorch: the
// keys are read from the generator's list of them (src/generated/aten-order.js), so no table is
// written by hand. Typed by key pattern, not by the linked version's schema, so that the same source
// compiles against every libtorch; test/op-ids.test.ts checks that every key the source names exists.
//
// Resolve at module load by destructuring, `const { add_Tensor, neg } = ids;`: a call then costs a
// constant's read. Only the keys named anywhere are resolved. A key this libtorch lacks (another
// version's overload) resolves to an id that fails when called, naming the overload; never at load.
import { native } from "./native.js";
import { OVERLOAD_ORDER } from "../generated/aten-order.js";

/** `ids.NAME_OVERLOAD`: the dispatcher id of aten::NAME.OVERLOAD of the linked libtorch. */
export type OpIds = { readonly [key: string]: number };

/** Ids the addon never hands out (it counts from 0): one per overload this libtorch lacks. */
const MISSING_BASE = 0xfff00000;
const missing: string[] = [];
const resolved = new Map<string, number>();

function overloadsOf(name: string): readonly string[] | undefined {
  return Object.hasOwn(OVERLOAD_ORDER, name) ? OVERLOAD_ORDER[name] : undefined;
}

/** [name, overload] of a key, or null when the linked libtorch has no such overload. */
export function splitKey(key: string): [string, string] | null {
  if (overloadsOf(key)?.includes("")) return [key, ""];
  // the generator checks that at most one split names an overload (scripts/gen/gen-aten.mjs)
  for (let i = key.indexOf("_", 1); i > 0; i = key.indexOf("_", i + 1)) {
    const name = key.slice(0, i);
    if (overloadsOf(name)?.includes(key.slice(i + 1))) return [name, key.slice(i + 1)];
  }
  return null;
}

function resolve(key: string): number {
  let id = resolved.get(key);
  if (id !== undefined) return id;
  const op = splitKey(key);
  if (op !== null) id = native.opId(op[0], op[1]);
  else {
    id = MISSING_BASE + missing.length;
    missing.push(key);
    process.emitWarning(`tstorch: the linked libtorch ${native.versions().libtorch} has no ATen overload '${key}'; calling it will fail`);
  }
  resolved.set(key, id);
  return id;
}

export const ids: OpIds = new Proxy({} as OpIds, {
  get: (_t, key) => (typeof key === "string" ? resolve(key) : undefined),
  has: (_t, key) => typeof key === "string" && splitKey(key) !== null,
});

/** Throws for an id of an overload this libtorch lacks (the callers check `id >= MISSING_BASE` first). */
export function missingOverload(id: number): Error {
  const key = missing[id - MISSING_BASE] ?? `#${id}`;
  return new Error(`tstorch: this libtorch (${native.versions().libtorch}) has no ATen overload '${key}' (written aten::NAME.OVERLOAD as NAME_OVERLOAD); it came with another libtorch version`);
}
export { MISSING_BASE };

/** The ids of the named overloads, resolved now, as a plain object (one property read per call). */
export function opIds<const Key extends string>(...keys: Key[]): { readonly [k in Key]: number } {
  return Object.fromEntries(keys.map((k) => [k, resolve(k)])) as { [k in Key]: number };
}
