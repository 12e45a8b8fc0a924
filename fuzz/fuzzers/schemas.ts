// Every aten schema once, with fitting arguments: case i calls the i-th schema (op-schemas.ts order).
import * as torch from "../../src/index.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";
import { buildCall, describeCall, runCall } from "./op-call.js";
import { atenSchemas } from "./op-schemas.js";

export function total(): number {
  return atenSchemas().length;
}

export function run(seed: number, index: number): CaseReport {
  const rng = Rng.forCase(seed, "schemas", index);
  torch.manualSeed(index);
  return torch.scope(() => runCall(buildCall(atenSchemas()[index], rng)));
}

export function describe(seed: number, index: number): string {
  const rng = Rng.forCase(seed, "schemas", index);
  return torch.scope(() => describeCall(buildCall(atenSchemas()[index], rng)));
}
