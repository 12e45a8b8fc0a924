// Reading the storages a loaded tree refers to and putting its tensors together: each storage once,
// read (or memory-mapped) straight into a tensor by the addon, placed where mapLocation says, and
// the saved tensors as views of it (tensors that shared a storage in PyTorch share one here too).
import { Device, cuda, type DeviceLike } from "../core/device.js";
import { DType, dtypeCode } from "../core/dtype.js";
import { native, Handle } from "../core/native.js";
import { Tensor, wrap } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { asStrided } from "../generated/functions.js";
import { PickleError, PyGlobal } from "./pickle.js";
import { LoadError, type LoadOptions, type MapLocation } from "./load-options.js";
import { DTYPE_VALUE, type DTypeValue, PendingTensor, StorageRef, StorageView } from "./load-tree.js";

interface SerializationNative {
  /** With crc (and not mmap): [tensor, CRC-32 of its bytes]. */
  tensorFromFile(path: string, offset: number, nbytes: number, dtype: number, mmap: boolean, crc?: boolean): Handle | [Handle, number];
}
const ser = native as unknown as SerializationNative;

/**
 * A storage's bytes from the file as a 1-D tensor: mapped, or read by the addon straight into the
 * tensor (no copy through JavaScript), with the CRC-32 of what was read given to `check`.
 */
export function readStorage(
  z: { file: string },
  offset: number,
  nbytes: number,
  dtype: DType,
  mmap: boolean,
  check?: (crc: number) => void,
): Tensor {
  const code = dtypeCode(dtype);
  if (mmap) return wrap(ser.tensorFromFile(z.file, offset, nbytes, code, true) as Handle);
  const [h, crc] = ser.tensorFromFile(z.file, offset, nbytes, code, false, true) as [Handle, number];
  const t = wrap(h);
  try {
    check?.(crc);
  } catch (err) {
    t.dispose();
    throw err;
  }
  return t;
}
// ---------------------------------------------------------------- reading the storages
function targetDevice(location: string, map: MapLocation | undefined, file: string): string {
  let d: DeviceLike = location;
  if (typeof map === "function") d = map(location);
  else if (typeof map === "string" || map instanceof Device) d = map;
  else if (map !== undefined && Object.prototype.hasOwnProperty.call(map, location)) d = map[location];
  const s = String(d);
  if (/^cuda(:\d+)?$/.test(s)) {
    if (!cuda.isAvailable()) {
      throw new LoadError(
        `torch.load: ${file}: a tensor was saved on ${location}, and CUDA is not available; pass { mapLocation: "cpu" } to load it on the CPU`,
      );
    }
    return Device.parse(s).toString();
  }
  if (s === "cpu") return s;
  throw new LoadError(`torch.load: ${file}: a tensor was saved on "${location}", which tstorch cannot place; pass { mapLocation: "cpu" }`);
}

/**
 * Reads the storages the tree refers to (each once) and replaces its pending tensors by views of
 * them. Iterative, so a deeply nested pickle cannot overflow the call stack. On error every tensor
 * made so far is freed.
 */
export function materialize(value: unknown, file: string, opts: LoadOptions, readRef: (ref: StorageRef) => Tensor): unknown {
  const bases = new Map<StorageRef, Tensor>();
  const made: Tensor[] = [];
  const tensors = new Map<PendingTensor, Tensor>();
  const base = (ref: StorageRef): Tensor => {
    let t = bases.get(ref);
    if (t === undefined) {
      const dev = targetDevice(ref.location, opts.mapLocation, file);
      if (opts.mmap && dev !== "cpu") throw new LoadError(`torch.load: ${file}: mmap reads to the CPU only (mapLocation says ${dev})`);
      t = readRef(ref);
      if (dev !== "cpu") {
        const moved = t.to(dev);
        t.dispose();
        t = moved;
      }
      bases.set(ref, t);
    }
    return t;
  };
  const tensorOf = (p: PendingTensor): Tensor => {
    let t = tensors.get(p);
    if (t === undefined) {
      const s = p.storage;
      const root = s instanceof StorageView ? s.root : s;
      const extra = s instanceof StorageView ? s.offset : 0;
      t = noGrad(() => asStrided(base(root), p.size, p.stride, p.offset + extra));
      made.push(t);
      if (p.requiresGrad) t.requiresGrad_(true);
      tensors.set(p, t);
    }
    return t;
  };
  const fix = (v: unknown): unknown => {
    if (v instanceof PendingTensor) return tensorOf(v);
    if (v !== null && typeof v === "object" && DTYPE_VALUE in v) return (v as DTypeValue)[DTYPE_VALUE];
    if (v instanceof PyGlobal || v instanceof StorageRef || v instanceof StorageView) {
      throw new PickleError(`a bare ${v instanceof PyGlobal ? v.fullName : "storage"} in the data (torch.load returns tensors, not storages)`);
    }
    return v;
  };
  try {
    const root = fix(value);
    const seen = new Set<object>();
    const todo: unknown[] = [root];
    while (todo.length > 0) {
      const v = todo.pop();
      if (v === null || typeof v !== "object" || seen.has(v) || v instanceof Tensor || v instanceof Uint8Array) continue;
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) todo.push((v[i] = fix(v[i])));
      } else if (v instanceof Map) {
        for (const [k, x] of v) {
          const y = fix(x);
          if (y !== x) v.set(k, y);
          todo.push(y);
        }
        for (const k of Object.getOwnPropertyNames(v)) {
          const x = (v as unknown as Record<string, unknown>)[k];
          (v as unknown as Record<string, unknown>)[k] = fix(x);
          todo.push((v as unknown as Record<string, unknown>)[k]);
        }
      } else if (v instanceof Set) {
        for (const x of [...v]) {
          const y = fix(x);
          if (y !== x) {
            v.delete(x);
            v.add(y);
          }
          todo.push(y);
        }
      }
    }
    return root;
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  } finally {
    // the views keep what they use; the bases' own handles go
    for (const t of bases.values()) t.dispose();
  }
}
