// The zip container of PyTorch's checkpoints (torch.save since 1.6 writes one through miniz):
// uncompressed ("stored") entries, ZIP64 records when an entry or the archive passes 4 GiB, each
// entry's data aligned to 64 bytes (PyTorch pads the local header's extra field so that storages
// can be memory-mapped in place). The reader reads the central directory only and hands out each
// entry's file span, so storages are read one at a time when they are needed (or mapped); every
// number in the file is checked against the file's size before it is used, because a checkpoint
// is untrusted input.
import * as fs from "node:fs";
import * as zlib from "node:zlib";

export class ZipError extends Error {
  override name = "ZipError";
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** PyTorch's kFieldAlignment: entry data starts at a multiple of this. */
export const ZIP_ALIGNMENT = 64;

// ------------------------------------------------------------------------------------ CRC-32
let crcTable: Uint32Array | undefined;
function crc32Js(data: Uint8Array, crc = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (crc ^ U32_MAX) >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ U32_MAX) >>> 0;
}
/** CRC-32 (zip's, zlib's), continuing from `crc`: zlib's native one where Node has it (>= 20.15). */
export function crc32(data: Uint8Array, crc = 0): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array, c?: number) => number }).crc32;
  return native !== undefined ? native(data, crc) >>> 0 : crc32Js(data, crc);
}

// ------------------------------------------------------------------------------------ reader
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** An open zip file: its entries by name; entry data read (or located) on demand. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private fd: number | undefined;
  private dataOffsets = new Map<string, number>();

  private constructor(
    readonly file: string,
    fd: number,
    readonly fileSize: number,
  ) {
    this.fd = fd;
  }

  /** Opens `file` and reads its central directory (errors name the problem; the file stays closed on error). */
  static open(file: string): ZipReader {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new ZipError("not a regular file");
      const z = new ZipReader(file, fd, st.size);
      z.readCentralDirectory();
      return z;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** Reads `n` bytes at `pos`, all of them or an error. */
  read(pos: number, n: number): Buffer {
    if (this.fd === undefined) throw new ZipError("the archive is closed");
    if (pos < 0 || n < 0 || pos + n > this.fileSize) {
      throw new ZipError(`bytes ${pos}-${pos + n} lie beyond the end of the file (${this.fileSize} bytes; truncated?)`);
    }
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, buf, got, n - got, pos + got);
      if (r === 0) throw new ZipError(`the file ended at byte ${pos + got} while reading (changed while reading?)`);
      got += r;
    }
    return buf;
  }

  private readCentralDirectory(): void {
    const size = this.fileSize;
    if (size < 22) throw new ZipError(`not a zip archive: ${size} bytes, too short for the end-of-archive record`);
    // the end record is the last 22 bytes plus a comment of at most 65535 bytes
    const tailLen = Math.min(size, 22 + U16_MAX);
    const tail = this.read(size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError("not a zip archive: no end-of-central-directory record");
    const eocdPos = size - tailLen + eocd;
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
      // ZIP64: a locator right before the end record points at the ZIP64 end record
      if (eocdPos < 20) throw new ZipError("ZIP64 archive without its end-record locator");
      const loc = this.read(eocdPos - 20, 20);
      if (loc.readUInt32LE(0) !== SIG_EOCD64_LOCATOR) throw new ZipError("ZIP64 archive without its end-record locator");
      const pos64 = u64(loc, 8, "ZIP64 end record offset");
      if (pos64 + 56 > eocdPos - 20) throw new ZipError(`ZIP64 end record offset ${pos64} is out of range`);
      const rec = this.read(pos64, 56);
      if (rec.readUInt32LE(0) !== SIG_EOCD64) throw new ZipError("bad ZIP64 end-of-central-directory record signature");
      count = u64(rec, 32, "entry count");
      cdSize = u64(rec, 40, "central directory size");
      cdOffset = u64(rec, 48, "central directory offset");
    }
    if (cdOffset + cdSize > eocdPos) {
      throw new ZipError(`central directory [${cdOffset}, ${cdOffset + cdSize}) overlaps the end record at ${eocdPos} (truncated or corrupt archive)`);
    }
    if (count * 46 > cdSize) throw new ZipError(`${count} entries cannot fit in a ${cdSize}-byte central directory`);
    const cd = this.read(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new ZipError(`central directory entry ${i} is corrupt`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let csize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let offset = cd.readUInt32LE(p + 42);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length) throw new ZipError(`central directory entry ${i} runs past the directory's end`);
      const name = cd.toString("utf8", p + 46, p + 46 + nameLen);
      // ZIP64 extended information: the 64-bit values of the fields that read 0xFFFFFFFF, in this order
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      if (usize === U32_MAX || csize === U32_MAX || offset === U32_MAX) {
        const z64 = findExtra(extra, 0x0001);
        if (z64 === undefined) throw new ZipError(`entry ${name}: 64-bit sizes without a ZIP64 extra field`);
        let q = 0;
        const next = (what: string): number => {
          if (q + 8 > z64.length) throw new ZipError(`entry ${name}: ZIP64 extra field too short for its ${what}`);
          const v = u64(z64, q, `${name} ${what}`);
          q += 8;
          return v;
        };
        if (usize === U32_MAX) usize = next("size");
        if (csize === U32_MAX) csize = next("compressed size");
        if (offset === U32_MAX) offset = next("offset");
      }
      if (flags & 1) throw new ZipError(`entry ${name} is encrypted`);
      if (method !== 0 && method !== 8) throw new ZipError(`entry ${name} uses compression method ${method} (only stored and deflated entries are read)`);
      if (method === 0 && csize !== usize) throw new ZipError(`entry ${name}: stored with compressed size ${csize} != size ${usize}`);
      if (offset + 30 + csize > cdOffset) {
        throw new ZipError(`entry ${name}: its data (${csize} bytes at ${offset}) runs past the start of the central directory (corrupt archive)`);
      }
      if (this.entries.has(name)) throw new ZipError(`entry ${name} appears twice`);
      this.entries.set(name, { name, method, crc32: crc, compressedSize: csize, size: usize, localHeaderOffset: offset });
      p = end;
    }
  }

  /** Where an entry's data starts in the file (read from its local header). */
  dataOffset(e: ZipEntry): number {
    const known = this.dataOffsets.get(e.name);
    if (known !== undefined) return known;
    const h = this.read(e.localHeaderOffset, 30);
    if (h.readUInt32LE(0) !== SIG_LOCAL) throw new ZipError(`entry ${e.name}: bad local header signature at ${e.localHeaderOffset}`);
    const start = e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    if (start + e.compressedSize > this.fileSize) {
      throw new ZipError(`entry ${e.name}: its data (${e.compressedSize} bytes at ${start}) runs past the end of the file (truncated?)`);
    }
    this.dataOffsets.set(e.name, start);
    return start;
  }

  /** An entry's bytes, decompressed and checked against its CRC-32. */
  readEntry(e: ZipEntry): Buffer {
    const raw = this.read(this.dataOffset(e), e.compressedSize);
    let data = raw;
    if (e.method === 8) {
      try {
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        throw new ZipError(`entry ${e.name}: cannot inflate: ${(err as Error).message}`);
      }
      if (data.length !== e.size) throw new ZipError(`entry ${e.name}: inflated to ${data.length} bytes, expected ${e.size}`);
    }
    this.checkCrc(e, data);
    return data;
  }

  /** Throws when `data` (the whole entry) does not match its CRC-32. */
  checkCrc(e: ZipEntry, data: Uint8Array): void {
    const c = crc32(data);
    if (c !== e.crc32) {
      throw new ZipError(`entry ${e.name}: CRC-32 mismatch (stored ${hex(e.crc32)}, computed ${hex(c)}; the file is corrupt)`);
    }
  }
}

