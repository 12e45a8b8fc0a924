// Tensors across threads: a plain { dtype, shape, data: ArrayBuffer } that postMessage and
// structuredClone take (and can move without copying), and back. A Tensor itself cannot be
// cloned: its memory belongs to libtorch, held through an N-API External, and Node-API gives
// addons no serialization hook for V8's structured clone (V8's host-object delegate is not
// reachable from Node-API), so V8 can only refuse it.
import { DType, dtypeCode, dtypeName, isDTypeName } from "./dtype.js";
import { Handle, native } from "./native.js";

/** What `t.toTransferable()` gives: plain data that `postMessage` / `structuredClone` accept. */
export interface TransferableTensor {
  dtype: DType;
  shape: number[];
  /** the elements, contiguous, in the dtype's own bytes (float16 as 2-byte halves, int64 as 8 bytes) */
  data: ArrayBuffer;
  /** where the tensor was ("cpu", "cuda:0"); fromTransferable puts it back there */
  device: string;
  requiresGrad: boolean;
}

/** What `torch.Tensor.fromTransferable` takes: a TransferableTensor, where device and requiresGrad may be left out and data may be a typed array. */
export type TransferableTensorInput = Pick<TransferableTensor, "dtype" | "shape"> & {
  data: ArrayBuffer | ArrayBufferView;
  device?: string;
  requiresGrad?: boolean;
};

/**
 * Each Tensor carries this as its first own property: structured clone (structuredClone,
 * postMessage, v8.serialize) meets it before the handle, and its DataCloneError then reads
 * "Symbol(tstorch: ...) could not be cloned." instead of "[object Object] could not be cloned.".
 * Kept under 126 characters: Node 24's V8 elides the middle of a longer description ("...<omitted>...").
 */
export const NOT_CLONEABLE = Symbol(
  "tstorch: a Tensor cannot be cloned or posted to a worker: post t.toTransferable(), then torch.Tensor.fromTransferable(m)",
);

/** @internal the transferable form of a tensor handle (a copy of its elements, in a fresh ArrayBuffer). */
export function transferableOf(h: Handle): TransferableTensor {
  // toBuffer resolves views (strided, zero, negative, conjugate) and copies to a new ArrayBuffer
  // that the caller owns, so transferring it detaches nothing of the tensor's
  return {
    dtype: dtypeName(native.dtype(h)),
    shape: native.shape(h),
    data: native.toBuffer(h),
    device: native.device(h),
    requiresGrad: native.requiresGrad(h),
  };
}

const what = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

/** @internal a tensor handle from the transferable form, checked field by field. */
export function handleFromTransferable(m: unknown): Handle {
  const fn = "tstorch: Tensor.fromTransferable()";
  if (typeof m !== "object" || m === null) throw new Error(`${fn}: expected { dtype, shape, data } (from t.toTransferable()), got ${what(m)}`);
  const o = m as Partial<Record<keyof TransferableTensor, unknown>>;
  if (!isDTypeName(o.dtype)) throw new Error(`${fn}: dtype must be a dtype name such as "float32", got ${typeof o.dtype === "string" ? `'${o.dtype}'` : what(o.dtype)}`);
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`${fn}: shape must be an array of non-negative integers, got ${Array.isArray(o.shape) ? `[${o.shape.join(", ")}]` : what(o.shape)}`);
  }
  const data = o.data;
  if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) throw new Error(`${fn}: data must be an ArrayBuffer (or a typed array), got ${what(data)}`);
  const numel = (o.shape as number[]).reduce((a, b) => a * b, 1);
  if (numel > 0 && data.byteLength === 0) {
    // what a sender sees after postMessage(m, [m.data]): the buffer moved to the receiver
    throw new Error(`${fn}: data is empty (0 bytes) for shape [${o.shape.join(", ")}]; an ArrayBuffer posted in a transfer list is detached (empty) on the sending side`);
  }
  const device = o.device === undefined ? "cpu" : o.device;
  if (typeof device !== "string") throw new Error(`${fn}: device must be a string such as "cpu", got ${what(device)}`);
  // the addon checks the byte count against shape and dtype ("data has 5 bytes but ... need 12")
  return native.fromBuffer(data, dtypeCode(o.dtype), [...(o.shape as number[])], device, o.requiresGrad === true);
}
