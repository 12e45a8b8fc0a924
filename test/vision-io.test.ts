// vision.io against torchvision.io (Debian's python3-torchvision, same libtorch): decoded pixels are
// the same bytes for JPEGs (TurboJPEG and torchvision's libjpeg both use the accurate integer IDCT
// and fancy upsampling, tolerance 0) and PNGs in every read mode; encoders give torchvision's bytes;
// corrupt data gives errors, never a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as torch from "../src/index.js";
import { torchAtLeast } from "../src/core/runtime.js";
import { runPython } from "./helpers/python.js";
import { extractFromTarball, makeSampleImages, sharedTarballOrSkip } from "./helpers/images.js";

const { io } = torch.vision;

function digest(t: torch.Tensor): string {
  const a = t.contiguous().toTypedArray();
  return `${t.dtype}:${t.shape.join("x")}:${createHash("sha1").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex")}`;
}

// torchvision's result for each (file, mode): "dtype:CxHxW:sha1 of the contiguous bytes", or the error
function torchvisionDigests(dir: string, files: string[], modes: number[], fn: "decode_jpeg" | "decode_png" | "decode_image"): Record<string, string> {
  return runPython(
    `
import hashlib, os, torch, torchvision.io as io
out = {}
for f in INPUT["files"]:
    data = io.read_file(os.path.join(INPUT["dir"], f))
    for m in INPUT["modes"]:
        try:
            if INPUT["fn"] == "decode_png":
                # 0.14: (data, mode, allow_16_bits) gives int32 for 16-bit PNGs; later versions give uint16
                t = torch.ops.image.decode_png(data, m, True)
            else:
                t = getattr(io, INPUT["fn"])(data, io.ImageReadMode(m))
            if str(t.dtype) == "torch.uint16":
                t = t.to(torch.int32)
            t = t.contiguous()
            dt = {torch.uint8: "uint8", torch.int32: "int32"}[t.dtype]
            b = t.numpy().tobytes()
            out[f"{f}|{m}"] = f"{dt}:{'x'.join(map(str, t.shape))}:{hashlib.sha1(b).hexdigest()}"
        except RuntimeError as e:
            out[f"{f}|{m}"] = "error"
OUTPUT = out
`,
    { dir, files, modes, fn },
  ) as Record<string, string>;
}

const samples = makeSampleImages();
const jpegs = samples.files.filter((f) => f.endsWith(".jpg"));
const pngs = samples.files.filter((f) => f.endsWith(".png"));

test("decodeJpeg equals torchvision.io.decode_jpeg byte for byte (4:2:0, 4:4:4, 4:2:2, progressive, grey, CMYK) in UNCHANGED, GRAY and RGB", () => {
  const want = torchvisionDigests(samples.dir, jpegs, [0, 1, 3], "decode_jpeg");
  let compared = 0;
  for (const f of jpegs) {
    const bytes = fs.readFileSync(path.join(samples.dir, f));
    for (const m of [0, 1, 3] as const) {
      const key = `${f}|${m}`;
      // libjpeg-turbo has no CMYK -> RGB/grey conversion: torchvision 0.14 fails there too, later
      // versions convert with code of their own
      if (want[key] === "error" || (f === "cmyk.jpg" && m !== 0)) {
        assert.throws(() => io.decodeJpeg(bytes, { mode: m }), /tstorch: decodeJpeg: corrupt JPEG data: Unsupported color conversion request/, key);
        continue;
      }
      assert.equal(digest(io.decodeJpeg(bytes, { mode: m })), want[key], key);
      compared++;
    }
  }
  assert.ok(compared >= 17, `compared ${compared}`);
  // the shapes themselves: grey stays 1 channel, CMYK is 4 when UNCHANGED
  assert.deepEqual(io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "gray.jpg"))).shape, [1, 37, 53]);
  assert.deepEqual(io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "cmyk.jpg"))).shape, [4, 37, 53]);
  assert.deepEqual(io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "gray.jpg")), { mode: "RGB" }).shape, [3, 37, 53]);
});

