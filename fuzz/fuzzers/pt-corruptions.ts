// Corrupted PyTorch checkpoints (.pt/.pth, the zip format torch.save writes): truncations, flipped
// bits, extreme values in zip header fields, and — with the zip rebuilt around them so that their
// CRC-32s are right and the unpickler itself is reached — corrupted pickles (flipped, truncated,
// spliced opcodes, hostile globals) and storages of the wrong size. Pure functions of the Rng.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Rng } from "../rng.js";
import { ZipReader, ZipWriter } from "../../src/serialization/zip.js";

/** Rewrites a zip with the same entries, `edit` changing any entry's bytes; CRCs are recomputed. */
export function rezip(bytes: Uint8Array, edit: (name: string, data: Buffer) => Buffer | null): Buffer {
  const dir = fs.mkdtempSync(join(tmpdir(), "tstorch-rezip-"));
  try {
    const src = join(dir, "in.pt");
    const dst = join(dir, "out.pt");
    fs.writeFileSync(src, bytes);
    const z = ZipReader.open(src);
    const fd = fs.openSync(dst, "w");
    try {
      const w = new ZipWriter(fd);
      for (const e of z.entries.values()) {
        const data = edit(e.name, z.readEntry(e));
        if (data !== null) w.writeRecord(e.name, data);
      }
      w.finish();
    } finally {
      fs.closeSync(fd);
      z.close();
    }
    return fs.readFileSync(dst);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const OPCODES = [0x28, 0x29, 0x2e, 0x30, 0x4b, 0x4e, 0x51, 0x52, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x65, 0x68, 0x6a, 0x71, 0x72, 0x73, 0x74, 0x75, 0x7d, 0x81, 0x85, 0x86, 0x87, 0x88, 0x8a, 0x8b, 0x8c, 0x94, 0x95, 0x69, 0x6f];
const HOSTILE = ["cos\nsystem\n", "cbuiltins\neval\n", "cposix\nsystem\n", "c__builtin__\ngetattr\n", "ctorch\nload\n", "csubprocess\nPopen\n"];

/** One corruption of a good checkpoint's bytes: [what was done, the bytes]. */
export function corruptPt(rng: Rng, good: Uint8Array): [string, Uint8Array] {
  const kind = rng.int(0, 9);
  const b = Buffer.from(good);
  switch (kind) {
    case 0:
      return ["truncated", b.subarray(0, rng.int(0, b.length - 1))];
    case 1: {
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return [`${n} bits flipped`, b];
    }
    case 2: {
      // an extreme value in a field after a zip signature (local header, central directory, end record)
      const sigs = [0x04034b50, 0x02014b50, 0x06054b50].map((s) => Buffer.from(Uint32Array.of(s).buffer));
      const hits: number[] = [];
      for (const s of sigs) for (let i = b.indexOf(s); i >= 0; i = b.indexOf(s, i + 1)) hits.push(i);
      const at = rng.pick(hits) + 4 + rng.int(0, 40);
      const width = rng.pick([1, 2, 4, 8]);
      const v = rng.pick([0x00, 0xff, 0x7f, 0x80]);
      b.fill(v, Math.min(at, b.length), Math.min(at + width, b.length));
      return [`zip header bytes ${at}+${width} set to 0x${v.toString(16)}`, b];
    }
    case 3:
      return ["appended garbage", Buffer.concat([b, Buffer.from(Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255)))])];
    default:
      break;
  }
  // the pickle or a storage, inside a zip with right CRCs
  const what: string[] = [];
  const out = rezip(good, (name, data) => {
    if (name.endsWith("/data.pkl")) {
      const p = Buffer.from(data);
      if (kind === 4) {
        const n = rng.int(1, 6);
        for (let i = 0; i < n; i++) p[rng.int(2, p.length - 1)] = rng.int(0, 255);
        what.push(`pickle: ${n} bytes randomised`);
        return p;
      }
      if (kind === 5) {
        what.push("pickle truncated");
        return p.subarray(0, rng.int(0, p.length - 1));
      }
      if (kind === 6) {
        const at = rng.int(2, p.length - 1);
        const ins = Buffer.from(Array.from({ length: rng.int(1, 6) }, () => rng.pick(OPCODES)));
        what.push(`pickle: opcodes ${ins.toString("hex")} spliced at ${at}`);
        return Buffer.concat([p.subarray(0, at), ins, p.subarray(at)]);
      }
      if (kind === 7) {
        const g = rng.pick(HOSTILE);
        what.push(`pickle: hostile ${g.trim().replace("\n", ".")} spliced`);
        return Buffer.concat([p.subarray(0, 2), Buffer.from(g, "latin1"), Buffer.from(")R0", "latin1"), p.subarray(2)]);
      }
      if (kind === 8) {
        // an integer argument (BININT1/BININT) made extreme: sizes, strides, offsets, element counts
        const ints: number[] = [];
        for (let i = 2; i < p.length - 1; i++) if (p[i] === 0x4b || p[i] === 0x4a) ints.push(i);
        if (ints.length > 0) {
          const at = rng.pick(ints);
          p[at + 1] = rng.pick([0, 0xff, 0x7f, 0x80]);
          what.push(`pickle: int argument at ${at} made extreme`);
        }
        return p;
      }
    }
    if (kind === 9 && /\/data\/\d+$/.test(name) && what.length === 0) {
      what.push(`storage ${name} resized`);
      return rng.bool() ? data.subarray(0, rng.int(0, Math.max(0, data.length - 1))) : Buffer.concat([data, Buffer.alloc(rng.int(1, 64))]);
    }
    return data;
  });
  return [what.join(", ") || "rezipped unchanged", out];
}
