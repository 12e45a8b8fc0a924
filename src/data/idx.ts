// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// header (two zero bytes, a type byte, the number of dimensions, then one 32-bit size per
// dimension) followed by the data. Plain or gzipped (node:zlib). Pure bytes, no tensors.
// Every malformed file is refused with an error naming the file and what is wrong with it.
import * as fs from "node:fs";
import { gunzipSync } from "node:zlib";

/** Type byte 0x08: unsigned bytes, the only type MNIST-style data sets use. */
export const IDX_UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64",
};
/** Generous bound on a decompressed file, so that a corrupt or hostile .gz cannot exhaust memory. */
const MAX_BYTES = 1 << 30;

export interface IdxArray {
  /** The sizes in the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** The data (a view into the file's bytes), prod(dims) bytes. */
  data: Uint8Array;
}

export interface IdxExpectation {
  /** Required number of dimensions (images 3, labels 1). */
  ndims: number;
  /** What the file should hold, for messages ("images", "labels"). */
  what: string;
}

/** The file's bytes, gunzipped when its name ends in .gz; refuses anything but a regular file. */
export function readIdxBytes(file: string): Uint8Array {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st === undefined) throw new Error(`IDX file ${file} does not exist`);
  if (!st.isFile()) throw new Error(`IDX file ${file} is not a regular file`);
  const raw = fs.readFileSync(file);
  if (!file.endsWith(".gz")) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_BYTES });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`IDX file ${file} is not a valid gzip file (truncated or corrupt): ${why}`, { cause: err });
  }
}

/** Parses and checks an IDX file of unsigned bytes with `e.ndims` dimensions. */
export function parseIdx(bytes: Uint8Array, file: string, e: IdxExpectation): IdxArray {
  if (bytes.length < 4) throw new Error(`IDX file ${file} is truncated: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const hex = `0x${magic.toString(16).padStart(8, "0")}`;
  const expected = `0x0000${IDX_UBYTE.toString(16).padStart(2, "0")}${e.ndims.toString(16).padStart(2, "0")}`;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `IDX file ${file} has the wrong magic number ${hex} (expected ${expected} for ${e.what}): not an IDX file` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? " (it is gzipped: name it .gz)" : ""),
    );
  }
  if (bytes[2] !== IDX_UBYTE) {
    const name = TYPE_NAMES[bytes[2]] ?? "unknown type";
    throw new Error(`IDX file ${file} has the wrong magic number ${hex}: data type 0x${bytes[2].toString(16)} (${name}), expected 0x08 (unsigned byte) for ${e.what}`);
  }
  if (bytes[3] !== e.ndims) {
    throw new Error(`IDX file ${file} has the wrong magic number ${hex}: ${bytes[3]} dimensions, expected ${e.ndims} for ${e.what} (${expected})`);
  }
  const header = 4 + 4 * e.ndims;
  if (bytes.length < header) throw new Error(`IDX file ${file} is truncated: ${bytes.length} bytes, shorter than its ${header}-byte header`);
  const dims: number[] = [];
  for (let d = 0; d < e.ndims; d++) dims.push(view.getUint32(4 + 4 * d));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - header;
  if (have < count) {
    throw new Error(`IDX file ${file} is truncated: header says [${dims.join(", ")}] (${count} bytes of data), the file has ${have}`);
  }
  if (have > count) {
    throw new Error(`IDX file ${file} has ${have - count} bytes after the data of [${dims.join(", ")}] its header announces`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** readIdxBytes + parseIdx. */
export function readIdx(file: string, e: IdxExpectation): IdxArray {
  return parseIdx(readIdxBytes(file), file, e);
}
