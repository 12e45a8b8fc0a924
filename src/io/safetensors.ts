// The safetensors checkpoint format (https://github.com/huggingface/safetensors), byte level:
//   [u64 little-endian N][N bytes of JSON header][raw little-endian tensor bytes]
// header = {"__metadata__"?: {string: string}, name: {dtype, shape, data_offsets: [begin, end]}}
// with offsets relative to the end of the header. Decoding validates like the reference
// Rust implementation, because a checkpoint is untrusted input that we index into.
import * as fs from "node:fs";
import { fileKind, writeFileAtomic } from "./atomic.js";

export { writeFileAtomic } from "./atomic.js";

/** Bytes per element of every dtype the format defines. */
export const SAFETENSORS_DTYPE_SIZE = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E5M2: 1, F8_E4M3: 1,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZE;

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** prod(shape) × itemsize bytes, little-endian. Decoded entries are views into the input buffer. */
  data: Uint8Array;
}

export interface SafetensorsContents {
  tensors: Record<string, SafetensorsEntry>;
  metadata?: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

const METADATA_KEY = "__metadata__";
// Same cap as the reference implementation: a corrupt length must not make us allocate
// or parse gigabytes of "JSON".
const MAX_HEADER_BYTES = 100_000_000;

export function isSafetensorsDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === "string" && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_SIZE, d);
}

/**
 * Serialises tensors into one buffer. Tensors are laid out by decreasing element size, then
 * name (the reference library's order, which keeps every tensor aligned to its element
 * size), and the header is space-padded to a multiple of 8 bytes so the data starts aligned.
 */
