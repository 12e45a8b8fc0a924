// Lazy safetensors reading: a file's header is read on open, each tensor's bytes only when it is
// asked for (straight from the file into the tensor, or memory-mapped), and Hugging Face's sharded
// layout (model.safetensors.index.json: {"metadata": {...}, "weight_map": {name: shard file}})
// opens each shard only when one of its tensors is read. A checkpoint larger than the memory can
// so be read a tensor at a time. The header is validated as decodeSafetensors validates it.
import * as fs from "node:fs";
import * as path from "node:path";
import { DType, dtypeCode } from "../core/dtype.js";
import { Handle, native } from "../core/native.js";
import { Tensor, wrap } from "../core/tensor.js";
import { isSafetensorsDtype, SafetensorsDtype, SafetensorsError, SAFETENSORS_DTYPE_SIZE } from "./safetensors.js";

const FROM_ST: Partial<Record<SafetensorsDtype, DType>> = {
  F32: "float32", F64: "float64", F16: "float16", BF16: "bfloat16", I64: "int64", I32: "int32",
  I16: "int16", I8: "int8", U8: "uint8", BOOL: "bool",
};
const MAX_HEADER_BYTES = 100_000_000;

interface SerializationNative {
  tensorFromFile(path: string, offset: number, nbytes: number, dtype: number, mmap: boolean): Handle;
}
const ser = native as unknown as SerializationNative;

export interface LazyTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file, and its length. */
  offset: number;
  nbytes: number;
}

export interface LazyGetOptions {
  /** Map the bytes (private, copy-on-write) instead of reading them. */
  mmap?: boolean;
}

/** One safetensors file, opened lazily: `get(name)` reads that tensor only. */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    readonly metadata: Record<string, string>,
    private readonly infos: Map<string, LazyTensorInfo>,
  ) {}

  /** Reads and validates the header (not the data). Errors name the file. */
  static open(file: string): SafetensorsFile {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new SafetensorsError(`${file}: not a regular file`);
      if (st.size < 8) throw new SafetensorsError(`${file}: file too small: ${st.size} bytes, the 8-byte header length alone needs 8`);
      const head = Buffer.alloc(8);
      fs.readSync(fd, head, 0, 8, 0);
      const n64 = head.readBigUInt64LE(0);
      if (n64 > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`${file}: header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt file?)`);
      const n = Number(n64);
      if (8 + n > st.size) throw new SafetensorsError(`${file}: header length ${n} goes beyond the end of the file (${st.size} bytes; truncated?)`);
      const hb = Buffer.alloc(n);
      if (fs.readSync(fd, hb, 0, n, 8) !== n) throw new SafetensorsError(`${file}: could not read its header`);
      const { metadata, infos } = parseHeader(file, hb, 8 + n, st.size);
      return new SafetensorsFile(file, metadata, infos);
    } finally {
      fs.closeSync(fd);
    }
  }

  keys(): string[] {
    return [...this.infos.keys()];
  }
  has(name: string): boolean {
    return this.infos.has(name);
  }
  info(name: string): LazyTensorInfo {
    const i = this.infos.get(name);
    if (i === undefined) throw new SafetensorsError(`${this.file}: no tensor named ${JSON.stringify(name)}`);
    return i;
  }

  /** The tensor `name` (a new CPU tensor), read from the file now. */
  get(name: string, opts: LazyGetOptions = {}): Tensor {
    const i = this.info(name);
    const dt = FROM_ST[i.dtype];
    if (dt === undefined) throw new SafetensorsError(`${this.file}: tensor "${name}" has dtype ${i.dtype}, which tstorch cannot hold`);
    const flat = wrap(ser.tensorFromFile(this.file, i.offset, i.nbytes, dtypeCode(dt), opts.mmap === true));
    const t = flat.reshape(i.shape);
    flat.dispose();
    return t;
  }
}

/** A sharded checkpoint (model.safetensors.index.json): shards are opened when first read from. */
export class ShardedSafetensors {
  private shards = new Map<string, SafetensorsFile>();

  private constructor(
    readonly indexFile: string,
    /** The index's "metadata" object (e.g. total_size). */
    readonly metadata: Record<string, unknown>,
    private readonly weightMap: Map<string, string>,
  ) {}

