// Tensor conversion (tch-rs's src/tensor/convert.rs): to another dtype or device, out to JS data,
// and to and from the plain data that crosses to a worker.
import { DType, dtypeCode, isComplexDType, isDTypeName, typedArrayFromBuffer, TypedArray } from "./dtype.js";
import { DeviceLike, Device, deviceString, isDeviceString } from "./device.js";
import { DEAD, callPooled } from "./handle-pool.js";
import { explainDisposed } from "./freed-by.js";
import type { Handle } from "./native.js";
import { native } from "./native.js";
import { opIds } from "./op-ids.js";
import { memoryFormatCode, Tensor, wrap, type MemoryFormat, type TensorData } from "./tensor.js";
import { tensorHandle } from "./tensor-args.js";
import { transferableOf, type TransferableTensor } from "./transfer.js";
import { tensor, type NestedArray } from "./creation.js";

// the overloads called by id below (src/core/op-ids.ts)
const aten = opIds("to_other", "to_dtype_layout", "clone", "contiguous");

export interface ToOptions {
  dtype?: DType;
  device?: DeviceLike;
  nonBlocking?: boolean;
  copy?: boolean;
  memoryFormat?: MemoryFormat;
}

/** PyTorch's legacy type names (`t.type()`): torch.FloatTensor is float32 on the CPU. */
const LEGACY_TYPE_NAMES: Partial<Record<DType, string>> = {
  float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16", int64: "Long", int32: "Int", int16: "Short",
  int8: "Char", uint8: "Byte", bool: "Bool", complex32: "ComplexHalf", complex64: "ComplexFloat", complex128: "ComplexDouble",
};

export class TensorConversion {
  declare _h: Handle;

