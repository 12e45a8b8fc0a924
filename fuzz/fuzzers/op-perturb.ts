// Perturbations of a fitting call: what an attacker or a careless user passes instead. Each takes
// the call and changes one thing (an argument, the argument count), noting what it did.
import * as torch from "../../src/index.js";
import type { Rng } from "../rng.js";
import type { OpCall } from "./op-call.js";
import { DTYPES, randomTensor } from "./op-values.js";

type Perturbation = (c: OpCall, rng: Rng) => void;

const HUGE_INTS: unknown[] = [-1, -2, -7, 2 ** 62, 2 ** 53, -(2 ** 62), Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, 2n ** 100n, -(2n ** 64n), 2n ** 63n];
const ODD_FLOATS: unknown[] = [NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324];
const JUNK: unknown[] = ["x", "", {}, [[]], [null], () => 1, Symbol("s"), new Date(0), new Float32Array(2), 1.5, true, 3n, NaN, new Map(), Object.create(null), [1, "a"], { tstorchFloat: "x" }, { _h: 1 }];

/** Indices of the positional arguments (and kwargs) whose schema type matches `test`. */
interface Slot {
  get: () => unknown;
  set: (v: unknown) => void;
  type: string;
  /** the schema says the operator writes into it (out=, in-place self) */
  writes: boolean;
}
function slots(c: OpCall, test: (type: string) => boolean): Slot[] {
  const out: Slot[] = [];
  const positionalArgs = c.schema.args.filter((a) => !a.kwargOnly);
  c.positional.forEach((_, i) => {
    const a = positionalArgs[i];
    if (a && test(a.type)) out.push({ get: () => c.positional[i], set: (v) => (c.positional[i] = v), type: a.type, writes: a.writes });
  });
  if (c.kwargs) {
    const kw = c.kwargs;
    for (const k of Object.keys(kw)) {
      const a = c.schema.args.find((x) => x.name === k);
      if (a && test(a.type)) out.push({ get: () => kw[k], set: (v) => (kw[k] = v), type: a.type, writes: a.writes });
    }
  }
  return out;
}

function onSlot(c: OpCall, rng: Rng, test: (t: string) => boolean, note: string, make: (old: unknown, type: string) => unknown): void {
  const s = slots(c, test);
  if (s.length === 0) return;
  const slot = rng.pick(s);
  const v = make(slot.get(), slot.type);
  slot.set(v);
  c.notes.push(note);
}

const isTensor = (t: string) => t === "Tensor" || t === "Tensor?";
const isInt = (t: string) => /^(int|SymInt)\??$/.test(t);
const isIntList = (t: string) => /^(int|SymInt)\[\d*\]\??$/.test(t);
const isList = (t: string) => /\[\d*\]\??$/.test(t);
const isFloaty = (t: string) => /^(float|Scalar)\??$/.test(t);

function shapeOf(v: unknown): number[] {
  return v instanceof torch.Tensor && !v.isDisposed ? v.shape : [2, 3];
}

