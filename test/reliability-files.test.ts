// File readers refuse what is not a regular file and lengths that do not add up, before reading:
// io.loadTensors("/dev/zero") read until memory ran out; decodePng gave a blank image for image
// data that was not zlib, empty or short; the CLI called a data file that is a folder "missing".
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deflateSync } from "node:zlib";
import * as torch from "../src/index.js";
import { decodePng } from "../src/io/png.js";
import { parseCifar10Args, maxThreads } from "../src/cli/args.js";
import { readData } from "../src/cli/data.js";
import { native } from "../src/core/native.js";
import { PYTHON } from "./helpers/python.js";

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-files-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("loadTensors refuses devices, folders and pipes at once, and a header longer than the file", (t) => {
  const dir = tmpDir(t);
  const t0 = Date.now();
  assert.throws(() => torch.io.loadTensors("/dev/zero"), /\/dev\/zero: not a regular file \(a character device\)/);
  assert.throws(() => torch.io.loadTensors(dir), /not a regular file \(a folder\)/);
  const fifo = path.join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  assert.throws(() => torch.io.loadTensors(fifo), /not a regular file \(a named pipe\)/);
  const link = path.join(dir, "zero.safetensors");
  fs.symlinkSync("/dev/zero", link);
  assert.throws(() => torch.io.loadTensors(link), /not a regular file \(a character device\)/);
  assert.ok(Date.now() - t0 < 2000, "refused at once");
  // a header length beyond the file's size is refused from the first 8 bytes
  const lie = Buffer.alloc(16);
  lie.writeBigUInt64LE(1000n, 0);
  const f = path.join(dir, "lie.safetensors");
  fs.writeFileSync(f, lie);
  assert.throws(() => torch.io.loadTensors(f), /header length 1000 goes beyond the end of the file \(16 bytes/);
  fs.writeFileSync(f, Buffer.alloc(3));
  assert.throws(() => torch.io.loadTensors(f), /file too small: 3 bytes/);
  // saving never replaces something that is not a regular file (as root, the rename replaced /dev/zero)
  assert.throws(() => torch.io.saveTensors({ a: torch.ones([1]) }, fifo), /cannot write .*fifo: it exists and is not a regular file \(a named pipe\)/);
  assert.ok(fs.statSync(fifo).isFIFO());
  // through a link to a regular file: the file is written, the link stays
  const target = path.join(dir, "target.safetensors");
  fs.writeFileSync(target, "");
  const toTarget = path.join(dir, "via-link.safetensors");
  fs.symlinkSync(target, toTarget);
  torch.io.saveTensors({ a: torch.ones([2]) }, toTarget);
  assert.ok(fs.lstatSync(toTarget).isSymbolicLink());
  assert.deepEqual(torch.io.loadTensors(target).tensors.get("a")!.toArray(), [1, 1]);
  // a good file still loads
  torch.io.saveTensors({ a: torch.arange(0, 3) }, f);
  assert.deepEqual(torch.io.loadTensors(f).tensors.get("a")!.toArray(), [0, 1, 2]);
});

// ---------------------------------------------------------------- PNG
function chunk(type: string, data: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, "latin1");
  Buffer.from(data).copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}
function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const x of buf) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function png(w: number, h: number, idat: Uint8Array | null): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2; // RGB
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), ...(idat ? [chunk("IDAT", idat)] : []), chunk("IEND", new Uint8Array(0))]);
}
const rows = (w: number, h: number) => deflateSync(Buffer.alloc(h * (1 + 3 * w), 0));

test("decodePng refuses image data that is not zlib, empty, short or long, and a zero width", () => {
  assert.equal(decodePng(png(4, 3, rows(4, 3))).width, 4);
  assert.throws(() => decodePng(png(4, 3, Buffer.from("not zlib at all"))), /image data is not a valid zlib stream/);
  assert.throws(() => decodePng(png(4, 3, new Uint8Array(0))), /not a valid zlib stream/);
  assert.throws(() => decodePng(png(4, 3, rows(4, 1))), /inflates to 13 bytes but a 4x3 image needs 39/);
  assert.throws(() => decodePng(png(4, 3, rows(4, 9))), /inflates to more than the 39 bytes/);
  assert.throws(() => decodePng(png(4, 3, null)), /no IDAT chunk/);
  assert.throws(() => decodePng(png(0, 3, rows(4, 3))), /image size 0x3/);
  assert.throws(() => decodePng(png(100_000, 100_000, rows(4, 3))), /needs 30000100000/);
  assert.throws(() => decodePng(Buffer.from("GIF89a")), /no PNG signature/);
});

