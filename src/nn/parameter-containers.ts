// nn.ParameterList and nn.ParameterDict: parameters held by index or by key, registered under
// "0", "1", ... / the key (state_dict "params.0", as in PyTorch). A plain tensor put in one becomes
// a Parameter sharing its storage (PyTorch wraps it the same way). Neither has a forward.
import { isFloatingDType } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";
import { dictEntries } from "./container.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

function asParameter(t: Tensor, where: string): Tensor {
  if (t instanceof Parameter) return t;
  if (t === null || typeof t !== "object" || !("dtype" in t)) throw new Error(`tstorch: ${where} expects a Tensor, got ${t === null ? "null" : typeof t}`);
  return new Parameter(t, isFloatingDType(t.dtype));
}

const TYPENAMES: Record<string, string> = {
  float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor", bfloat16: "BFloat16Tensor", int64: "LongTensor",
  int32: "IntTensor", int16: "ShortTensor", int8: "CharTensor", uint8: "ByteTensor", bool: "BoolTensor",
};

/**
 * PyTorch's line for one entry: ParameterList names the dtype ("  (0): Parameter containing:
 * [torch.float32 of size 3x4]"), ParameterDict the tensor type ("[torch.FloatTensor of size 3x4]").
 */
function describe(k: string, p: Tensor, typeName: boolean): string {
  const cuda = p.device.type === "cuda";
  const device = cuda ? ` (GPU ${p.device.index ?? 0})` : "";
  const what = typeName ? `torch.${cuda ? "cuda." : ""}${TYPENAMES[p.dtype] ?? p.dtype}` : `torch.${p.dtype}`;
  return `  (${k}): Parameter containing: [${what} of size ${p.shape.join("x")}${device}]`;
}

export class ParameterList extends Module<never[], never> {
  constructor(values: Iterable<Tensor> = []) {
    super();
    for (const v of values) this.append(v);
  }
  forward(): never {
    throw new Error("tstorch: ParameterList has no forward(); iterate over its parameters instead");
  }
  get length(): number {
    return this._parameters.size;
  }
  append(value: Tensor): this {
    this.registerParameter(String(this._parameters.size), asParameter(value, "ParameterList.append"));
    return this;
  }
  extend(values: Iterable<Tensor>): this {
    for (const v of values) this.append(v);
    return this;
  }
  /** The i-th parameter (negative counts from the end). */
  at(i: number): Tensor {
    const n = this._parameters.size;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new Error(`tstorch: index ${i} is out of range for a ParameterList of ${n}`);
    return this._parameters.get(String(j))!;
  }
  [Symbol.iterator](): Iterator<Tensor> {
    return ([...this._parameters.values()] as Tensor[])[Symbol.iterator]();
  }
  override extraRepr(): string {
    return [...this._parameters].map(([k, p]) => describe(k, p!, false)).join("\n");
  }
}

export class ParameterDict extends Module<never[], never> {
  constructor(values: Record<string, Tensor> | Iterable<[string, Tensor]> = {}) {
    super();
    for (const [k, v] of dictEntries(values)) this.set(k, v);
  }
  forward(): never {
    throw new Error("tstorch: ParameterDict has no forward(); look its parameters up by key instead");
  }
  get size(): number {
    return this._parameters.size;
  }
  set(key: string, value: Tensor): this {
    const p = asParameter(value, `ParameterDict.set("${key}")`);
    if (this._parameters.has(key)) this._parameters.set(key, p);
    else this.registerParameter(key, p);
    return this;
  }
  get(key: string): Tensor {
    const p = this._parameters.get(key);
    if (p === undefined || p === null) throw new Error(`tstorch: ParameterDict has no key "${key}" (keys: ${[...this._parameters.keys()].join(", ")})`);
    return p;
  }
  has(key: string): boolean {
    return this._parameters.has(key);
  }
  keys(): string[] {
    return [...this._parameters.keys()];
  }
  values(): Tensor[] {
    return [...this._parameters.values()] as Tensor[];
  }
  entries(): [string, Tensor][] {
    return [...this._parameters] as [string, Tensor][];
  }
  [Symbol.iterator](): Iterator<[string, Tensor]> {
    return this.entries()[Symbol.iterator]();
  }
  override extraRepr(): string {
    return [...this._parameters].map(([k, p]) => describe(k, p!, true)).join("\n");
  }
}