export function encodeSafetensors(entries: Record<string, SafetensorsEntry>, metadata?: Record<string, string>): Buffer {
  const names = Object.keys(entries);
  for (const name of names) checkEntry(name, entries[name]);
  names.sort((a, b) => {
    const d = SAFETENSORS_DTYPE_SIZE[entries[b].dtype] - SAFETENSORS_DTYPE_SIZE[entries[a].dtype];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new SafetensorsError(`metadata value for "${k}" must be a string, got ${typeof v}`);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = entries[name];
    // defineProperty, not assignment, so a tensor named "__proto__" is stored as data.
    Object.defineProperty(header, name, {
      value: { dtype, shape, data_offsets: [offset, offset + data.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += data.length;
  }

  let json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);

  const out = Buffer.allocUnsafe(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    out.set(entries[name].data, pos);
    pos += entries[name].data.length;
  }
  return out;
}

/** Parses and fully validates a safetensors buffer; tensor data are views into `buf`. */
export function decodeSafetensors(buf: Uint8Array): SafetensorsContents {
  if (buf.length < 8) throw new SafetensorsError(`file too small: ${buf.length} bytes, the 8-byte header length alone needs 8`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt file?)`);
  const n = Number(n64);
  if (8 + n > buf.length) {
    throw new SafetensorsError(`header length ${n} goes beyond the end of the file (${buf.length} bytes; truncated?)`);
  }

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new SafetensorsError(`header must be a JSON object starting with "{", got ${JSON.stringify(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorsError("header must be a JSON object");

  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const tensors: Record<string, SafetensorsEntry> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(info);
      continue;
    }
    const { dtype, shape, begin, end } = parseInfo(name, info);
    const nbytes = shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(nbytes)) throw new SafetensorsError(`tensor "${name}": shape [${shape.join(", ")}] is too large`);
    if (end - begin !== nbytes) {
      throw new SafetensorsError(
        `tensor "${name}": data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype}[${shape.join(", ")}] needs ${nbytes}`,
      );
    }
    if (end > dataLen) {
      throw new SafetensorsError(`tensor "${name}": data_offsets end ${end} is beyond the ${dataLen} data bytes in the file (truncated?)`);
    }
    spans.push({ name, begin, end });
    // A plain Uint8Array view even when `buf` is a Buffer, whose slice() would not copy.
    const data = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + begin, nbytes);
    const entry = { dtype, shape, data };
    Object.defineProperty(tensors, name, { value: entry, enumerable: true, writable: true, configurable: true });
  }

  // Tensors must tile the data section exactly: no overlap (aliasing), no gaps, no tail.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const s of spans) {
    if (s.begin !== expected) {
      const why = s.begin < expected ? "overlaps the previous tensor" : `leaves a gap (expected offset ${expected})`;
      throw new SafetensorsError(`tensor "${s.name}": data_offsets begin ${s.begin} ${why}`);
    }
    expected = s.end;
  }
  if (expected !== dataLen) {
    throw new SafetensorsError(`tensors cover ${expected} bytes but the file has ${dataLen} data bytes after the header`);
  }
  return metadata === undefined ? { tensors } : { tensors, metadata };
}

/**
 * Reads and decodes a file; errors name the file. Only regular files are read, and the header's
 * length is checked against the file's size before anything else is read: `/dev/zero`, a FIFO or
 * a folder would otherwise be read until memory runs out, or block forever.
 */
export function readSafetensorsFile(file: string): SafetensorsContents {
  const buf = readRegularFile(file, (fd, size) => {
    if (size < 8) throw new SafetensorsError(`file too small: ${size} bytes, the 8-byte header length alone needs 8`);
    const head = Buffer.alloc(8);
    if (fs.readSync(fd, head, 0, 8, 0) !== 8) throw new SafetensorsError("could not read the 8-byte header length");
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt file?)`);
    if (8n + n > BigInt(size)) throw new SafetensorsError(`header length ${n} goes beyond the end of the file (${size} bytes; truncated?)`);
  });
  try {
    return decodeSafetensors(buf);
  } catch (err) {
    if (err instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The whole content of a regular file, read from one open descriptor (no race between the check
 * and the read). `precheck(fd, size)` may refuse it from its size and first bytes; its
 * SafetensorsError comes back naming the file.
 */
export function readRegularFile(file: string, precheck?: (fd: number, size: number) => void): Buffer {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore the flag
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SafetensorsError(`${file}: not a regular file (${fileKind(st)})`);
    try {
      precheck?.(fd, st.size);
    } catch (err) {
      if (err instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${err.message}`, { cause: err });
      throw err;
    }
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== st.size) throw new SafetensorsError(`${file}: read ${got} of its ${st.size} bytes (changed while reading?)`);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/** Encodes and writes atomically, so an interrupted save never leaves a torn checkpoint. */
export function writeSafetensorsFile(file: string, entries: Record<string, SafetensorsEntry>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(entries, metadata));
}

function checkEntry(name: string, e: SafetensorsEntry): void {
  if (name === METADATA_KEY) throw new SafetensorsError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
  if (!isSafetensorsDtype(e.dtype)) throw new SafetensorsError(`tensor "${name}": unknown dtype ${JSON.stringify(e.dtype)}`);
  if (!Array.isArray(e.shape) || !e.shape.every(isDim)) {
    throw new SafetensorsError(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
  }
  const nbytes = e.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_SIZE[e.dtype];
  if (!(e.data instanceof Uint8Array) || e.data.length !== nbytes) {
    throw new SafetensorsError(`tensor "${name}": ${e.dtype}[${e.shape.join(", ")}] needs ${nbytes} bytes, got ${e.data?.length}`);
  }
}

function parseInfo(name: string, info: unknown): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw new SafetensorsError(`tensor "${name}": header entry must be an object`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) throw new SafetensorsError(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw new SafetensorsError(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(`tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  return { dtype, shape: [...shape], begin: offsets[0], end: offsets[1] };
}

function parseMetadata(info: unknown): Record<string, string> {
  if (typeof info !== "object" || info === null || Array.isArray(info)) throw new SafetensorsError(`"${METADATA_KEY}" must be an object`);
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== "string") throw new SafetensorsError(`"${METADATA_KEY}" value for "${k}" must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(info as Record<string, string>) };
}

function isDim(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}