const PERTURBATIONS: Record<string, Perturbation> = {
  wrongDtype: (c, rng) => onSlot(c, rng, isTensor, "wrong dtype", (old) => randomTensor(rng, shapeOf(old), rng.pick(DTYPES))),
  wrongRank: (c, rng) => onSlot(c, rng, isTensor, "wrong rank", () => randomTensor(rng, rng.pick([[], [5], [1, 1, 1, 1, 1], [2, 1, 3, 1, 2, 1]]), "float32")),
  emptyTensor: (c, rng) => onSlot(c, rng, isTensor, "empty tensor", () => randomTensor(rng, rng.pick([[0], [0, 3], [2, 0], [0, 0, 0]]), "float32")),
  strided: (c, rng) => onSlot(c, rng, isTensor, "non-contiguous view", (old) => {
    const t = randomTensor(rng, [4, 4, 3], "float32");
    return rng.pick([() => t.transpose(0, 1), () => t.expand([2, 4, 4, 3]), () => t.slice(1, 0, 4, 2), () => t.select(2, 1).t()])();
  }),
  zeroOrNegView: (c, rng) => onSlot(c, rng, isTensor, "zero tensor / neg view", (old) => {
    const s = shapeOf(old);
    return rng.bool() ? torch.ops.aten._efficientzerotensor(s) : torch.ops.aten._neg_view(torch.ones(s));
  }),
  disposed: (c, rng) => onSlot(c, rng, isTensor, "disposed tensor", (old) => {
    const t = randomTensor(rng, shapeOf(old), "float32");
    t.dispose();
    return t;
  }),
  hugeInt: (c, rng) => onSlot(c, rng, isInt, "extreme int", () => rng.pick(HUGE_INTS)),
  hugeIntInList: (c, rng) => onSlot(c, rng, isIntList, "extreme int in a list", (old) => {
    const l = Array.isArray(old) && old.length > 0 ? [...old] : [1];
    l[rng.int(0, l.length - 1)] = rng.pick(HUGE_INTS);
    return l;
  }),
  oddFloat: (c, rng) => onSlot(c, rng, isFloaty, "NaN/Inf float", () => rng.pick(ODD_FLOATS)),
  nanTensor: (c, rng) => onSlot(c, rng, isTensor, "NaN/Inf values", (old) => torch.full(shapeOf(old), rng.pick([NaN, Infinity, -Infinity]) as number)),
  emptyList: (c, rng) => onSlot(c, rng, isList, "empty list", () => []),
  longList: (c, rng) => onSlot(c, rng, isList, "long list", (old) => {
    const e = Array.isArray(old) && old.length > 0 ? old[0] : 1;
    return Array.from({ length: rng.pick([7, 13, 65]) }, () => e);
  }),
  wrongType: (c, rng) => {
    const n = c.positional.length + (c.kwargs ? Object.keys(c.kwargs).length : 0);
    if (n === 0) return;
    const i = rng.int(0, c.positional.length - 1);
    if (i >= 0 && c.positional.length > 0) {
      c.positional[i] = rng.pick(JUNK);
      c.notes.push(`wrong type at ${i}`);
    }
  },
  nullRequired: (c, rng) => onSlot(c, rng, (t) => !t.endsWith("?"), "null for a required argument", () => rng.pick([null, undefined])),
  extraArgs: (c, rng) => {
    const extra = rng.pick([[1], [torch.ones([2])], [null, null, null], ["x", 2, true]]);
    if (c.kwargs) c.kwargs[rng.pick(["bogus", "out", "self"])] = extra[0];
    else c.positional.push(...extra);
    c.notes.push("extra arguments");
  },
  missingArgs: (c, rng) => {
    if (c.positional.length === 0) return;
    c.positional.length = rng.int(0, c.positional.length - 1);
    c.notes.push("missing arguments");
  },
  requiresGrad: (c, rng) => {
    for (const s of slots(c, isTensor)) {
      const t = s.get();
      if (t instanceof torch.Tensor && !t.isDisposed && (t.dtype === "float32" || t.dtype === "float64") && rng.bool(0.7)) t.requiresGrad = true;
    }
    c.backward = true;
    c.notes.push("requires grad, backward");
  },
  sharedStorage: (c, rng) => {
    // inputs only: an out= tensor aliasing an input corrupts the heap in libtorch's kernels when
    // the out tensor is resized (PyTorch 1.13 too; docs/known-crashers.md)
    const s = slots(c, isTensor).filter((x) => !x.writes);
    if (s.length < 2) return;
    const t = s[0].get();
    if (t instanceof torch.Tensor) for (const x of s.slice(1)) if (rng.bool()) x.set(t);
    c.notes.push("same tensor in several arguments");
  },
};

export const PERTURBATION_NAMES = Object.keys(PERTURBATIONS);

/** Applies 1 to 3 random perturbations. */
export function perturb(c: OpCall, rng: Rng): void {
  const k = rng.pick([1, 1, 1, 2, 3]);
  for (let i = 0; i < k; i++) PERTURBATIONS[rng.pick(PERTURBATION_NAMES)](c, rng);
}
