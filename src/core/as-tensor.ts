// Converting data into tensors without an unneeded copy (torch.as_tensor, torch.asarray), raw bytes
// into a tensor (torch.frombuffer), and small tensor queries of the torch namespace (is_tensor,
// numel, get_device, broadcast_shapes).
//
// JS memory cannot be shared with libtorch's tensors here: typed arrays and buffers are copied
// (PyTorch shares a NumPy array's or buffer's memory); a Tensor is returned as is when it already
// has the requested dtype and device, as PyTorch does.
import { NestedArray, TensorOptions, tensor } from "./creation.js";
import { DType, dtypeCode } from "./dtype.js";
import { DeviceLike } from "./device.js";
import { native } from "./native.js";
import { stateNative } from "./state-native.js";
import { Tensor, wrap } from "./tensor.js";

type Data = Tensor | NestedArray | ArrayBufferView;

function sameTarget(t: Tensor, dtype?: DType, device?: DeviceLike): boolean {
  return (dtype === undefined || dtype === t.dtype) && (device === undefined || String(device) === String(t.device) || (String(device) === "cuda" && t.device.type === "cuda"));
}

/** torch.as_tensor: `data` itself when it is a Tensor of the requested dtype and device, else a converted tensor. */
export function asTensor(data: Data, opts: { dtype?: DType; device?: DeviceLike } = {}): Tensor {
  if (data instanceof Tensor) return sameTarget(data, opts.dtype, opts.device) ? data : data.to({ dtype: opts.dtype, device: opts.device });
  return tensor(data, opts);
}

export interface AsarrayOptions extends TensorOptions {
  /** true: always a new tensor; false: never copy (only a Tensor of the right dtype and device can satisfy it); default: copy only when needed */
  copy?: boolean;
}

/** torch.asarray. */
export function asarray(obj: Data, opts: AsarrayOptions = {}): Tensor {
  let out: Tensor;
  if (obj instanceof Tensor) {
    if (sameTarget(obj, opts.dtype, opts.device)) out = opts.copy === true ? obj.clone() : obj;
    else if (opts.copy === false) throw new Error(`tstorch: asarray: can't alias a ${obj.dtype} tensor on ${obj.device} as ${opts.dtype ?? obj.dtype} on ${String(opts.device ?? obj.device)} with copy: false`);
    else out = obj.to({ dtype: opts.dtype, device: opts.device });
  } else {
    if (opts.copy === false) throw new Error("tstorch: asarray: copy: false needs a Tensor (JS arrays and typed arrays are always copied into libtorch's memory)");
    out = tensor(obj, { dtype: opts.dtype, device: opts.device });
  }
  if (opts.requiresGrad) out.requiresGrad_(true);
  return out;
}

export interface FrombufferOptions {
  dtype: DType;
  /** elements to read; -1 (default): all that follow `offset` */
  count?: number;
  /** bytes to skip at the start */
  offset?: number;
  requiresGrad?: boolean;
}

/** torch.frombuffer: the bytes of `buffer` read as `dtype` elements (copied; PyTorch shares the buffer's memory). */
export function frombuffer(buffer: ArrayBuffer | ArrayBufferView, opts: FrombufferOptions): Tensor {
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
  const count = opts.count ?? -1;
  const offset = opts.offset ?? 0;
  // PyTorch's checks and messages (torch/csrc/utils/tensor_new.cpp)
  const elt = elementSize(opts.dtype);
  const len = bytes.byteLength;
  if (len === 0 || count === 0) throw new Error(`tstorch: frombuffer: both buffer length (${len}) and count (${count}) must not be 0`);
  if (offset < 0 || offset >= len) throw new Error(`tstorch: frombuffer: offset (${offset} bytes) must be non-negative and no greater than buffer length (${len} bytes) minus 1`);
  let n = count;
  if (count < 0) {
    if ((len - offset) % elt !== 0) throw new Error(`tstorch: frombuffer: buffer length (${len - offset} bytes) after offset (${offset} bytes) must be a multiple of element size (${elt})`);
    n = (len - offset) / elt;
  } else if (offset + count * elt > len) {
    throw new Error(`tstorch: frombuffer: requested buffer length (${count} * ${elt} bytes) after offset (${offset} bytes) must not be greater than actual buffer length (${len} bytes)`);
  }
  const t = wrap(native.fromBuffer(bytes.subarray(offset, offset + n * elt), dtypeCode(opts.dtype), [n]));
  return opts.requiresGrad ? t.requiresGrad_(true) : t;
}

const SIZES: Partial<Record<DType, number>> = { float64: 8, int64: 8, complex64: 8, complex128: 16, int32: 4, float32: 4, complex32: 4, int16: 2, float16: 2, bfloat16: 2 };
function elementSize(d: DType): number {
  return SIZES[d] ?? 1;
}

export function isTensor(obj: unknown): obj is Tensor {
  return obj instanceof Tensor;
}
export function numel(t: Tensor): number {
  return t.numel();
}
/** The CUDA device index of a tensor, -1 on the CPU (torch.get_device). */
export function getDevice(t: Tensor): number {
  const d = t.device;
  return d.type === "cpu" ? -1 : (d.index ?? 0);
}
/** The shape tensors of these shapes broadcast to (libtorch's rule; an error names the mismatching sizes). */
export function broadcastShapes(...shapes: (number | readonly number[])[]): number[] {
  return stateNative.broadcastShapes(shapes.map((s) => (typeof s === "number" ? [s] : [...s])));
}
