// Tensors to and from safetensors files, the format PyTorch users share weights in.
// Writes are atomic (temporary file, fsync, rename): a crash never leaves half a checkpoint.
import { DType } from "../core/dtype.js";
import { native } from "../core/native.js";
import { dtypeCode } from "../core/dtype.js";
import { Tensor, wrap } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { decodeSafetensors, encodeSafetensors, readSafetensorsFile, SafetensorsDtype, SafetensorsEntry, writeFileAtomic } from "./safetensors.js";

const TO_ST: Partial<Record<DType, SafetensorsDtype>> = {
  float32: "F32", float64: "F64", float16: "F16", bfloat16: "BF16", int64: "I64", int32: "I32",
  int16: "I16", int8: "I8", uint8: "U8", bool: "BOOL",
};
const FROM_ST: Partial<Record<SafetensorsDtype, DType>> = Object.fromEntries(
  Object.entries(TO_ST).map(([k, v]) => [v, k as DType]),
);

export type TensorMap = Map<string, Tensor> | Record<string, Tensor>;

function entries(m: TensorMap): [string, Tensor][] {
  return m instanceof Map ? [...m.entries()] : Object.entries(m);
}

/** The bytes of a tensor as a safetensors entry (contiguous, little-endian, on the CPU). */
export function toEntry(t: Tensor): SafetensorsEntry {
  const dtype = TO_ST[t.dtype];
  if (dtype === undefined) {
    // safetensors defines no complex dtype: PyTorch users store view_as_real(x) (a float tensor [..., 2])
    throw new Error(`tstorch: safetensors has no ${t.dtype} dtype; save torch.ops.aten.view_as_real(x) instead`);
  }
  const raw = noGrad(() => native.toBuffer(t._h));
  return { dtype, shape: t.shape, data: new Uint8Array(raw) };
}

/** A new CPU tensor over a copy of a safetensors entry. */
export function fromEntry(name: string, e: SafetensorsEntry): Tensor {
  const dt = FROM_ST[e.dtype];
  if (!dt) throw new Error(`tstorch: tensor '${name}' has dtype ${e.dtype}, which tstorch cannot hold`);
  // copy into an aligned buffer: entries are views at arbitrary offsets of the file
  const bytes = new Uint8Array(e.data.byteLength);
  bytes.set(e.data);
  return wrap(native.fromBuffer(bytes, dtypeCode(dt), e.shape));
}

/** Encodes named tensors (and string metadata) as safetensors bytes. */
export function encodeTensors(m: TensorMap, metadata?: Record<string, string>): Buffer {
  const out: Record<string, SafetensorsEntry> = {};
  for (const [k, t] of entries(m)) out[k] = toEntry(t);
  return encodeSafetensors(out, metadata);
}

/** Saves named tensors to `path` as safetensors, atomically. */
export function saveTensors(m: TensorMap, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeTensors(m, metadata));
}

/** Loads every tensor of a safetensors file (CPU tensors) and its metadata. */
export function loadTensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const c = readSafetensorsFile(path);
  const tensors = new Map<string, Tensor>();
  for (const [k, e] of Object.entries(c.tensors)) tensors.set(k, fromEntry(k, e));
  return { tensors, metadata: c.metadata ?? {} };
}

/** Decodes safetensors bytes already in memory. */
export function decodeTensors(buf: Uint8Array): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const c = decodeSafetensors(buf);
  const tensors = new Map<string, Tensor>();
  for (const [k, e] of Object.entries(c.tensors)) tensors.set(k, fromEntry(k, e));
  return { tensors, metadata: c.metadata ?? {} };
}

export interface HasStateDict {
  stateDict(): Map<string, Tensor>;
  loadStateDict(sd: Map<string, Tensor>, opts?: { strict?: boolean }): void;
}

/** Saves a module's parameters and buffers (its state dict) as safetensors. */
export function saveModule(m: HasStateDict, path: string, metadata?: Record<string, string>): void {
  saveTensors(m.stateDict(), path, metadata);
}

/** Loads a safetensors file into a module (strict by default: names and shapes must match). */
export function loadModule(m: HasStateDict, path: string, opts: { strict?: boolean } = {}): Record<string, string> {
  const { tensors, metadata } = loadTensors(path);
  try {
    m.loadStateDict(tensors, { strict: opts.strict ?? true });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return metadata;
}

