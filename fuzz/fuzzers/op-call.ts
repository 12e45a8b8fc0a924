// One operator call by schema: fitting arguments (op-values.ts), optionally perturbed
// (op-perturb.ts), made through torch.ops.aten.NAME.OVERLOAD(...), its results read back.
import * as torch from "../../src/index.js";
import { isComplexDType, isFloatingDType } from "../../src/core/dtype.js";
import { classifyError } from "../classify.js";
import { knownCrasherFor } from "../known-crashers.js";
import type { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";
import { fittingValue, randomShape, type ShapeContext } from "./op-values.js";
import { key, type FuzzSchema } from "./op-schemas.js";

export interface OpCall {
  schema: FuzzSchema;
  positional: unknown[];
  kwargs: Record<string, unknown> | null;
  /** what the perturbations did, for the report */
  notes: string[];
  /** backward through the first result */
  backward: boolean;
}

export function buildCall(schema: FuzzSchema, rng: Rng): OpCall {
  const ctx: ShapeContext = {
    base: rng.bool(0.15) ? randomShape(rng) : rng.pick([[2, 3], [3], [2, 3, 4], [1, 2, 3, 4], [4, 4]]),
    dtype: rng.bool(0.8) ? "float32" : rng.pick(["float64", "int64", "bool", "int32"] as const),
  };
  const positional: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  // leave some trailing defaulted positionals out (the addon applies the schema's defaults)
  const args = schema.args;
  let lastPositional = args.filter((a) => !a.kwargOnly).length;
  while (lastPositional > 0 && args[lastPositional - 1].hasDefault && rng.bool(0.5)) lastPositional--;
  let i = 0;
  for (const a of args) {
    if (a.kwargOnly) {
      if (!a.hasDefault || rng.bool(0.3)) kwargs[a.name] = a.writes ? torch.empty([0]) : fittingValue(a, ctx, rng);
      continue;
    }
    if (i++ >= lastPositional) continue;
    positional.push(fittingValue(a, ctx, rng));
  }
  return { schema, positional, kwargs: Object.keys(kwargs).length > 0 ? kwargs : null, notes: [], backward: false };
}

/**
 * A value as JavaScript source over the replay helpers of replay-helpers.ts (T: a random tensor, V: an
 * integer or bool tensor with its exact values,
 * Z: a zero tensor, N: a negative view, D: a disposed tensor), so that a case's description is its
 * replay, in tstorch and (translated by pytorch-replay.ts) in PyTorch.
 */
/** Integer and bool tensors up to this many elements are described with their values (V). */
const MAX_EXACT = 128;

export function describeValue(v: unknown): string {
  if (v instanceof torch.Tensor) {
    if (v.isDisposed) return "D()";
    try {
      const shape = JSON.stringify(v.shape);
      const aten = torch.ops.aten as unknown as Record<string, (t: torch.Tensor) => boolean>;
      if (aten._is_zerotensor(v)) return `Z(${shape}, "${v.dtype}")`;
      if (aten.is_neg(v)) return `N(${shape}, "${v.dtype}")`;
      if (!v.isContiguous()) return `T(${shape}, "${v.dtype}", ${JSON.stringify(v.stride())})`;
      const exact = !isFloatingDType(v.dtype) && !isComplexDType(v.dtype) && v.numel() <= MAX_EXACT;
      if (!exact) return `T(${shape}, "${v.dtype}")`;
      const values = Array.from(v.toTypedArray() as ArrayLike<number | bigint>, Number);
      return values.every(Number.isSafeInteger) ? `V(${shape}, "${v.dtype}", ${JSON.stringify(values)})` : `T(${shape}, "${v.dtype}")`;
    } catch {
      return "D()";
    }
  }
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "function") return "() => 1";
  if (typeof v === "symbol") return 'Symbol("s")';
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${v.map(describeValue).join(", ")}]`;
  if (v instanceof Date) return "new Date(0)";
  if (v instanceof Map) return "new Map()";
  if (ArrayBuffer.isView(v)) return `new ${v.constructor.name}(${(v as Float32Array).length})`;
  if (v && typeof v === "object" && "tstorchFloat" in v) return `torch.scalar(${describeValue((v as { tstorchFloat: number }).tstorchFloat)})`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${describeValue(x)}`).join(", ")}}`;
  return JSON.stringify(v) ?? String(v);
}

export function describeCall(c: OpCall): string {
  const all = c.kwargs ? [...c.positional, c.kwargs] : c.positional;
  const overload = c.schema.overload || "default";
  const notes = c.notes.length > 0 ? ` // ${c.notes.join("; ")}` : "";
  const call = `torch.ops.aten.${c.schema.name.slice(6)}.${overload}(${all.map(describeValue).join(", ")})`;
  return `${c.backward ? `B(${call})` : call};${notes}`;
}

/** Reads every tensor result back (shape, dtype, elements): reading must not crash either. */
function readBack(v: unknown, depth = 0): void {
  if (depth > 3) return;
  if (v instanceof torch.Tensor) {
    void v.shape;
    void v.dtype;
    if (v.numel() <= 4096) v.toArray();
    return;
  }
  if (Array.isArray(v)) for (const e of v) readBack(e, depth + 1);
}

function firstTensor(v: unknown): torch.Tensor | null {
  if (v instanceof torch.Tensor) return v;
  if (Array.isArray(v)) for (const e of v) if (e instanceof torch.Tensor) return e;
  return null;
}

export function runCall(c: OpCall): CaseReport {
  const what = describeCall(c);
  const known = knownCrasherFor(c.schema.name, c.schema.overload);
  if (known) return { outcome: "skipped", what, detail: `known libtorch-kernel crasher: ${known.trigger}` };
  const fn = (torch.ops.aten as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[c.schema.name.slice(6)][c.schema.overload || "default"];
  const args = c.kwargs ? [...c.positional, c.kwargs] : c.positional;
  try {
    torch.scope(() => {
      const out = fn(...args);
      readBack(out);
      if (c.backward) {
        const t = firstTensor(out);
        if (t && t.requiresGrad) t.sum().backward();
      }
    });
    return { outcome: "ok", what };
  } catch (e) {
    return classifyError(e, what);
  } finally {
    torch.dispose([c.positional, c.kwargs]);
  }
}

export { key };
