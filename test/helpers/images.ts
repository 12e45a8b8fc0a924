// Test images: JPEGs and PNGs of every kind the decoders handle, written by Pillow (Debian's
// python3-pil, beside python3-torchvision), and the shared CIFAR-10 JPEG tarball when present.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { runPython } from "./python.js";
import { REPO_ROOT } from "./cifar.js";

/** Writes the sample images into a new temp folder; returns the folder and the file names. */
export function makeSampleImages(): { dir: string; files: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-images-"));
  const files = runPython(
    `
import os, numpy as np
from PIL import Image
d = INPUT["dir"]
rng = np.random.default_rng(0)
def smooth(h, w, c):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), ((x + y) * 127 // max(h + w - 2, 1))], -1)
    noise = rng.integers(0, 40, size=(h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)[..., :c]
out = []
def save(name, im, **kw):
    im.save(os.path.join(d, name), **kw); out.append(name)
rgb = Image.fromarray(smooth(37, 53, 3))
save("rgb420.jpg", rgb, quality=75)
save("rgb444.jpg", rgb, quality=90, subsampling=0)
save("rgb422.jpg", rgb, quality=60, subsampling=1)
save("progressive.jpg", rgb, quality=80, progressive=True)
save("gray.jpg", rgb.convert("L"), quality=85)
save("cmyk.jpg", rgb.convert("CMYK"), quality=85)
save("big.jpg", Image.fromarray(smooth(480, 640, 3)), quality=92)
save("rgb.png", rgb)
save("gray.png", rgb.convert("L"))
save("rgba.png", Image.fromarray(np.concatenate([smooth(37, 53, 3), rng.integers(0, 256, (37, 53, 1), dtype=np.uint8)], -1), "RGBA"))
save("la.png", rgb.convert("LA"))
save("palette.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=16))
save("palette4bit.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=16), bits=4)
save("bw.png", rgb.convert("1"))
save("gray16.png", Image.fromarray((smooth(37, 53, 1)[..., 0].astype(np.uint16) * 257 + 3).astype(np.uint16)))
OUTPUT = out
`,
    { dir },
  ) as string[];
  return { dir, files };
}

/** The shared CIFAR-10 JPEG tarball (../shared/data), or a skip (a failure in CI). */
export function sharedTarballOrSkip(t: TestContext): string | null {
  const candidates = [process.env.SHARED_DIR, path.join(REPO_ROOT, "..", "shared", "data")].filter(Boolean) as string[];
  for (const c of candidates) {
    const f = path.join(c, "cifar-10-jpeg.tar.xz");
    if (fs.existsSync(f)) return f;
  }
  const reason = `the shared CIFAR-10 JPEG tarball is not in ${candidates.join(" or ")} (set SHARED_DIR)`;
  if (process.env.CI === "true") throw new Error(`${reason} (required in CI)`);
  t.skip(reason);
  return null;
}

/** Extracts the members matching the tar wildcards into a new temp folder. */
export function extractFromTarball(tarball: string, wildcards: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-cifar-jpeg-"));
  const r = spawnSync("tar", ["-xJf", tarball, "-C", dir, "--wildcards", ...wildcards], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return dir;
}
