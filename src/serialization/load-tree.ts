// What a checkpoint's pickle becomes before any storage is read: storage references (checked
// persistent ids), tensors pending their storage, dtypes; and the allowlist that builds them (only
// the globals of torch-globals.ts are found, only the calls PyTorch's weights_only unpickler allows).
import { DType } from "../core/dtype.js";
import { describe, PickleError, PyGlobal, UnpicklerHooks } from "./pickle.js";
import { CALLABLES, NOT_SUPPORTED, STORAGE_DTYPE, TORCH_DTYPES, UNSUPPORTED_STORAGES } from "./torch-globals.js";

// ---------------------------------------------------------------- the tree before storages are read
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly location: string,
    readonly numel: number,
  ) {}
}
/** A view of a legacy storage (its root, an element offset and length). */
export class StorageView {
  constructor(
    readonly root: StorageRef,
    readonly offset: number,
    readonly numel: number,
  ) {}
}
export class PendingTensor {
  constructor(
    readonly storage: StorageRef | StorageView,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
    public requiresGrad: boolean,
  ) {}
}
export const DTYPE_VALUE = Symbol("dtype");
export interface DTypeValue {
  [DTYPE_VALUE]: DType;
}

export function checkPid(pid: unknown, n: number): unknown[] {
  if (!Array.isArray(pid) || pid.length !== n) throw new PickleError(`persistent id must be a ${n}-tuple, got ${describe(pid)}${Array.isArray(pid) ? ` of ${pid.length}` : ""}`);
  const kind = pid[0] instanceof Uint8Array ? Buffer.from(pid[0]).toString("latin1") : pid[0];
  if (kind === "module") throw new PickleError("the file holds a pickled nn.Module (torch.save(model)); only weights are read: save model.state_dict() in PyTorch instead");
  if (kind !== "storage") throw new PickleError(`only persistent ids of storages are allowed, got ${JSON.stringify(kind)}`);
  return pid;
}

export function storageRef(storages: Map<string, StorageRef>, type: unknown, key: unknown, location: unknown, numel: unknown): StorageRef {
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

// ---------------------------------------------------------------- the allowlist
export function refuse(module: string, name: string): never {
  throw new PickleError(`refused global ${module}.${name} (only weights are read, as PyTorch's weights_only=True)`);
}

export function torchHooks(persistentLoad: (pid: unknown) => unknown): UnpicklerHooks {
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

export function isCount(x: unknown): x is number {
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
