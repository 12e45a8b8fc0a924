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
import * as fs from "node:fs";
import { Device, DeviceLike, cuda } from "../core/device.js";
import { DType, dtypeCode } from "../core/dtype.js";
import { native, Handle } from "../core/native.js";
import { Tensor, wrap } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { asStrided } from "../generated/functions.js";
import { describe, PickleError, PyGlobal, unpickle, UnpicklerHooks } from "./pickle.js";
import { CALLABLES, ELEMENT_SIZE, NOT_SUPPORTED, STORAGE_DTYPE, TORCH_DTYPES, UNSUPPORTED_STORAGES } from "./torch-globals.js";
import { crc32, ZipError, ZipReader } from "./zip.js";

/** Where loaded tensors go: one device for all, a map from saved locations ("cuda:1") to devices, or a function of the saved location. */
export type MapLocation = DeviceLike | Record<string, DeviceLike> | ((location: string) => DeviceLike);

export interface LoadOptions {
  /** PyTorch's map_location: by default each tensor goes where it was saved. */
  mapLocation?: MapLocation;
  /** Only weights are read (PyTorch's weights_only=True); false is refused, since it would run the file's code. */
  weightsOnly?: boolean;
  /**
   * Map the file's storages into memory (private, copy-on-write) instead of reading them: pages are
   * read when used and stay evictable. CPU tensors only; needs the storages aligned to their
   * element size (as torch.save aligns them), others are read.
   */
  mmap?: boolean;
}

export class LoadError extends Error {
  override name = "LoadError";
}

interface SerializationNative {
  /** With crc (and not mmap): [tensor, CRC-32 of its bytes]. */
  tensorFromFile(path: string, offset: number, nbytes: number, dtype: number, mmap: boolean, crc?: boolean): Handle | [Handle, number];
}
const ser = native as unknown as SerializationNative;

// ---------------------------------------------------------------- the tree before storages are read
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly location: string,
    readonly numel: number,
  ) {}
}
/** A view of a legacy storage (its root, an element offset and length). */
class StorageView {
  constructor(
    readonly root: StorageRef,
    readonly offset: number,
    readonly numel: number,
  ) {}
}
class PendingTensor {
  constructor(
    readonly storage: StorageRef | StorageView,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
    public requiresGrad: boolean,
  ) {}
}
const DTYPE_VALUE = Symbol("dtype");
interface DTypeValue {
  [DTYPE_VALUE]: DType;
}

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

function checkPid(pid: unknown, n: number): unknown[] {
  if (!Array.isArray(pid) || pid.length !== n) throw new PickleError(`persistent id must be a ${n}-tuple, got ${describe(pid)}${Array.isArray(pid) ? ` of ${pid.length}` : ""}`);
  const kind = pid[0] instanceof Uint8Array ? Buffer.from(pid[0]).toString("latin1") : pid[0];
  if (kind === "module") throw new PickleError("the file holds a pickled nn.Module (torch.save(model)); only weights are read: save model.state_dict() in PyTorch instead");
  if (kind !== "storage") throw new PickleError(`only persistent ids of storages are allowed, got ${JSON.stringify(kind)}`);
  return pid;
}

function storageRef(storages: Map<string, StorageRef>, type: unknown, key: unknown, location: unknown, numel: unknown): StorageRef {
  if (!(type instanceof PyGlobal) || !type.name.endsWith("Storage")) throw new PickleError(`persistent id: expected a storage type, got ${describe(type)}`);
  const dtype = STORAGE_DTYPE[type.name];
  if (dtype === undefined) throw new PickleError(`storage type ${type.fullName} is not supported`);
  const k = typeof key === "number" ? String(key) : key;
  if (typeof k !== "string" || !/^[A-Za-z0-9_.-]{1,200}$/.test(k)) throw new PickleError(`persistent id: bad storage key ${describe(key)}`);
  const loc = location instanceof Uint8Array ? Buffer.from(location).toString("latin1") : location;
  if (typeof loc !== "string") throw new PickleError(`persistent id: bad location ${describe(location)}`);
  if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw new PickleError(`persistent id: bad element count ${String(numel)}`);
  const known = storages.get(k);
  if (known !== undefined) {
    if (known.dtype !== dtype || known.numel !== numel) {
      throw new PickleError(`storage ${k} is read as ${known.dtype}[${known.numel}] and as ${dtype}[${numel}]`);
    }
    return known;
  }
  const ref = new StorageRef(k, dtype, loc, numel);
  storages.set(k, ref);
  return ref;
}