function hex(x: number): string {
  return `0x${x.toString(16).padStart(8, "0")}`;
}

function u64(b: Buffer, at: number, what: string): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`${what} ${v} is out of range`);
  return Number(v);
}

function findExtra(extra: Buffer, id: number): Buffer | undefined {
  let p = 0;
  while (p + 4 <= extra.length) {
    const tag = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (p + 4 + len > extra.length) return undefined;
    if (tag === id) return extra.subarray(p + 4, p + 4 + len);
    p += 4 + len;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------ writer
interface Written {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

/**
 * Writes a zip of stored entries to an open file descriptor, sequentially, as PyTorch's writer
 * does: each entry's data 64-byte aligned, ZIP64 fields where a size or offset passes 4 GiB (or
 * always, with `forceZip64`, which tests use to check the ZIP64 layout without writing 4 GiB).
 */
export class ZipWriter {
  private pos = 0;
  private written: Written[] = [];

  constructor(
    private readonly fd: number,
    private readonly opts: { forceZip64?: boolean } = {},
  ) {}

  private write(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    this.pos += b.length;
  }

  /** Adds one entry holding the concatenation of `chunks`. */
  writeRecord(name: string, chunks: Uint8Array | Uint8Array[]): void {
    const parts = Array.isArray(chunks) ? chunks : [chunks];
    const size = parts.reduce((a, c) => a + c.length, 0);
    this.writeRecordFrom(name, size, (emit) => parts.forEach(emit));
  }

  /**
   * Adds one entry of `size` bytes that `produce` emits piece by piece (a storage larger than
   * one buffer): the CRC-32, known only at the end, is written into the local header afterwards.
   */
  writeRecordFrom(name: string, size: number, produce: (emit: (piece: Uint8Array) => void) => void): void {
    const nameBuf = Buffer.from(name, "utf8");
    const big = this.opts.forceZip64 || size >= U32_MAX;
    const z64Len = big ? 20 : 0; // tag, length, size, compressed size
    const offset = this.pos;
    const headerLen = 30 + nameBuf.length + z64Len;
    // pad with an extra field (PyTorch's "FB" tag) so the data lands on a 64-byte boundary
    let pad = (ZIP_ALIGNMENT - ((offset + headerLen) % ZIP_ALIGNMENT)) % ZIP_ALIGNMENT;
    if (pad > 0 && pad < 4) pad += ZIP_ALIGNMENT;
    const h = Buffer.alloc(headerLen + pad);
    h.writeUInt32LE(SIG_LOCAL, 0);
    h.writeUInt16LE(big ? 45 : 20, 4); // version needed
    h.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt16LE(0, 10); // time
    h.writeUInt16LE(0x21, 12); // date 1980-01-01
    h.writeUInt32LE(0, 14); // the CRC-32, patched below
    h.writeUInt32LE(big ? U32_MAX : size, 18);
    h.writeUInt32LE(big ? U32_MAX : size, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(z64Len + pad, 28);
    nameBuf.copy(h, 30);
    let p = 30 + nameBuf.length;
    if (big) {
      h.writeUInt16LE(0x0001, p);
      h.writeUInt16LE(16, p + 2);
      h.writeBigUInt64LE(BigInt(size), p + 4);
      h.writeBigUInt64LE(BigInt(size), p + 12);
      p += 20;
    }
    if (pad > 0) {
      h.writeUInt16LE(0x4246, p); // "FB"
      h.writeUInt16LE(pad - 4, p + 2);
      h.fill(0x5a, p + 4, p + pad); // miniz pads with 'Z'
    }
    this.write(h);
    let crc = 0;
    let got = 0;
    produce((piece) => {
      crc = crc32(piece, crc);
      got += piece.length;
      this.write(piece);
    });
    if (got !== size) throw new ZipError(`entry ${name}: ${got} bytes written, ${size} announced`);
    const c = Buffer.alloc(4);
    c.writeUInt32LE(crc, 0);
    fs.writeSync(this.fd, c, 0, 4, offset + 14); // positioned: the file's write position stays at the end
    this.written.push({ name: nameBuf, crc, size, offset });
  }

  /** Writes the central directory and end records. */
  finish(): void {
    const cdOffset = this.pos;
    for (const w of this.written) {
      const needSize = this.opts.forceZip64 || w.size >= U32_MAX;
      const needOffset = this.opts.forceZip64 || w.offset >= U32_MAX;
      const z64Len = needSize || needOffset ? 4 + (needSize ? 16 : 0) + (needOffset ? 8 : 0) : 0;
      const c = Buffer.alloc(46 + w.name.length + z64Len);
      c.writeUInt32LE(SIG_CENTRAL, 0);
      c.writeUInt16LE(z64Len ? 45 : 20, 4); // version made by
      c.writeUInt16LE(z64Len ? 45 : 20, 6); // version needed
      c.writeUInt16LE(0x0800, 8);
      c.writeUInt16LE(0, 10);
      c.writeUInt16LE(0, 12);
      c.writeUInt16LE(0x21, 14);
      c.writeUInt32LE(w.crc, 16);
      c.writeUInt32LE(needSize ? U32_MAX : w.size, 20);
      c.writeUInt32LE(needSize ? U32_MAX : w.size, 24);
      c.writeUInt16LE(w.name.length, 28);
      c.writeUInt16LE(z64Len, 30);
      c.writeUInt32LE(needOffset ? U32_MAX : w.offset, 42);
      w.name.copy(c, 46);
      let p = 46 + w.name.length;
      if (z64Len) {
        c.writeUInt16LE(0x0001, p);
        c.writeUInt16LE(z64Len - 4, p + 2);
        p += 4;
        if (needSize) {
          c.writeBigUInt64LE(BigInt(w.size), p);
          c.writeBigUInt64LE(BigInt(w.size), p + 8);
          p += 16;
        }
        if (needOffset) c.writeBigUInt64LE(BigInt(w.offset), p);
      }
      this.write(c);
    }
    const cdSize = this.pos - cdOffset;
    const n = this.written.length;
    const zip64 = this.opts.forceZip64 || n >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
    if (zip64) {
      const eocd64Pos = this.pos;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(SIG_EOCD64, 0);
      r.writeBigUInt64LE(44n, 4); // size of the rest of the record
      r.writeUInt16LE(45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(n), 24);
      r.writeBigUInt64LE(BigInt(n), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdOffset), 48);
      r.writeUInt32LE(SIG_EOCD64_LOCATOR, 56);
      r.writeBigUInt64LE(BigInt(eocd64Pos), 64);
      r.writeUInt32LE(1, 72); // total number of disks
      this.write(r);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(SIG_EOCD, 0);
    e.writeUInt16LE(zip64 ? U16_MAX : n, 8);
    e.writeUInt16LE(zip64 ? U16_MAX : n, 10);
    e.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
    e.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
    this.write(e);
  }
}
