// torch.load for PyTorch's checkpoint files (torch/serialization.py):
// - the zip format (torch.save since 1.6): <archive>/data.pkl, a pickle whose tensors refer through
//   persistent ids ('storage', <Type>Storage, key, location, numel) to the raw little-endian bytes
//   in <archive>/data/<key>;
// - the legacy format (before 1.6, or _use_new_zipfile_serialization=False): pickles of a magic
//   number, a protocol version and system info, then the object, then the list of storage keys,
//   then each storage as an int64 element count and its bytes.
// Only data is read, as PyTorch's weights_only=True does: the pickle goes through an allowlist
// (torch-globals.ts) and a refused global is named in the error. Storages are read one at a time,
// from their offsets in the file, when the whole pickle has been checked (or memory-mapped with
// `mmap`), so the file is never held in memory whole; tensors that shared a storage in PyTorch are
// views of one storage here too.
// The entry point and the zip format are here; load-legacy.ts reads the legacy format, load-tree.ts
// holds the allowlist and what the pickle becomes, load-storage.ts reads the storages.
import * as fs from "node:fs";
import { dtypeCode } from "../core/dtype.js";
import { native } from "../core/native.js";
import { wrap } from "../core/tensor.js";
import { PickleError, unpickle } from "./pickle.js";
import { ELEMENT_SIZE } from "./torch-globals.js";
import { crc32, ZipError, ZipReader } from "./zip.js";
import { LoadError, type LoadOptions } from "./load-options.js";
import { loadLegacy } from "./load-legacy.js";
import { materialize, readStorage } from "./load-storage.js";
import { checkPid, StorageRef, storageRef, torchHooks } from "./load-tree.js";

export { LoadError, type LoadOptions, type MapLocation } from "./load-options.js";

// ---------------------------------------------------------------- entry point
/**
 * Loads a file written by PyTorch's `torch.save` (or tstorch's): dicts come back as Maps (a state
 * dict as `Map<string, Tensor>`, which `module.loadStateDict` takes), lists and tuples as arrays,
 * ints as numbers (bigints beyond 2^53), tensors as Tensors. Only weights are read.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function load<T = any>(file: string, opts: LoadOptions = {}): T {
  if (opts.weightsOnly === false) {
    throw new LoadError("torch.load: weightsOnly: false is not supported: tstorch never runs a checkpoint's code (only weights are read, as PyTorch's weights_only=True)");
  }
  try {
    return loadFile(file, opts) as T;
  } catch (err) {
    if (err instanceof LoadError) throw err;
    const e = err as Error;
    if (e instanceof PickleError || e instanceof ZipError) throw new LoadError(`torch.load: ${file}: ${e.message}`, { cause: e });
    if ((e as NodeJS.ErrnoException).code !== undefined) throw new LoadError(`torch.load: ${e.message}`, { cause: e });
    throw new LoadError(`torch.load: ${file}: ${e.message}`, { cause: e });
  }
}

function loadFile(file: string, opts: LoadOptions): unknown {
  const head = readHead(file);
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return loadZip(file, opts);
  if (head.length >= 2 && head[0] === 0x80 && head[1] <= 5) return loadLegacy(file, opts);
  if (head.length >= 262 && head.toString("latin1", 257, 262) === "ustar") {
    throw new LoadError(`torch.load: ${file}: a tar checkpoint (PyTorch before 0.4): not supported; re-save it with a newer PyTorch`);
  }
  throw new LoadError(`torch.load: ${file}: not a PyTorch checkpoint (neither a zip archive nor a legacy pickle; it starts with ${JSON.stringify(head.subarray(0, 8).toString("latin1"))})`);
}

function readHead(file: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new LoadError(`torch.load: ${file}: not a regular file`);
    const b = Buffer.alloc(Math.min(512, st.size));
    fs.readSync(fd, b, 0, b.length, 0);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------- zip format
function loadZip(file: string, opts: LoadOptions): unknown {
  const z = ZipReader.open(file);
  try {
    const names = [...z.entries.keys()];
    if (names.some((n) => /^([^/]+\/)?constants\.pkl$/.test(n))) {
      throw new LoadError(`torch.load: ${file} is a TorchScript archive: load it with torch.jit.load`);
    }
    const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? (z.entries.has("data.pkl") ? "data.pkl" : undefined);
    if (pkl === undefined) {
      throw new LoadError(`torch.load: ${file}: a zip archive without data.pkl (not written by torch.save)`);
    }
    const prefix = pkl.slice(0, pkl.length - "data.pkl".length);
    const bo = z.entries.get(`${prefix}byteorder`);
    if (bo !== undefined) {
      const order = z.readEntry(bo).toString("latin1");
      if (order !== "little") throw new LoadError(`torch.load: ${file}: written with byte order "${order}"; only little-endian files are read`);
    }
    const data = z.readEntry(z.entries.get(pkl)!);
    const storages = new Map<string, StorageRef>();
    const { value } = unpickle(data, torchHooks((pid) => zipPersistentLoad(pid, storages)));
    return materialize(value, file, opts, (ref) => {
      const e = z.entries.get(`${prefix}data/${ref.key}`);
      if (e === undefined) throw new LoadError(`torch.load: ${file}: storage ${ref.key} is missing (no entry ${prefix}data/${ref.key})`);
      const nbytes = ref.numel * ELEMENT_SIZE[ref.dtype];
      if (e.size < nbytes) {
        throw new LoadError(`torch.load: ${file}: storage ${ref.key} holds ${e.size} bytes but ${ref.numel} ${ref.dtype} elements need ${nbytes}`);
      }
      if (e.method !== 0) {
        const bytes = z.readEntry(e).subarray(0, nbytes);
        return wrap(native.fromBuffer(new Uint8Array(bytes), dtypeCode(ref.dtype), [ref.numel]));
      }
      return readStorage(z, z.dataOffset(e), nbytes, ref.dtype, opts.mmap === true, (partial) => {
        // the whole entry's CRC, as PyTorch (miniz) checks it; bytes past nbytes are read for it only
        let c = partial;
        if (e.size > nbytes) c = crc32(z.read(z.dataOffset(e) + nbytes, e.size - nbytes), c);
        if (c !== e.crc32) throw new LoadError(`torch.load: ${file}: storage ${ref.key}: CRC-32 mismatch (the file is corrupt)`);
      });
    });
  } finally {
    z.close();
  }
}

function zipPersistentLoad(pid: unknown, storages: Map<string, StorageRef>): StorageRef {
  const [kind, type, key, location, numel] = checkPid(pid, 5);
  void kind;
  return storageRef(storages, type, key, location, numel);
}