  static open(indexFile: string): ShardedSafetensors {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(indexFile, "utf8"));
    } catch (err) {
      throw new SafetensorsError(`${indexFile}: not a readable JSON index: ${(err as Error).message}`);
    }
    const o = json as { metadata?: unknown; weight_map?: unknown };
    if (typeof o !== "object" || o === null || typeof o.weight_map !== "object" || o.weight_map === null || Array.isArray(o.weight_map)) {
      throw new SafetensorsError(`${indexFile}: a safetensors index needs a "weight_map" object`);
    }
    const map = new Map<string, string>();
    for (const [k, v] of Object.entries(o.weight_map as Record<string, unknown>)) {
      // shard names are plain file names beside the index: no paths out of its folder
      if (typeof v !== "string" || v === "" || v.includes("/") || v.includes("\\") || v === "." || v === "..") {
        throw new SafetensorsError(`${indexFile}: weight_map["${k}"] must be a file name beside the index, got ${JSON.stringify(v)}`);
      }
      map.set(k, v);
    }
    const meta = typeof o.metadata === "object" && o.metadata !== null ? (o.metadata as Record<string, unknown>) : {};
    return new ShardedSafetensors(indexFile, meta, map);
  }

  keys(): string[] {
    return [...this.weightMap.keys()];
  }
  /** The shard files, in first-use order of the weight map. */
  shardFiles(): string[] {
    return [...new Set(this.weightMap.values())];
  }

  private shard(name: string): SafetensorsFile {
    const f = this.weightMap.get(name);
    if (f === undefined) throw new SafetensorsError(`${this.indexFile}: no tensor named ${JSON.stringify(name)} in its weight_map`);
    let s = this.shards.get(f);
    if (s === undefined) {
      s = SafetensorsFile.open(path.join(path.dirname(this.indexFile), f));
      this.shards.set(f, s);
    }
    if (!s.has(name)) throw new SafetensorsError(`${s.file}: the index puts tensor "${name}" in this shard, which lacks it`);
    return s;
  }

  info(name: string): LazyTensorInfo {
    return this.shard(name).info(name);
  }
  /** The tensor `name`, read from its shard now. */
  get(name: string, opts: LazyGetOptions = {}): Tensor {
    return this.shard(name).get(name, opts);
  }
  /** Every tensor, read one at a time (a state dict for module.loadStateDict). */
  loadAll(opts: LazyGetOptions = {}): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    try {
      for (const k of this.keys()) out.set(k, this.get(k, opts));
    } catch (err) {
      for (const t of out.values()) t.dispose();
      throw err;
    }
    return out;
  }
}

/** Opens a safetensors checkpoint lazily: a sharded one through its index (*.index.json), or a single file. */
export function openSafetensors(file: string): SafetensorsFile | ShardedSafetensors {
  return file.endsWith(".json") ? ShardedSafetensors.open(file) : SafetensorsFile.open(file);
}

function parseHeader(file: string, hb: Buffer, dataStart: number, fileSize: number): { metadata: Record<string, string>; infos: Map<string, LazyTensorInfo> } {
  const fail = (m: string): never => {
    throw new SafetensorsError(`${file}: ${m}`);
  };
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(hb);
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header must be a JSON object");
  const dataLen = fileSize - dataStart;
  const infos = new Map<string, LazyTensorInfo>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "string")) {
        fail('"__metadata__" must be an object of strings');
      }
      metadata = { ...(v as Record<string, string>) };
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) fail(`tensor "${name}": header entry must be an object`);
    if (!isSafetensorsDtype(e.dtype)) fail(`tensor "${name}": unknown dtype ${JSON.stringify(e.dtype)}`);
    const isDim = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
    if (!Array.isArray(e.shape) || !e.shape.every(isDim)) fail(`tensor "${name}": shape must be an array of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isDim) || off[0] > off[1]) fail(`tensor "${name}": data_offsets must be [begin, end]`);
    const [b, en] = off as [number, number];
    const shape = e.shape as number[];
    const nbytes = shape.reduce((a, x) => a * x, 1) * SAFETENSORS_DTYPE_SIZE[e.dtype as SafetensorsDtype];
    if (en - b !== nbytes) fail(`tensor "${name}": data_offsets [${b}, ${en}] span ${en - b} bytes but ${String(e.dtype)}[${shape.join(", ")}] needs ${nbytes}`);
    if (en > dataLen) fail(`tensor "${name}": data_offsets end ${en} is beyond the ${dataLen} data bytes in the file (truncated?)`);
    spans.push([b, en, name]);
    infos.set(name, { dtype: e.dtype as SafetensorsDtype, shape: [...shape], offset: dataStart + b, nbytes });
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let expected = 0;
  for (const [b, en, name] of spans) {
    if (b !== expected) fail(`tensor "${name}": data_offsets begin ${b} ${b < expected ? "overlaps the previous tensor" : `leaves a gap (expected offset ${expected})`}`);
    expected = en;
  }
  if (expected !== dataLen) fail(`tensors cover ${expected} bytes but the file has ${dataLen} data bytes after the header`);
  return { metadata, infos };
}
