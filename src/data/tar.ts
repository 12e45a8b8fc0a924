// Minimal reader for (ustar / GNU / pax) tar archives held in memory: enough to unpack the
// CIFAR-10 tarball without a dependency. Regular files are returned, and hard links as
// copies of their target (tar stores a file reached twice, e.g. via `tar -h`, as a hard
// link); symlinks, devices and directories are skipped because nothing we unpack needs them.

export interface TarEntry {
  /** Path inside the archive, '/'-separated, as stored: not sanitised, so never join it onto a folder unchecked. */
  name: string;
  /** File contents: a view into the archive buffer. */
  data: Uint8Array;
}

const BLOCK = 512;

export function readTarEntries(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined; // from a GNU 'L' or pax 'path' record, applies to the next entry
  let longLink: string | undefined; // from a GNU 'K' or pax 'linkpath' record
  const byName = new Map<string, Uint8Array>();
  while (off + BLOCK <= archive.length) {
    const header = archive.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    verifyChecksum(header, off);
    const size = parseNumber(header.subarray(124, 136), off);
    const type = String.fromCharCode(header[156] || 0x30); // NUL means a regular file (old tar)
    const dataStart = off + BLOCK;
    if (dataStart + size > archive.length) {
      throw new Error(`tar: entry at offset ${off} needs ${size} bytes but the archive ends at ${archive.length} (truncated?)`);
    }
    const data = archive.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === "L") {
      longName = cString(data);
      continue;
    }
    if (type === "K") {
      longLink = cString(data);
      continue;
    }
    if (type === "x") {
      const pax = paxRecords(data);
      longName = pax.get("path") ?? longName;
      longLink = pax.get("linkpath") ?? longLink;
      continue;
    }
    if (type === "g") continue; // global pax header: nothing we use
    const name = normalise(longName ?? ustarName(header));
    const link = normalise(longLink ?? cString(header.subarray(157, 257)));
    longName = longLink = undefined;
    if (type === "0" || type === "7") {
      entries.push({ name, data });
      byName.set(name, data);
    } else if (type === "1") {
      const target = byName.get(link);
      if (!target) throw new Error(`tar: hard link ${name} points to ${link}, which is not an earlier file in the archive`);
      entries.push({ name, data: target });
      byName.set(name, target);
    }
  }
  return entries;
}

function ustarName(header: Uint8Array): string {
  const name = cString(header.subarray(0, 100));
  const isUstar = cString(header.subarray(257, 263)).startsWith("ustar");
  const prefix = isUstar ? cString(header.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

// Octal ASCII, or GNU base-256 (high bit set) for sizes over 8 GiB.
function parseNumber(field: Uint8Array, off: number): number {
  if (field[0] & 0x80) {
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    return v;
  }
  const text = cString(field).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad number field "${text}" in header at offset ${off}`);
  return parseInt(text, 8);
}

// The checksum is the byte sum of the header with its own field read as spaces; it catches
// a corrupted or non-tar input before we trust any size field.
function verifyChecksum(header: Uint8Array, off: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  const stored = parseNumber(header.subarray(148, 156), off);
  if (stored !== sum) throw new Error(`tar: header checksum mismatch at offset ${off} (not a tar archive, or corrupted)`);
}

function paxRecords(data: Uint8Array): Map<string, string> {
  // Records are "LEN key=value\n"; values here (paths) contain no newline.
  const out = new Map<string, string>();
  for (const line of new TextDecoder().decode(data).split("\n")) {
    const m = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function normalise(name: string): string {
  return name.startsWith("./") ? name.slice(2) : name;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}
