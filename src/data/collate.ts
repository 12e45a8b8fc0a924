// PyTorch's default_collate: a list of items becomes one batch of the same structure, tensors
// stacked along a new first dimension. Numbers become a tensor (int64 when all are whole numbers,
// else float32, tstorch's default float: PyTorch makes float64 of Python floats), booleans a bool
// tensor, arrays and plain objects are collated position by position / key by key, strings and
// anything else stay a JS array.
import { stack, tensor } from "../core/creation.js";
import { Tensor } from "../core/tensor.js";

/** The batch type default collation makes of items of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : T[];

export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new Error("tstorch: defaultCollate got no items");
  return collate(items as readonly unknown[], "batch") as Collated<T>;
}

function collate(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) {
    items.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new TypeError(`tstorch: defaultCollate: ${where} item ${i} is not a Tensor like item 0`);
      if (x.shape.join() !== first.shape.join()) {
        throw new Error(
          `tstorch: defaultCollate: ${where} items differ in shape ([${first.shape}] and [${x.shape}] at item ${i}); give a collateFn to pad them`,
        );
      }
    });
    return stack(items as Tensor[], 0);
  }
  if (typeof first === "number") {
    const xs = items.map((x, i) => {
      if (typeof x !== "number") throw new TypeError(`tstorch: defaultCollate: ${where} item ${i} is not a number like item 0`);
      return x;
    });
    return tensor(xs, { dtype: xs.every(Number.isInteger) ? "int64" : "float32" });
  }
  if (typeof first === "boolean") return tensor(items as boolean[], { dtype: "bool" });
  if (Array.isArray(first)) {
    items.forEach((x, i) => {
      if (!Array.isArray(x) || x.length !== first.length) {
        throw new Error(`tstorch: defaultCollate: ${where} items are not arrays of one length (item ${i})`);
      }
    });
    return first.map((_, k) => collate(items.map((x) => (x as unknown[])[k]), `${where}[${k}]`));
  }
  if (first !== null && typeof first === "object" && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) {
      out[k] = collate(items.map((x) => (x as Record<string, unknown>)[k]), `${where}.${k}`);
    }
    return out;
  }
  return [...items];
}
