import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import {
  SAFETENSORS_DTYPE_SIZE,
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  writeFileAtomic,
  writeSafetensorsFile,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from "../src/io/safetensors.js";

const PYTHON = "/usr/bin/python3";

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-st-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function u16(values: number[]): Uint8Array {
  return bytesOf(new Uint16Array(values)); // x86/arm hosts are little-endian, as the format is
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Test-only: the numbers a tensor's little-endian bytes hold (the library stays byte-level). */
function valuesOf(e: SafetensorsEntry): number[] {
  const b = e.data.slice(); // copy: an aligned buffer of its own
  const n = b.length / SAFETENSORS_DTYPE_SIZE[e.dtype];
  switch (e.dtype) {
    case "F64": return [...new Float64Array(b.buffer, 0, n)];
    case "F32": return [...new Float32Array(b.buffer, 0, n)];
    case "F16": return [...new Uint16Array(b.buffer, 0, n)].map(halfToNumber);
    case "BF16": return [...new Uint16Array(b.buffer, 0, n)].map((h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]);
    case "I64": return [...new BigInt64Array(b.buffer, 0, n)].map(Number);
    case "I32": return [...new Int32Array(b.buffer, 0, n)];
    case "I16": return [...new Int16Array(b.buffer, 0, n)];
    case "I8": return [...new Int8Array(b.buffer, 0, n)];
    case "U8": return [...b];
    case "BOOL": return [...b].map((v) => (v ? 1 : 0));
    default: throw new Error(`no test decoder for ${e.dtype}`);
  }
}

// One tensor per dtype PyTorch and the format share, with values each dtype holds exactly.
const F32 = [1.5, -2.25, 0.1, 3e38, -0, 1e-45];
const I64 = [0, -1, 9007199254740991, -9007199254740991, 1099511627779, 42];
const SAMPLE: Record<string, SafetensorsEntry> = {
  "layer.weight": { dtype: "F32", shape: [2, 3], data: bytesOf(new Float32Array(F32)) },
  "layer.bias": { dtype: "F64", shape: [3], data: bytesOf(new Float64Array([Math.PI, -1e300, 5e-324])) },
  half: { dtype: "F16", shape: [6], data: u16([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x0001]) },
  brain: { dtype: "BF16", shape: [1, 3], data: u16([0x3f80, 0xc000, 0x4049]) },
  steps: { dtype: "I64", shape: [3, 2], data: bytesOf(new BigInt64Array(I64.map(BigInt))) },
  i32: { dtype: "I32", shape: [2], data: bytesOf(new Int32Array([-2147483648, 2147483647])) },
  i16: { dtype: "I16", shape: [2], data: bytesOf(new Int16Array([-32768, 32767])) },
  i8: { dtype: "I8", shape: [3], data: bytesOf(new Int8Array([-128, 0, 127])) },
  pixels: { dtype: "U8", shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) },
  mask: { dtype: "BOOL", shape: [4], data: new Uint8Array([1, 0, 0, 1]) },
  scalar: { dtype: "F32", shape: [], data: bytesOf(new Float32Array([7.25])) },
};
const EXPECTED: Record<string, number[]> = {
  "layer.weight": F32.map(Math.fround),
  "layer.bias": [Math.PI, -1e300, 5e-324],
  half: [1, -2, 0.5, 65504, 2 ** -14, 2 ** -24],
  brain: [1, -2, 3.140625],
  steps: I64,
  i32: [-2147483648, 2147483647],
  i16: [-32768, 32767],
  i8: [-128, 0, 127],
  pixels: [0, 1, 254, 255],
  mask: [1, 0, 0, 1],
  scalar: [7.25],
};

function headerOf(buf: Buffer): { n: number; json: Record<string, { dtype: string; data_offsets: [number, number] }> } {
  const n = Number(buf.readBigUInt64LE(0));
  return { n, json: JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) };
}

