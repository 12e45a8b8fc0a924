// What the parity case tables share: the namespaces they call and the input distributions.
import * as torch from "../../src/index.js";
import type { ParityCase } from "../helpers/parity.js";

export const F = torch.functional;
export const s = torch.scalar;
export const pos = { uniform: [0.2, 3] } as const; // strictly positive inputs (log, sqrt, pow bases, divisors)

/** A unary elementwise case on a [3,4] input. */
export function unary(op: string, dist: ParityCase["inputs"][string]["dist"], ts: (x: torch.Tensor) => torch.Tensor, py: string, name = "[3,4]"): ParityCase[] {
  return [{ op, name, inputs: { x: { shape: [3, 4], dist } }, ts: ({ x }) => ts(x), py }];
}