test("decodePng equals torchvision.io.decode_png in all five modes (grey, RGB, RGBA, LA, palette, 1- and 4-bit, 16-bit as int32)", () => {
  const modes = [0, 1, 2, 3, 4];
  const want = torchvisionDigests(samples.dir, pngs, modes, "decode_png");
  let compared = 0;
  for (const f of pngs) {
    const bytes = fs.readFileSync(path.join(samples.dir, f));
    for (const m of modes) {
      const key = `${f}|${m}`;
      // torchvision 0.14 takes a palette without transparency for one with alpha: in GRAY_ALPHA and
      // RGB_ALPHA it reads 1- or 3-channel rows into a 2- or 4-channel image (its bytes are garbage there)
      if (f.startsWith("palette") && (m === 2 || m === 4)) continue;
      // and in UNCHANGED it reads 4-bit palette rows packed (two indices a byte) into a byte per pixel;
      // the one paired with 2.14 (0.27) expands the palette to RGB into a 1-channel image there
      if (f === "palette4bit.png" && m === 0) continue;
      if (f.startsWith("palette") && m === 0 && torchAtLeast(2, 0)) continue;
      if (want[key] === "error") {
        assert.throws(() => io.decodePng(bytes, { mode: m as 0 }), /tstorch: decodePng/, key);
        continue;
      }
      assert.equal(digest(io.decodePng(bytes, { mode: m as 0 })), want[key], key);
      compared++;
    }
  }
  assert.ok(compared >= 32, `compared ${compared}`);
  const g16 = io.decodePng(fs.readFileSync(path.join(samples.dir, "gray16.png")));
  assert.equal(g16.dtype, "int32");
  assert.ok((g16.max().item() as number) > 255);
  // 4-bit palette indices are unpacked: the same indices as the 8-bit palette file of the same picture
  const idx8 = io.decodePng(fs.readFileSync(path.join(samples.dir, "palette.png")));
  assert.ok(io.decodePng(fs.readFileSync(path.join(samples.dir, "palette4bit.png"))).equal(idx8));
  assert.ok((idx8.max().item() as number) <= 15);
  // palette images in RGB_ALPHA get an opaque alpha
  const pa = io.decodePng(fs.readFileSync(path.join(samples.dir, "palette.png")), { mode: "RGB_ALPHA" });
  assert.deepEqual(pa.shape, [4, 37, 53]);
  assert.equal(pa.select(0, 3).min().item(), 255);
});

test("decodeImage and readImage tell JPEG from PNG; readFile gives torchvision's uint8 1-D tensor", () => {
  const want = torchvisionDigests(samples.dir, ["rgb420.jpg", "rgba.png"], [0, 3], "decode_image");
  for (const f of ["rgb420.jpg", "rgba.png"]) {
    const p = path.join(samples.dir, f);
    for (const m of [0, 3] as const) {
      assert.equal(digest(io.readImage(p, { mode: m })), want[`${f}|${m}`]);
      assert.equal(digest(io.decodeImage(io.readFile(p), { mode: m })), want[`${f}|${m}`]);
    }
  }
  const raw = io.readFile(path.join(samples.dir, "rgb.png"));
  assert.equal(raw.dtype, "uint8");
  assert.equal(raw.shape[0], fs.statSync(path.join(samples.dir, "rgb.png")).size);
  assert.throws(() => io.decodeImage(new Uint8Array([1, 2, 3, 4])), /tstorch: decodeImage: unsupported image format \(only JPEG and PNG are supported\)/);
  assert.throws(() => io.readImage(path.join(samples.dir, "nope.png")), /ENOENT/);
  assert.throws(() => io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "rgb.png"))), /tstorch: decodeJpeg: the data is not a JPEG/);
  assert.throws(() => io.decodePng(fs.readFileSync(path.join(samples.dir, "gray.jpg"))), /tstorch: decodePng: the data is not a PNG/);
  assert.throws(() => io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "gray.jpg")), { mode: "RGB_ALPHA" }), /mode RGB_ALPHA is not supported for JPEG files/);
  assert.throws(() => io.decodeJpeg(torch.zeros([2, 3], { dtype: "uint8" })), /expected a uint8 1-D tensor of encoded bytes/);
});