test("safetensors round trip: values, metadata, padding, alignment, empty and scalar tensors", () => {
  const entries = {
    ...SAMPLE,
    empty: { dtype: "F32" as SafetensorsDtype, shape: [0, 3], data: new Uint8Array(0) },
    // A computed key makes an own property named "__proto__", which must survive as data.
    ["__proto__"]: { dtype: "U8" as SafetensorsDtype, shape: [1], data: new Uint8Array([9]) },
  };
  const buf = encodeSafetensors(entries, { format: "pt", note: "ünïcode ✓" });
  const { n, json } = headerOf(buf);
  assert.equal(n % 8, 0, "header padded to a multiple of 8");
  const text = buf.subarray(8, 8 + n).toString("utf8");
  assert.match(text.slice(text.lastIndexOf("}") + 1), /^ *$/, "padding is spaces");
  // Larger element sizes come first, so every tensor starts aligned to its element size.
  for (const [name, info] of Object.entries(json)) {
    if (name === "__metadata__") continue;
    assert.equal((8 + n + info.data_offsets[0]) % SAFETENSORS_DTYPE_SIZE[info.dtype as SafetensorsDtype], 0, name);
  }
  assert.ok(json["layer.bias"].data_offsets[0] < json["layer.weight"].data_offsets[0]);
  assert.ok(json["layer.weight"].data_offsets[0] < json["half"].data_offsets[0]);

  const dec = decodeSafetensors(buf);
  assert.deepEqual(dec.metadata, { format: "pt", note: "ünïcode ✓" });
  assert.deepEqual(Object.keys(dec.tensors).sort(), Object.keys(entries).sort());
  for (const [name, e] of Object.entries(entries)) {
    assert.equal(dec.tensors[name].dtype, e.dtype, name);
    assert.deepEqual(dec.tensors[name].shape, e.shape, name);
    assert.deepEqual(dec.tensors[name].data, e.data, name);
  }
  for (const [name, want] of Object.entries(EXPECTED)) assert.deepEqual(valuesOf(dec.tensors[name]), want, name);
  assert.equal(decodeSafetensors(encodeSafetensors({})).metadata, undefined);
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors, {});
});

test("a file PyTorch wrote decodes to the same values in TypeScript", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "from-python.safetensors");
  // Standard library + torch only (the `safetensors` package is not installed). The header
  // is deliberately left unpadded and tensors are stored in reverse name order.
  const code = `
import json, struct, sys, torch
torch.manual_seed(0)
ts = {
  "w": torch.randn(3, 4),
  "d": torch.randn(5, dtype=torch.float64),
  "h": torch.tensor([1.0, -0.333, 1000.5], dtype=torch.float16),
  "b": torch.tensor([[1.0, -0.333], [1e30, 7.0]], dtype=torch.bfloat16),
  "n": torch.tensor([-(2**40) - 3, 2**53 - 1, 5], dtype=torch.int64),
  "k": torch.arange(-3, 3, dtype=torch.int32).reshape(2, 3),
  "s": torch.tensor([-300, 300], dtype=torch.int16),
  "c": torch.tensor([-5, 6], dtype=torch.int8),
  "u": torch.tensor([0, 200, 255], dtype=torch.uint8),
  "m": torch.tensor([True, False, True]),
}
names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
         torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
         torch.uint8: "U8", torch.bool: "BOOL"}
def raw(t):
  t = t.contiguous()
  return (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
header, blobs, off = {"__metadata__": {"framework": "torch " + torch.__version__}}, [], 0
for name in sorted(ts, reverse=True):
  b = raw(ts[name])
  header[name] = {"dtype": names[ts[name].dtype], "shape": list(ts[name].shape), "data_offsets": [off, off + len(b)]}
  blobs.append(b); off += len(b)
h = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
  f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print(json.dumps({k: {"dtype": names[v.dtype], "shape": list(v.shape),
                      "values": [float(x) if v.is_floating_point() else int(x) for x in v.flatten().tolist()]}
                  for k, v in ts.items()}))
`;
  const expected: Record<string, { dtype: string; shape: number[]; values: number[] }> = JSON.parse(
    execFileSync(PYTHON, ["-c", code, file], { encoding: "utf8" }),
  );
  const dec = readSafetensorsFile(file);
  assert.match(dec.metadata?.framework ?? "", /^torch \d/);
  assert.deepEqual(Object.keys(dec.tensors).sort(), Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const got = dec.tensors[name];
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual(got.shape, want.shape, name);
    assert.deepEqual(valuesOf(got), want.values, name);
  }
  // Sanity: the random tensor really is random, not zeros.
  assert.ok(valuesOf(dec.tensors.w).some((v) => Math.abs(v) > 0.1));
});

test("a file TypeScript wrote decodes in PyTorch to the expected values", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "from-ts.safetensors");
  writeSafetensorsFile(file, SAMPLE, { source: "tstorch" });
  assert.deepEqual(fs.readdirSync(dir), ["from-ts.safetensors"]); // atomic write left no temp file
  const code = `
import json, struct, sys, torch
dt = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
      "U8": torch.uint8, "BOOL": torch.bool}
data = open(sys.argv[1], "rb").read()
n, = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
meta = header.pop("__metadata__", None)
body = data[8 + n:]
out = {}
for name, info in header.items():
  b, e = info["data_offsets"]
  t = torch.frombuffer(bytearray(body[b:e]), dtype=dt[info["dtype"]]).reshape(info["shape"])
  out[name] = {"dtype": str(t.dtype), "shape": list(t.shape),
               "values": [float(x) if t.is_floating_point() else int(x) for x in t.flatten().tolist()]}
print(json.dumps({"n": n, "meta": meta, "tensors": out}))
`;
  const res = JSON.parse(execFileSync(PYTHON, ["-c", code, file], { encoding: "utf8" }));
  assert.equal(res.n % 8, 0);
  assert.deepEqual(res.meta, { source: "tstorch" });
  const torchName: Record<string, string> = {
    F32: "torch.float32", F64: "torch.float64", F16: "torch.float16", BF16: "torch.bfloat16", I64: "torch.int64",
    I32: "torch.int32", I16: "torch.int16", I8: "torch.int8", U8: "torch.uint8", BOOL: "torch.bool",
  };
  assert.deepEqual(Object.keys(res.tensors).sort(), Object.keys(SAMPLE).sort());
  for (const [name, e] of Object.entries(SAMPLE)) {
    const got = res.tensors[name];
    assert.equal(got.dtype, torchName[e.dtype], name);
    assert.deepEqual(got.shape, e.shape, name);
    assert.deepEqual(got.values, EXPECTED[name], name);
  }
});

