// Perturbed operator calls: case i picks a random aten schema, builds fitting arguments, then
// perturbs them (op-perturb.ts) and calls it.
import * as torch from "../../src/index.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";
import { buildCall, describeCall, runCall, type OpCall } from "./op-call.js";
import { perturb } from "./op-perturb.js";
import { atenSchemas } from "./op-schemas.js";

function make(seed: number, index: number): OpCall {
  const rng = Rng.forCase(seed, "ops", index);
  const schemas = atenSchemas();
  const c = buildCall(schemas[rng.int(0, schemas.length - 1)], rng);
  perturb(c, rng);
  return c;
}

export function run(seed: number, index: number): CaseReport {
  torch.manualSeed(index);
  return torch.scope(() => runCall(make(seed, index)));
}

export function describe(seed: number, index: number): string {
  return torch.scope(() => describeCall(make(seed, index)));
}