// JPEG bytes equal torchvision's (both libjpeg-turbo, accurate DCT); PNG pixels equal, but not the
// bytes at every level: Node's own zlib (which libpng binds to inside node) compresses differently.
test("encodeJpeg gives torchvision's bytes, encodePng its pixels; writePng/writeJpeg round-trip", () => {
  const img = io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "rgb444.jpg")));
  const gray = io.decodeJpeg(fs.readFileSync(path.join(samples.dir, "gray.jpg")));
  const want = runPython(
    `
import hashlib, os, torchvision.io as io
out = {}
for f in ["rgb444.jpg", "gray.jpg"]:
    t = io.decode_jpeg(io.read_file(os.path.join(INPUT, f)))
    out[f] = [hashlib.sha1(io.encode_jpeg(t, q).numpy().tobytes()).hexdigest() for q in (75, 95)] + \\
             [hashlib.sha1(io.decode_png(io.encode_png(t, c)).contiguous().numpy().tobytes()).hexdigest() for c in (6, 1)]
OUTPUT = out
`,
    samples.dir,
  ) as Record<string, string[]>;
  const sha = (t: torch.Tensor) => createHash("sha1").update(t.toTypedArray() as Uint8Array).digest("hex");
  assert.ok(io.encodePng(img, { compressionLevel: 9 }).shape[0] < io.encodePng(img, { compressionLevel: 0 }).shape[0]);
  for (const [f, t] of [["rgb444.jpg", img], ["gray.jpg", gray]] as const) {
    assert.deepEqual(
      [sha(io.encodeJpeg(t)), sha(io.encodeJpeg(t, { quality: 95 })), sha(io.decodePng(io.encodePng(t)).contiguous()), sha(io.decodePng(io.encodePng(t, { compressionLevel: 1 })).contiguous())],
      want[f],
      f,
    );
  }
  const out = path.join(samples.dir, "written.png");
  io.writePng(img, out);
  assert.ok(io.readImage(out).equal(img));
  io.writeJpeg(img, path.join(samples.dir, "written.jpg"), { quality: 100 });
  assert.deepEqual([...fs.readFileSync(path.join(samples.dir, "written.jpg"))], [...(io.encodeJpeg(img, { quality: 100 }).toTypedArray() as Uint8Array)]);
  assert.deepEqual(io.readImage(path.join(samples.dir, "written.jpg")).shape, img.shape);
  assert.throws(() => io.encodeJpeg(img, { quality: 0 }), /quality must be in 1..100, got 0/);
  assert.throws(() => io.encodePng(img.float()), /expected a uint8 tensor, got Float/);
  assert.throws(() => io.encodeJpeg(torch.zeros([2, 4, 4], { dtype: "uint8" })), /must have 1 or 3 channels, got 2/);
});

