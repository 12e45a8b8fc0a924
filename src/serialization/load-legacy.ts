// torch.load's legacy format (before PyTorch 1.6, or _use_new_zipfile_serialization=False): pickles of a
// magic number, a protocol version and system info, then the object, then the list of storage keys,
// then each storage as an int64 element count and its bytes.
import * as fs from "node:fs";
import { describe, PickleError, unpickle, UnpicklerHooks } from "./pickle.js";
import { ELEMENT_SIZE } from "./torch-globals.js";
import { LoadError, type LoadOptions } from "./load-options.js";
import { materialize, readStorage } from "./load-storage.js";
import { checkPid, isCount, refuse, StorageRef, StorageView, storageRef, torchHooks } from "./load-tree.js";

// ---------------------------------------------------------------- legacy format
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export function loadLegacy(file: string, opts: LoadOptions): unknown {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const size = fs.fstatSync(fd).size;
    const reader = {
      file,
      read(pos: number, n: number): Buffer {
        if (pos < 0 || pos + n > size) throw new LoadError(`torch.load: ${file}: bytes ${pos}-${pos + n} lie beyond its end (${size} bytes; truncated?)`);
        const b = Buffer.allocUnsafe(n);
        let got = 0;
        while (got < n) {
          const r = fs.readSync(fd, b, got, n - got, pos + got);
          if (r === 0) throw new LoadError(`torch.load: ${file}: ended while reading (changed while reading?)`);
          got += r;
        }
        return b;
      },
    };
    // the pickles come first and are small next to the storages: read a prefix that holds them
    let prefixLen = Math.min(size, 1 << 20);
    for (;;) {
      const prefix = reader.read(0, prefixLen);
      try {
        return loadLegacyFrom(prefix, reader, size, opts);
      } catch (err) {
        if (err instanceof PickleError && err.message.startsWith("truncated pickle") && prefixLen < size) {
          prefixLen = Math.min(size, prefixLen * 4);
          continue;
        }
        throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function loadLegacyFrom(prefix: Buffer, reader: { file: string; read(pos: number, n: number): Buffer }, size: number, opts: LoadOptions): unknown {
  const plain: UnpicklerHooks = {
    findClass: (m, n) => refuse(m, n),
    reduce: (f) => {
      throw new PickleError(`call of ${describe(f)} in the header`);
    },
  };
  let r = unpickle(prefix, plain, 0);
  if (r.value !== LEGACY_MAGIC && r.value !== Number(LEGACY_MAGIC)) throw new LoadError(`torch.load: ${reader.file}: not a PyTorch checkpoint (a pickle without PyTorch's magic number)`);
  r = unpickle(prefix, plain, r.end);
  if (r.value !== 1001) throw new LoadError(`torch.load: ${reader.file}: legacy protocol version ${String(r.value)} (expected 1001)`);
  r = unpickle(prefix, plain, r.end);
  const sysInfo = r.value;
  if (sysInfo instanceof Map && sysInfo.get("little_endian") === false) {
    throw new LoadError(`torch.load: ${reader.file}: written on a big-endian machine; only little-endian files are read`);
  }
  const storages = new Map<string, StorageRef>();
  const views = new Map<string, StorageView>();
  r = unpickle(prefix, torchHooks((pid) => legacyPersistentLoad(pid, storages, views)), r.end);
  const value = r.value;
  r = unpickle(prefix, plain, r.end);
  const keys = r.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string" || typeof k === "number")) {
    throw new LoadError(`torch.load: ${reader.file}: the storage key list is corrupt`);
  }
  // each storage: int64 element count, then its bytes; their offsets, in the keys' order
  const offsets = new Map<string, number>();
  let pos = r.end;
  for (const k of keys.map(String)) {
    const ref = storages.get(k);
    if (ref === undefined) throw new LoadError(`torch.load: ${reader.file}: storage ${k} is listed but never used`);
    const n = reader.read(pos, 8).readBigInt64LE(0);
    if (n !== BigInt(ref.numel)) throw new LoadError(`torch.load: ${reader.file}: storage ${k} has ${n} elements in the file, ${ref.numel} in its pickle`);
    offsets.set(k, pos + 8);
    pos += 8 + ref.numel * ELEMENT_SIZE[ref.dtype];
    if (pos > size) throw new LoadError(`torch.load: ${reader.file}: storage ${k} runs past the end of the file (truncated?)`);
  }
  return materialize(value, reader.file, opts, (ref) => {
    const at = offsets.get(ref.key);
    if (at === undefined) throw new LoadError(`torch.load: ${reader.file}: storage ${ref.key} is not in the file's storage list`);
    return readStorage(reader, at, ref.numel * ELEMENT_SIZE[ref.dtype], ref.dtype, opts.mmap === true);
  });
}

function legacyPersistentLoad(pid: unknown, storages: Map<string, StorageRef>, views: Map<string, StorageView>): StorageRef | StorageView {
  const [, type, key, location, numel, view] = checkPid(pid, 6);
  const root = storageRef(storages, type, key, location, numel);
  if (view === null) return root;
  if (!Array.isArray(view) || view.length !== 3) throw new PickleError(`persistent id: bad view metadata ${describe(view)}`);
  const [vkey, off, len] = view;
  if (!isCount(off) || !isCount(len) || off + len > root.numel) throw new PickleError(`storage view [${String(off)}, +${String(len)}) is outside its storage of ${root.numel} elements`);
  const k = String(vkey);
  const known = views.get(k);
  if (known !== undefined) return known;
  const v = new StorageView(root, off, len);
  views.set(k, v);
  return v;
}
