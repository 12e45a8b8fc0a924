// The aten operator schemas, in a fixed order (so that case i means the same operator in every
// run of the same build), as the addon lists them.
import { native } from "../../src/core/native.js";

export interface FuzzArg {
  name: string;
  type: string;
  hasDefault: boolean;
  kwargOnly: boolean;
  writes: boolean;
}
export interface FuzzSchema {
  name: string; // aten::add
  overload: string; // Tensor ("" for the default one)
  args: FuzzArg[];
  returns: string[];
}

let cached: FuzzSchema[] | null = null;

export function atenSchemas(): FuzzSchema[] {
  if (cached) return cached;
  cached = native
    .schemas()
    .filter(([name]) => name.startsWith("aten::"))
    .map(([name, overload, args, returns]) => ({
      name, overload, returns,
      args: args.map(([n, type, hasDefault, kwargOnly, writes]) => ({ name: n, type, hasDefault, kwargOnly, writes })),
    }))
    .sort((a, b) => key(a).localeCompare(key(b)));
  return cached;
}

export function key(s: { name: string; overload: string }): string {
  return s.overload ? `${s.name}.${s.overload}` : s.name;
}