test("corrupt data gives clear errors and never crashes: truncations and byte flips of every sample", () => {
  // a JPEG whose data ends early is an error in torchvision ("Image is incomplete or truncated") and here
  const jpg = fs.readFileSync(path.join(samples.dir, "big.jpg"));
  const half = jpg.subarray(0, jpg.length >> 1);
  const theirs = runPython(
    `
import torch, torchvision.io as io
try:
    io.decode_jpeg(torch.frombuffer(bytearray(bytes(INPUT)), dtype=torch.uint8))
    OUTPUT = "decoded"
except RuntimeError as e:
    OUTPUT = str(e)
`,
    [...half],
  ) as string;
  assert.match(theirs, /Image is incomplete or truncated$/);
  assert.throws(() => io.decodeJpeg(half), /tstorch: decodeJpeg: the image is incomplete or truncated \(Premature end of JPEG file\)/);
  assert.throws(() => io.decodeJpeg(jpg.subarray(0, 100)), /tstorch: decodeJpeg: corrupt JPEG/);
  const png = fs.readFileSync(path.join(samples.dir, "rgba.png"));
  assert.throws(() => io.decodePng(png.subarray(0, png.length - 40)), /tstorch: decodePng: the data ends early \(truncated or corrupt PNG\)/);
  // byte flips: each decode either gives a tensor or throws an Error naming the decoder
  let seed = 1;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let errors = 0;
  let decoded = 0;
  for (const f of samples.files) {
    const bytes = fs.readFileSync(path.join(samples.dir, f));
    for (let k = 0; k < 40; k++) {
      const b = Uint8Array.from(bytes);
      for (let j = 0; j < 4; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        io.decodeImage(b, { mode: k % 2 ? "RGB" : "UNCHANGED" }).dispose();
        decoded++;
      } catch (e) {
        assert.match((e as Error).message, /^tstorch: (decodeJpeg|decodePng|decodeImage): /);
        errors++;
      }
    }
  }
  assert.equal(decoded + errors, samples.files.length * 40);
  assert.ok(errors > 0);
});

test("decodeImages / decodeImagesAsync / startDecodeImages decode on libuv's pool in order; failures name the file", async () => {
  const files = samples.files.filter((f) => f !== "cmyk.jpg").map((f) => path.join(samples.dir, f)); // CMYK has no RGB conversion
  const one = files.map((f) => digest(io.readImage(f, { mode: "RGB" }).contiguous()));
  for (const threads of [1, 3, 8]) assert.deepEqual(io.decodeImages(files, { mode: "RGB", threads }).map(digest), one);
  assert.deepEqual((await io.decodeImagesAsync(files.map((f) => fs.readFileSync(f)), { mode: "RGB" })).map(digest), one);
  assert.equal(digest(await io.readImageAsync(files[0], { mode: "RGB" })), one[0]);
  const ticket = io.startDecodeImages(files, { mode: "RGB" });
  assert.deepEqual(ticket.wait().map(digest), one);
  assert.throws(() => ticket.wait(), /already taken/);
  const bad = path.join(samples.dir, "bad.jpg");
  fs.writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
  assert.throws(() => io.decodeImages([files[0], bad]), new RegExp(`tstorch: ${bad.replace(/[.]/g, "\\.")}: decodeJpeg: corrupt JPEG`));
  await assert.rejects(io.decodeImagesAsync([files[1], path.join(samples.dir, "missing.jpg")]), /tstorch: cannot read .*missing\.jpg: No such file or directory/);
  assert.deepEqual(await io.decodeImagesAsync([]), []);
});

test("the shared CIFAR-10 JPEGs decode to torchvision's pixels (1,000 test images, every class)", (t) => {
  const tarball = sharedTarballOrSkip(t);
  if (!tarball) return;
  const dir = extractFromTarball(tarball, ["test/*/00[0-9]*.jpg"]);
  const files: string[] = [];
  for (const cls of fs.readdirSync(path.join(dir, "test")).sort()) {
    for (const f of fs.readdirSync(path.join(dir, "test", cls)).sort()) files.push(`test/${cls}/${f}`);
  }
  assert.equal(files.length, 1000);
  const want = torchvisionDigests(dir, files, [3], "decode_jpeg");
  const got = io.decodeImages(files.map((f) => path.join(dir, f)), { mode: "RGB" });
  files.forEach((f, i) => assert.equal(digest(got[i]), want[`${f}|3`], f));
  fs.rmSync(dir, { recursive: true, force: true });
});
