// Crash-safe file writes: readers (and a resumed run) see either the old file or the
// complete new one, never a torn checkpoint or image.
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Writes `data` to a temp file in the same folder (rename is only atomic within one file
 * system), fsyncs it, renames it over `file`, then fsyncs the folder so the rename itself
 * survives a power loss. The temp file is removed if anything fails.
 */
export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  writeFileAtomicWith(target, (fd) => {
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
  });
}

/**
 * Where a write to `file` goes: the file itself, or what a symbolic link points at (the link is
 * kept, as a plain write would). Anything that exists and is not a regular file is refused: the
 * rename would replace it, and run as root, saveTensors("/dev/zero") replaced the device node
 * with a 72-byte file for every later reader of /dev/zero on the machine.
 */
function regularTarget(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st !== undefined && !st.isFile()) {
    throw new Error(`tstorch: cannot write ${file}: it exists and is not a regular file (${fileKind(st)})`);
  }
  const link = fs.lstatSync(file, { throwIfNoEntry: false });
  return link?.isSymbolicLink() && st !== undefined ? fs.realpathSync(file) : file;
}

/** What a file that is not a regular one is, in words. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function syncDir(dir: string): void {
  // Directory fsync is a Linux/macOS notion; on platforms that refuse it the data is
  // still written, just without the rename's durability guarantee, so ignore failures.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * As writeFileAtomic, for data written piece by piece (a checkpoint larger than memory can hold
 * twice): `write(fd)` fills the temp file, which is then fsynced and renamed over `target`.
 */
export function writeFileAtomicWith(target: string, write: (fd: number) => void): void {
  const file = regularTarget(target);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined = fs.openSync(tmp, "wx", 0o644);
  try {
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
}