// Pillow writes no interlaced PNGs: this encoder writes Adam7 with the Up filter; Pillow reads it
// as the reference.
const MAKE_PNGS = `
import json, random, struct, sys, zlib
from PIL import Image
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
PASSES = [(0,0,8,8),(4,0,8,8),(0,4,4,8),(2,0,4,4),(0,2,2,4),(1,0,2,2),(0,1,1,2)]
def pack(vals, depth):
    if depth >= 8: return b"".join(v.to_bytes(depth // 8, "big") for v in vals)
    out, per = bytearray(), 8 // depth
    for i in range(0, len(vals), per):
        b = 0
        for j, v in enumerate(vals[i:i + per]): b |= v << (8 - depth * (j + 1))
        out.append(b)
    return bytes(out)
out = []
for n, (w, h, depth, ct) in enumerate([(5, 3, 8, 2), (1, 9, 8, 0), (9, 9, 8, 6), (7, 5, 4, 0), (6, 4, 16, 2), (33, 17, 8, 4)]):
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
    r = random.Random(n)
    img = [[r.randrange(2 ** depth) for _ in range(w * ch)] for _ in range(h)]
    raw = b""
    for x0, y0, dx, dy in PASSES:
        xs, ys, prev = range(x0, w, dx), range(y0, h, dy), None
        if not xs or not ys: continue
        for y in ys:
            line = pack([img[y][x * ch + c] for x in xs for c in range(ch)], depth)
            raw += b"\\2" + bytes((a - (prev[i] if prev else 0)) & 255 for i, a in enumerate(line))
            prev = line
    f = sys.argv[1] + "/i%d.png" % n
    open(f, "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, 1)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    im = Image.open(f)
    assert im.info.get("interlace") == 1
    out.append({"file": f, "depth": depth, "rgba": [list(p) for p in im.convert("RGBA").getdata()] if depth != 16 else None})
print(json.dumps(out))
`;

test("interlaced PNGs (Adam7; 1 to 16 bits; grey, RGB, grey+alpha, RGBA) decode to Pillow's pixels", (t) => {
  const dir = tmpDir(t);
  const cases = JSON.parse(execFileSync(PYTHON, ["-c", MAKE_PNGS, dir], { encoding: "utf8" })) as { file: string; depth: number; rgba: number[][] | null }[];
  for (const c of cases) {
    const d = decodePng(fs.readFileSync(c.file));
    assert.equal(d.data.length, d.width * d.height * 4);
    if (c.rgba === null) continue; // 16-bit: Pillow and pngjs round to 8 bits differently
    const got: number[][] = [];
    for (let i = 0; i < d.data.length; i += 4) got.push([...d.data.subarray(i, i + 4)]);
    // Pillow's grey->RGBA for sub-byte depths scales as the PNG spec says, so does pngjs
    assert.deepEqual(got, c.rgba, c.file);
  }
});

// ---------------------------------------------------------------- CLI
test("--threads above the limit is a usage error naming it; the addon agrees on the limit", () => {
  assert.equal(maxThreads().n, native.maxNumThreads());
  assert.throws(() => parseCifar10Args(["cnn", "--threads", "100000"]), new RegExp(`--threads 100000: at most ${maxThreads().n} \\(4 per logical core`));
});

test("the CLI says what a data file is when it is a folder or a link to a device, not 'missing'", (t) => {
  const dir = tmpDir(t);
  const bin = path.join(dir, "cifar-10-batches-bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(bin, "data_batch_1.bin"));
  assert.throws(() => readData(dir), /data_batch_1\.bin is a folder, not a data file/);
  fs.rmdirSync(path.join(bin, "data_batch_1.bin"));
  fs.symlinkSync("/dev/zero", path.join(bin, "data_batch_1.bin"));
  assert.throws(() => readData(dir), /data_batch_1\.bin is a symbolic link to \/dev\/zero, which is a character device, not a data file/);
  fs.rmSync(path.join(bin, "data_batch_1.bin"));
  fs.symlinkSync(path.join(dir, "nowhere"), path.join(bin, "data_batch_1.bin"));
  assert.throws(() => readData(dir), /is a symbolic link to .*nowhere, which does not exist/);
  // the CLI process itself: a usage error (exit 2), at once
  const tstorchBin = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../bin/tstorch.js");
  const r = spawnSync(process.execPath, [tstorchBin, "cifar10", "cnn", "--data", dir, "--epochs", "1"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /symbolic link to .*nowhere, which does not exist/);
});