/** Builds a raw file from a header (object or literal text) and `dataLen` data bytes. */
function rawFile(header: object | string, dataLen: number): Buffer {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataLen)]);
}

test("decodeSafetensors rejects malformed files with clear errors", () => {
  const good = encodeSafetensors({ a: SAMPLE["layer.weight"], b: SAMPLE.steps });
  const n = Number(good.readBigUInt64LE(0));
  const bad = (buf: Uint8Array, re: RegExp) =>
    assert.throws(() => decodeSafetensors(buf), (e: Error) => e instanceof SafetensorsError && re.test(e.message));

  bad(good.subarray(0, 5), /file too small: 5 bytes/);
  bad(good.subarray(0, 8 + n - 1), new RegExp(`header length ${n} goes beyond the end of the file \\(${8 + n - 1} bytes`));
  bad(good.subarray(0, good.length - 4), /data_offsets end \d+ is beyond the \d+ data bytes in the file \(truncated\?\)/);
  bad(Buffer.concat([good, Buffer.alloc(8)]), /tensors cover 72 bytes but the file has 80 data bytes/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(2n ** 63n, 0);
  bad(huge, /exceeds the 100000000-byte limit/);

  bad(rawFile("{not json}", 0), /header is not valid JSON/);
  bad(rawFile("[1, 2, 3]", 0), /must be a JSON object starting with "\{"/);
  const notUtf8 = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff]); // "{" then a lone 0xff
  bad(notUtf8, /not valid UTF-8/);
  bad(rawFile({ x: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, 16), /tensor "x": unknown dtype "F128"/);
  bad(rawFile({ x: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, 12), /span 12 bytes but F32\[2, 2\] needs 16/);
  bad(rawFile({ x: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4), /shape must be an array of non-negative integers/);
  bad(rawFile({ x: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, 4), /data_offsets must be \[begin, end\]/);
  bad(rawFile({ x: { dtype: "F32", shape: [1] } }, 4), /data_offsets must be/);
  bad(
    rawFile({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, y: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, 12),
    /tensor "y": data_offsets begin 4 overlaps the previous tensor/,
  );
  bad(
    rawFile({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, y: { dtype: "F32", shape: [2], data_offsets: [12, 20] } }, 20),
    /tensor "y": data_offsets begin 12 leaves a gap \(expected offset 8\)/,
  );
  bad(rawFile({ __metadata__: { epoch: 3 } }, 0), /"__metadata__" value for "epoch" must be a string/);
  bad(rawFile({ x: [1, 2] }, 0), /tensor "x": header entry must be an object/);

  // Sanity check of the helper: a well-formed raw file decodes.
  const ok = decodeSafetensors(rawFile({ x: { dtype: "U8", shape: [3], data_offsets: [0, 3] } }, 3));
  assert.deepEqual(ok.tensors.x, { dtype: "U8", shape: [3], data: new Uint8Array(3) });
});

test("readSafetensorsFile names the file; encode validates entries", (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, "cut.safetensors");
  const good = encodeSafetensors({ a: SAMPLE["layer.weight"] });
  writeFileAtomic(file, good.subarray(0, good.length - 1));
  assert.throws(() => readSafetensorsFile(file), (e: Error) => e.message.startsWith(`${file}: `) && /truncated/.test(e.message));

  assert.throws(() => encodeSafetensors({ a: { dtype: "F32", shape: [2], data: new Uint8Array(7) } }), /F32\[2\] needs 8 bytes, got 7/);
  assert.throws(() => encodeSafetensors({ a: { dtype: "Q4" as SafetensorsDtype, shape: [], data: new Uint8Array(1) } }), /unknown dtype "Q4"/);
  assert.throws(() => encodeSafetensors({ __metadata__: SAMPLE.pixels }), /reserved/);
  assert.throws(() => encodeSafetensors({}, { epoch: 3 as unknown as string }), /must be a string/);
});