  /** `t.to("cuda")`, `t.to("float64")`, `t.to(other)`, `t.to({ device, dtype })`. */
  to(target: DeviceLike | DType | Tensor | ToOptions, opts: Omit<ToOptions, "dtype" | "device"> = {}): Tensor {
    if (target instanceof Tensor) return wrap(callPooled(aten.to_other, this._h, tensorHandle(target, "target", "to"), opts.nonBlocking, opts.copy));
    let o: ToOptions;
    if (typeof target === "string" && isDTypeName(target)) o = { dtype: target as DType, ...opts };
    else if (typeof target === "string" && !isDeviceString(target.trim())) {
      throw new Error(`tstorch: to('${target}'): neither a dtype (float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool) nor a device ('cpu', 'cuda', 'cuda:N')`);
    } else if (typeof target === "string" || target instanceof Device) o = { device: target, ...opts };
    else o = { ...target, ...opts };
    return wrap(
      callPooled(
        aten.to_dtype_layout, this._h,
        o.dtype === undefined ? null : dtypeCode(o.dtype), null,
        o.device === undefined ? null : deviceString(o.device), null,
        o.nonBlocking ?? false, o.copy ?? false,
        o.memoryFormat === undefined ? null : memoryFormatCode(o.memoryFormat),
      ),
    );
  }
  cpu(): Tensor { return this.to("cpu"); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  float(): Tensor { return this.to("float32"); }
  double(): Tensor { return this.to("float64"); }
  half(): Tensor { return this.to("float16"); }
  bfloat16(): Tensor { return this.to("bfloat16"); }
  long(): Tensor { return this.to("int64"); }
  int(): Tensor { return this.to("int32"); }
  short(): Tensor { return this.to("int16"); }
  char(): Tensor { return this.to("int8"); }
  byte(): Tensor { return this.to("uint8"); }
  bool(): Tensor { return this.to("bool"); }
  cfloat(): Tensor { return this.to("complex64"); }
  cdouble(): Tensor { return this.to("complex128"); }
  /**
   * PyTorch's `t.type()`: the legacy type name ('torch.FloatTensor', 'torch.cuda.LongTensor');
   * `t.type(dtype)` (a dtype or such a name) converts, a new tensor as to() gives.
   */
  type(this: Tensor): string;
  type(this: Tensor, dtype: DType | string): Tensor;
  type(this: Tensor, dtype?: DType | string): string | Tensor {
    if (dtype === undefined) return `torch.${this.device.type === "cuda" ? "cuda." : ""}${LEGACY_TYPE_NAMES[this.dtype]}Tensor`;
    if (isDTypeName(dtype)) return this.to(dtype);
    const m = /^torch\.(cuda\.)?(\w+)Tensor$/.exec(String(dtype));
    const named = m === null ? undefined : (Object.keys(LEGACY_TYPE_NAMES) as DType[]).find((d) => LEGACY_TYPE_NAMES[d] === m[2]);
    if (m === null || named === undefined) throw new Error(`tstorch: type('${dtype}'): neither a dtype nor a tensor type name such as 'torch.FloatTensor'`);
    const cuda = m[1] !== undefined;
    return this.to({ dtype: named, device: cuda ? (this.device.type === "cuda" ? this.device : "cuda") : "cpu" });
  }
  clone(memoryFormat?: MemoryFormat): Tensor {
    return wrap(callPooled(aten.clone, this._h, memoryFormat === undefined ? null : memoryFormatCode(memoryFormat)));
  }
  contiguous(memoryFormat: MemoryFormat = "contiguous"): Tensor {
    return wrap(callPooled(aten.contiguous, this._h, memoryFormatCode(memoryFormat)));
  }
  /**
   * PyTorch's `t.new_tensor(data)`: a new tensor of `data` with this tensor's dtype and device unless
   * `opts` say otherwise (a Tensor's elements are copied, outside autograd).
   */
  newTensor(this: Tensor, data: NestedArray | ArrayBufferView | Tensor, opts: { dtype?: DType; device?: DeviceLike; requiresGrad?: boolean } = {}): Tensor {
    const dtype = opts.dtype ?? this.dtype;
    const device = opts.device ?? this.device;
    if (data instanceof Tensor) {
      const d = data.detach();
      try {
        return d.to({ dtype, device, copy: true }).requiresGrad_(opts.requiresGrad ?? false);
      } finally {
        d.dispose();
      }
    }
    return tensor(data, { dtype, device, requiresGrad: opts.requiresGrad });
  }

  // ---------------------------------------------------------------- data out
  /** The elements, contiguous, as a typed array (int64 as BigInt64Array, bool as Uint8Array, float16/bfloat16 as Float32Array). */
  toTypedArray(this: Tensor): TypedArray {
    const d = dtypeOf(this);
    if (d === "float16" || d === "bfloat16" || d === "complex32") {
      // half-precision elements are read through their single-precision type
      const f = this.to(d === "complex32" ? "complex64" : "float32");
      try {
        return new Float32Array(native.toBuffer(f._h));
      } finally {
        f.dispose();
      }
    }
    return typedArrayFromBuffer(d, native.toBuffer(this._h));
  }
  /**
   * Nested JS arrays of numbers (booleans for bool tensors); a 0-d tensor gives a number. int64
   * elements are numbers, exact up to 2^53; `{ bigint: true }` gives them as exact bigints. The
   * element type can be stated: `x.toArray<number[][]>()`.
   */
  toArray<T extends TensorData = TensorData>(this: Tensor, opts: { bigint?: boolean } = {}): T {
    const dt = dtypeOf(this);
    if (isComplexDType(dt)) {
      throw new Error(`tstorch: toArray() of a ${dt} tensor: JS has no complex numbers; use torch.viewAsReal(x).toArray() for [re, im] pairs, or x.toTypedArray() (interleaved)`);
    }
    const flat = this.toTypedArray();
    const isBool = dt === "bool";
    const big = opts.bigint === true;
    const conv = (i: number): number | bigint | boolean => {
      const v = flat[i];
      return isBool ? v !== 0 : typeof v === "bigint" ? (big ? v : Number(v)) : (v as number);
    };
    const shape = this.shape;
    let i = 0;
    const build = (d: number): unknown => {
      if (d === shape.length) return conv(i++);
      const out = new Array(shape[d]);
      for (let k = 0; k < shape[d]; k++) out[k] = build(d + 1);
      return out;
    };
    return build(0) as T;
  }
  /** PyTorch's name for toArray(). */
  tolist<T extends TensorData = TensorData>(this: Tensor, opts: { bigint?: boolean } = {}): T {
    return this.toArray<T>(opts);
  }
  /**
   * The value of a one-element tensor (a boolean for a bool tensor, as PyTorch's item() gives).
   * An int64 value beyond Number.MAX_SAFE_INTEGER has no exact JS number: item() throws for it
   * rather than round; `item({ bigint: true })` gives int64 values as exact bigints.
   */
  item(this: Tensor, opts?: { bigint?: false }): number;
  item(this: Tensor, opts: { bigint: boolean }): number | bigint;
  item(this: Tensor, opts: { bigint?: boolean } = {}): number | bigint {
    let v: number;
    try {
      v = native.item(this._h) as number;
    } catch (e) {
      throw explainDisposed(e, [this._h], DEAD); // names what freed it (freed-by.ts)
    }
    // the addon's number is the int64 converted to a double: exact inside +-(2^53 - 1)
    if (typeof v !== "number" || (v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER)) {
      return opts.bigint === true && typeof v === "number" && this.dtype === "int64" ? BigInt(v) : v;
    }
    if (this.dtype !== "int64") return v; // a float: the double is its value
    const exact = (this.toTypedArray() as BigInt64Array)[0];
    if (opts.bigint === true) return exact;
    throw new Error(`tstorch: item(): the int64 value ${exact} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), a JS number would round it to ${v}; use item({ bigint: true }) for the exact bigint`);
  }
  /**
   * The tensor as plain data for `worker.postMessage` / `structuredClone`, which cannot take a
   * Tensor: `{ dtype, shape, data: ArrayBuffer, device, requiresGrad }`, a copy of the elements.
   * `worker.postMessage(m, [m.data])` moves the copy without another; the receiver rebuilds the
   * tensor with `torch.Tensor.fromTransferable(m)`. The autograd graph does not travel.
   */
  toTransferable(): TransferableTensor {
    return transferableOf(this._h);
  }
}

/** t.dtype, the first read of the data-out methods: a dead tensor's error says what freed it (freed-by.ts). */
function dtypeOf(t: Tensor): DType {
  try {
    return t.dtype;
  } catch (e) {
    throw explainDisposed(e, [t._h], DEAD);
  }
}