/**
 * A storage's bytes from the file as a 1-D tensor: mapped, or read by the addon straight into the
 * tensor (no copy through JavaScript), with the CRC-32 of what was read given to `check`.
 */
function readStorage(
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

// ---------------------------------------------------------------- legacy format
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function loadLegacy(file: string, opts: LoadOptions): unknown {
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

// ---------------------------------------------------------------- the allowlist
function refuse(module: string, name: string): never {
  throw new PickleError(`refused global ${module}.${name} (only weights are read, as PyTorch's weights_only=True)`);
}

function torchHooks(persistentLoad: (pid: unknown) => unknown): UnpicklerHooks {
  return {
    findClass(module, name) {
      const full = `${module}.${name}`;
      if (CALLABLES.has(full) || full in NOT_SUPPORTED) return new PyGlobal(module, name);
      if ((module === "torch" || module === "torch.cuda") && name.endsWith("Storage")) {
        if (name in STORAGE_DTYPE) return new PyGlobal(module, name);
        if (UNSUPPORTED_STORAGES.has(name)) throw new PickleError(`${full}: quantized storages are not supported by tstorch's torch.load`);
      }
      if (module === "torch.storage" && name === "UntypedStorage") return new PyGlobal("torch", name);
      if (module === "torch" && name in TORCH_DTYPES) return { [DTYPE_VALUE]: TORCH_DTYPES[name] } satisfies DTypeValue;
      return refuse(module, name);
    },
    reduce(fn, args) {
      if (!(fn instanceof PyGlobal)) throw new PickleError(`REDUCE of a ${describe(fn)}, which is not a callable`);
      return call(fn, args);
    },
    newObj(cls, args) {
      if (cls instanceof PyGlobal && cls.fullName === "torch.nn.parameter.Parameter") return call(new PyGlobal("torch._utils", "_rebuild_parameter"), [args[0], args[1] ?? true]);
      if (cls instanceof PyGlobal && cls.fullName === "collections.OrderedDict") return new Map();
      throw new PickleError(`NEWOBJ of ${describe(cls)} is not allowed`);
    },
    build(obj, state) {
      if (obj instanceof Map && state instanceof Map) {
        // an OrderedDict's attributes (a state dict's _metadata): kept, not enumerated
        for (const [k, v] of state) {
          if (typeof k === "string" && k !== "__proto__") Object.defineProperty(obj, k, { value: v, enumerable: false, writable: true, configurable: true });
        }
        return;
      }
      if (obj instanceof PendingTensor && (state === null || (state instanceof Map && state.size === 0))) return;
      throw new PickleError(`BUILD of a ${describe(obj)} with ${describe(state)} state is not allowed`);
    },
    persistentLoad,
  };
}

function call(fn: PyGlobal, args: unknown[]): unknown {
  const full = fn.fullName;
  if (full in NOT_SUPPORTED) throw new PickleError(`${full}: ${NOT_SUPPORTED[full]}`);
  switch (full) {
    case "collections.OrderedDict":
      if (args.length === 0) return new Map();
      if (args.length === 1 && Array.isArray(args[0])) {
        const m = new Map();
        for (const kv of args[0]) {
          if (!Array.isArray(kv) || kv.length !== 2) throw new PickleError("OrderedDict() of items that are not pairs");
          m.set(kv[0], kv[1]);
        }
        return m;
      }
      throw new PickleError("OrderedDict() with unexpected arguments");
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2": {
      const [storage, offset, size, stride, requiresGrad] = args;
      if (args.length < 4 || args.length > 7) throw new PickleError(`${full} with ${args.length} arguments`);
      return rebuildTensor(storage, offset, size, stride, requiresGrad === true);
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state": {
      const [data, requiresGrad] = args;
      if (!(data instanceof PendingTensor)) throw new PickleError(`${full} of a ${describe(data)}, not a tensor`);
      data.requiresGrad = requiresGrad !== false;
      return data;
    }
    case "torch._tensor._rebuild_from_type_v2": {
      const [func, type, fargs] = args;
      if (!(type instanceof PyGlobal) || (type.fullName !== "torch.Tensor" && type.fullName !== "torch.nn.parameter.Parameter")) {
        throw new PickleError(`tensor subclass ${describe(type)} is not supported`);
      }
      if (!(func instanceof PyGlobal) || !Array.isArray(fargs)) throw new PickleError(`${full} with bad arguments`);
      return call(func, fargs);
    }
    case "torch.Size": {
      const dims = args.length === 0 ? [] : args[0];
      if (!Array.isArray(dims) || !dims.every(isCount)) throw new PickleError("torch.Size of something that is not a tuple of sizes");
      return [...dims];
    }
    case "torch.device": {
      const [type, index] = args;
      if (typeof type !== "string") throw new PickleError("torch.device of a non-string");
      return index === undefined || index === null ? type : `${type}:${String(index)}`;
    }
    case "_codecs.encode": {
      const [s, enc] = args;
      if (typeof s !== "string" || (enc !== "latin1" && enc !== "latin-1")) throw new PickleError("_codecs.encode other than bytes' latin1 form");
      return new Uint8Array(Buffer.from(s, "latin1"));
    }
    case "builtins.set":
    case "builtins.frozenset":
      return new Set(args.length === 0 ? [] : (asArray(args[0], full) as unknown[]));
    case "builtins.bytearray":
      if (args.length === 0) return new Uint8Array(0);
      if (args[0] instanceof Uint8Array) return args[0].slice();
      if (typeof args[0] === "string") return new Uint8Array(Buffer.from(args[0], "latin1"));
      throw new PickleError("bytearray of something that is not bytes");
    default:
      throw new PickleError(`${full} cannot be called`);
  }
}

function asArray(x: unknown, what: string): unknown[] {
  if (Array.isArray(x)) return x;
  if (x instanceof Set) return [...x];
  throw new PickleError(`${what} of a ${describe(x)}`);
}

function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, requiresGrad: boolean): PendingTensor {
  if (!(storage instanceof StorageRef) && !(storage instanceof StorageView)) throw new PickleError(`a tensor over a ${describe(storage)}, not a storage`);
  if (!isCount(offset)) throw new PickleError(`tensor storage offset ${String(offset)} is not a non-negative integer`);
  if (!Array.isArray(size) || !size.every(isCount)) throw new PickleError("tensor size is not a tuple of non-negative integers");
  if (!Array.isArray(stride) || stride.length !== size.length || !stride.every(isCount)) {
    throw new PickleError(`tensor stride ${describe(stride)} does not fit its size [${size.join(", ")}]`);
  }
  if (size.length > 64) throw new PickleError(`a tensor of ${size.length} dimensions`);
  const numel = storage.numel;
  const empty = size.some((d) => d === 0);
  let last = offset;
  for (let i = 0; i < size.length; i++) if (!empty) last += (size[i] - 1) * stride[i];
  if (!Number.isSafeInteger(last) || (empty ? offset > numel : last >= numel)) {
    throw new PickleError(`tensor [${size.join(", ")}] with strides [${stride.join(", ")}] at offset ${offset} reaches beyond its storage of ${numel} elements`);
  }
  return new PendingTensor(storage, offset, size, stride, requiresGrad);
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
function materialize(value: unknown, file: string, opts: LoadOptions, readRef: (ref: StorageRef) => Tensor): unknown {
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
