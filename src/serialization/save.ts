// torch.save: PyTorch's zip checkpoint format (torch/serialization.py _save), so that PyTorch's
// torch.load(..., weights_only=True) reads the file on 1.13 and 2.x. Layout, as PyTorch 2 writes
// it: archive/data.pkl (protocol-2 pickle), archive/byteorder, archive/data/<key> (each storage's
// raw bytes, 64-byte aligned), archive/version, archive/.data/version. The file is written to a
// temp file and renamed, so a crash never leaves half a checkpoint.
import { native, Handle } from "../core/native.js";
import { Tensor } from "../core/tensor.js";
import { DType } from "../core/dtype.js";
import { Parameter } from "../nn/parameter.js";
import { writeFileAtomicWith } from "../io/atomic.js";
import { Global, PersistentId, Pickler, PickleWriteError, Reduce, Tuple } from "./pickler.js";
import { DTYPE_STORAGE, ELEMENT_SIZE } from "./torch-globals.js";
import { ZipWriter } from "./zip.js";

export interface SaveOptions {
  /** @internal Writes ZIP64 records even for a small file (tests check the ZIP64 layout with it). */
  _forceZip64?: boolean;
}

interface SerializationNative {
  storageInfo(h: Handle): [string, number, number, string];
  storageToBuffer(h: Handle, start?: number, length?: number): ArrayBuffer;
}
const ser = native as unknown as SerializationNative;

const ARCHIVE = "archive";
/** Storage bytes copied out of libtorch per write: the only copy held besides the tensors. */
const CHUNK = 64 << 20;

/**
 * Saves `obj` to `file` in PyTorch's format. Maps are written as OrderedDicts (a state dict),
 * plain objects as dicts, arrays as lists, numbers as ints when integral and floats otherwise,
 * bigints as ints, Uint8Arrays as bytes, Sets as sets, tensors with their whole storage: tensors
 * that share a storage share it in the file too (a view saves the storage it views, as PyTorch does).
 */
export function save(obj: unknown, file: string, opts: SaveOptions = {}): void {
  const storages = new Map<string, { key: string; dtype: DType; tensor: Tensor }>();
  const tensorReduce = (t: Tensor): Reduce => {
    const dtype = t.dtype;
    const storageType = DTYPE_STORAGE[dtype];
    if (storageType === undefined) throw new PickleWriteError(`${dtype} tensors have no storage type in PyTorch's format`);
    const [id, nbytes, offset, device] = ser.storageInfo(t._h);
    let s = storages.get(id);
    if (s === undefined) {
      s = { key: String(storages.size), dtype, tensor: t };
      storages.set(id, s);
    } else if (s.dtype !== dtype) {
      throw new PickleWriteError("Cannot save multiple tensors or storages that view the same data as different types");
    }
    const item = ELEMENT_SIZE[dtype];
    if (nbytes % item !== 0) throw new PickleWriteError(`a ${dtype} tensor over a storage of ${nbytes} bytes`);
    const pid = new PersistentId(new Tuple(["storage", new Global("torch", storageType), s.key, device, nbytes / item]));
    const hooks = new Global("collections", "OrderedDict");
    const args = [pid, offset, new Tuple(t.shape), new Tuple(t.stride()), t.requiresGrad && !(t instanceof Parameter), new Reduce(hooks, [])];
    const rebuilt = new Reduce(new Global("torch._utils", "_rebuild_tensor_v2"), args);
    if (t instanceof Parameter) return new Reduce(new Global("torch._utils", "_rebuild_parameter"), [rebuilt, t.requiresGrad, new Reduce(hooks, [])]);
    return rebuilt;
  };
  let pickle: Buffer;
  try {
    pickle = new Pickler({ replace: (o) => (o instanceof Tensor ? tensorReduce(o) : undefined) }).dump(obj);
  } catch (err) {
    if (err instanceof PickleWriteError) throw new Error(`torch.save: ${err.message}`, { cause: err });
    throw err;
  }
  writeFileAtomicWith(file, (fd) => {
    const z = new ZipWriter(fd, { forceZip64: opts._forceZip64 });
    z.writeRecord(`${ARCHIVE}/data.pkl`, pickle);
    z.writeRecord(`${ARCHIVE}/byteorder`, Buffer.from("little"));
    // one storage in memory at a time (copied out of libtorch, written, dropped)
    const byKey = [...storages.values()].sort((a, b) => Number(a.key) - Number(b.key));
    for (const s of byKey) {
      const [, nbytes] = ser.storageInfo(s.tensor._h);
      z.writeRecordFrom(`${ARCHIVE}/data/${s.key}`, nbytes, (emit) => {
        for (let at = 0; at < nbytes; at += CHUNK) emit(new Uint8Array(ser.storageToBuffer(s.tensor._h, at, Math.min(CHUNK, nbytes - at))));
      });
    }
    z.writeRecord(`${ARCHIVE}/version`, Buffer.from("3\n"));
    z.writeRecord(`${ARCHIVE}/.data/version`, Buffer.from("3\n"));
    z.finish();
  });
}
