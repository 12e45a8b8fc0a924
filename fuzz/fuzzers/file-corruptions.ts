// Corrupted file contents: safetensors (truncated, bit-flipped, huge or lying header lengths,
// hostile headers) and PNGs (truncated, bit-flipped, lying IHDR fields with valid CRCs, broken
// zlib streams, missing chunks). Each maker is a pure function of its Rng.
import { deflateSync } from "node:zlib";
import type { Rng } from "../rng.js";

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export function flipBits(rng: Rng, buf: Uint8Array, from = 0): Uint8Array {
  const out = Uint8Array.from(buf);
  const n = rng.int(1, 8);
  for (let i = 0; i < n && out.length > from; i++) out[rng.int(from, out.length - 1)] ^= 1 << rng.int(0, 7);
  return out;
}

export function truncate(rng: Rng, buf: Uint8Array): Uint8Array {
  return buf.subarray(0, rng.int(0, Math.max(0, buf.length - 1)));
}

function withHeaderLength(buf: Uint8Array, n: bigint): Uint8Array {
  const out = Uint8Array.from(buf);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
  return out;
}

function safetensorsWithHeader(header: unknown, data: Uint8Array): Uint8Array {
  const text = typeof header === "string" ? header : JSON.stringify(header);
  const h = Buffer.from(text, "utf8");
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A hostile header over `data` bytes (a tensor "w" of 6 floats is the honest one). */
function hostileHeader(rng: Rng): [string, unknown] {
  const ok = { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] };
  const choices: [string, unknown][] = [
    ["offsets beyond data", { w: { ...ok, data_offsets: [0, 2 ** 40] } }],
    ["negative offsets", { w: { ...ok, data_offsets: [-8, 16] } }],
    ["offsets reversed", { w: { ...ok, data_offsets: [24, 0] } }],
    ["fractional offsets", { w: { ...ok, data_offsets: [0.5, 24.5] } }],
    ["huge shape", { w: { ...ok, shape: [2 ** 31, 2 ** 31, 2 ** 31] } }],
    ["negative shape", { w: { ...ok, shape: [-2, -3] } }],
    ["shape of strings", { w: { ...ok, shape: ["2", "3"] } }],
    ["unknown dtype", { w: { ...ok, dtype: "F128" } }],
    ["dtype not a string", { w: { ...ok, dtype: 7 } }],
    ["complex dtype", { w: { ...ok, dtype: "C64", shape: [3] } }],
    ["missing fields", { w: { dtype: "F32" } }],
    ["entry not an object", { w: 5 }],
    ["overlapping tensors", { a: ok, b: ok }],
    ["metadata not strings", { __metadata__: { a: 1, b: { c: 2 } }, w: ok }],
    ["metadata an array", { __metadata__: [1, 2], w: ok }],
    ["__proto__ key", '{"__proto__": {"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}'],
    ["constructor key", { constructor: ok }],
    ["deep nesting", '{"w":' + "[".repeat(100_000) + "]".repeat(100_000) + "}"],
    ["JSON array", [ok]],
    ["not JSON", "{w: dtype F32}"],
    ["empty object, data left over", {}],
    ["invalid UTF-8", "{\"w\": \"\udc00\"}"],
    ["many tensors", Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`t${i}`, { dtype: "U8", shape: [0], data_offsets: [0, 0] }]))],
    ["zero-size shape with bytes", { w: { ...ok, shape: [0, 3] } }],
    ["bool with bytes 2..255", { w: { dtype: "BOOL", shape: [24], data_offsets: [0, 24] } }],
  ];
  return rng.pick(choices);
}

/** A corrupted safetensors file made from valid `good` bytes. */
export function corruptSafetensors(rng: Rng, good: Uint8Array): [string, Uint8Array] {
  const data = new Uint8Array(24).fill(0x7f);
  switch (rng.int(0, 6)) {
    case 0: return ["truncated", truncate(rng, good)];
    case 1: return ["bit flips", flipBits(rng, good)];
    case 2: {
      const out = Uint8Array.from(good);
      out[rng.int(0, 7)] ^= 1 << rng.int(0, 7);
      return ["a bit flipped in the header length", out];
    }
    case 3: {
      const n = rng.pick([2n ** 64n - 1n, 2n ** 63n, 2n ** 40n, 2n ** 31n, 100_000_000n, BigInt(good.length), BigInt(good.length - 7), 0n, 1n, 7n]);
      return [`header length ${n}`, withHeaderLength(good, n)];
    }
    case 4: {
      const [what, h] = hostileHeader(rng);
      return [`hostile header: ${what}`, safetensorsWithHeader(h, data)];
    }
    case 5: return ["garbage appended", Uint8Array.from([...good, ...Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255))])];
    default: return ["random bytes", Uint8Array.from({ length: rng.int(0, 256) }, () => rng.int(0, 255))];
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(Buffer.from(type, "latin1"), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** A PNG built chunk by chunk, with valid CRCs over whatever lies the fields tell. */
function pngOf(ihdr: { w: number; h: number; depth: number; color: number; interlace: number }, idat: Uint8Array | null, iend = true): Uint8Array {
  const h = new Uint8Array(13);
  const v = new DataView(h.buffer);
  v.setUint32(0, ihdr.w >>> 0);
  v.setUint32(4, ihdr.h >>> 0);
  h[8] = ihdr.depth;
  h[9] = ihdr.color;
  h[12] = ihdr.interlace;
  const parts = [SIGNATURE, chunk("IHDR", h)];
  if (idat) parts.push(chunk("IDAT", idat));
  if (iend) parts.push(chunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** A corrupted PNG made from a valid one (`good`, 4x3 RGB). */
export function corruptPng(rng: Rng, good: Uint8Array): [string, Uint8Array] {
  const rows = (w: number, h: number, bpp: number) => {
    const raw = new Uint8Array(h * (1 + w * bpp));
    for (let i = 0; i < raw.length; i++) raw[i] = i % (1 + w * bpp) === 0 ? rng.int(0, 4) : rng.int(0, 255);
    return deflateSync(raw);
  };
  const base = { w: 4, h: 3, depth: 8, color: 2, interlace: 0 };
  switch (rng.int(0, 9)) {
    case 0: return ["truncated", truncate(rng, good)];
    case 1: return ["bit flips", flipBits(rng, good, 8)];
    case 2: {
      const w = rng.pick([0, 1, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 100_000]);
      const h = rng.pick([0, 1, 65535, 2 ** 31 - 1, 100_000]);
      return [`IHDR ${w}x${h}, 4x3 data`, pngOf({ ...base, w, h }, rows(4, 3, 3))];
    }
    case 3: return ["IDAT not zlib", pngOf(base, Uint8Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 255)))];
    case 4: return ["IDAT empty", pngOf(base, new Uint8Array(0))];
    case 5: return ["IDAT too short", pngOf(base, rows(4, 1, 3))];
    case 6: return ["no IDAT", pngOf(base, null)];
    case 7: return ["no IEND", pngOf(base, rows(4, 3, 3), false)];
    case 8: {
      const depth = rng.pick([1, 2, 4, 16, 3, 0, 255]);
      const color = rng.pick([0, 2, 3, 4, 6, 1, 7]);
      return [`bit depth ${depth}, colour type ${color}`, pngOf({ ...base, depth, color }, rows(4, 3, 3))];
    }
    default: return ["interlace flag, bad filter bytes", pngOf({ ...base, interlace: rng.int(1, 3) }, deflateSync(Uint8Array.from({ length: 40 }, () => rng.int(0, 255))))];
  }
}
