// The image codecs are a required part of the addon: the build links TurboJPEG and libpng, and
// without their headers it stops with the Debian packages to install (never a silent stub).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as torch from "../src/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

test("imageCodecLibraries links -lturbojpeg -lpng when the headers are there, else names the packages", async () => {
  const build = await import(pathToFileURL(path.join(root, "scripts", "build-native.mjs")).href);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tstorch-codec-headers-"));
  assert.throws(() => build.imageCodecLibraries([dir]), /TurboJPEG \(libjpeg-turbo\) \(turbojpeg\.h\) and libpng \(png\.h\): on Debian\/Ubuntu run `apt-get install libturbojpeg0-dev libpng-dev`/);
  fs.writeFileSync(path.join(dir, "turbojpeg.h"), "");
  assert.throws(() => build.imageCodecLibraries([dir]), /need libpng \(png\.h\): on Debian\/Ubuntu run `apt-get install libpng-dev`/);
  fs.writeFileSync(path.join(dir, "png.h"), "");
  assert.deepEqual(build.imageCodecLibraries([dir]), ["-lturbojpeg", "-lpng"]);
  fs.rmSync(dir, { recursive: true, force: true });
  // and the addon in use was built with them
  const libs = torch.vision.io.imageLibraries();
  assert.ok(libs.turbojpegApi === 2 || libs.turbojpegApi === 3);
  assert.match(libs.libpng, /^1\.6\./);
});
