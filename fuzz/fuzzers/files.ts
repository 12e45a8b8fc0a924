// Corrupted files: safetensors and PNG bytes (file-corruptions.ts), broken CIFAR-10 folders, and
// paths that are not regular files (/dev/zero, a folder, a FIFO, a link to /dev/zero). Every load
// must give the tensors or a clean error: no crash, no hang, no read until memory runs out.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/index.js";
import { attempt as attempt0 } from "../classify.js";
import { note } from "../note.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";
import { corruptPng, corruptSafetensors, flipBits } from "./file-corruptions.js";
import { DTYPES, randomTensor } from "./op-values.js";

function attempt(what: string, fn: () => unknown): CaseReport {
  note(what);
  return attempt0(what, fn);
}

const RECORD = 3073;
const FILE_BYTES = 10_000 * RECORD;
const CIFAR_FILES = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];

function scratch(index: number): string {
  const d = join(tmpdir(), `tstorch-fuzz-files-${process.pid}-${index}`);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Loads and reads back every tensor: corrupted data must not only decode but be readable. */
function loadAll(path: string): void {
  const { tensors } = torch.io.loadTensors(path);
  for (const t of tensors.values()) {
    t.toArray();
    t.dispose();
  }
}

function goodSafetensors(rng: Rng): Uint8Array {
  return torch.scope(() => {
    const m: Record<string, torch.Tensor> = {};
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) m[`t${i}`] = randomTensor(rng, [rng.int(0, 3), rng.int(1, 4)], rng.pick(DTYPES));
    return torch.io.encodeTensors(m, rng.bool() ? { epoch: "3" } : undefined);
  });
}

function safetensorsCase(rng: Rng, dir: string): CaseReport {
  const [what, bytes] = corruptSafetensors(rng, goodSafetensors(rng));
  const file = join(dir, "x.safetensors");
  fs.writeFileSync(file, bytes);
  const how = rng.int(0, 2);
  if (how === 0) return attempt(`safetensors ${what}: loadTensors`, () => loadAll(file));
  if (how === 1) return attempt(`safetensors ${what}: decodeTensors`, () => torch.dispose(torch.io.decodeTensors(bytes).tensors));
  const net = new torch.nn.Linear(3, 2);
  try {
    return attempt(`safetensors ${what}: loadModule`, () => torch.io.loadModule(net, file));
  } finally {
    net.dispose();
  }
}

function pngCase(rng: Rng): CaseReport {
  const pixels = Uint8Array.from({ length: 4 * 3 * 3 }, () => rng.int(0, 255));
  const [what, bytes] = corruptPng(rng, torch.io.encodePng(pixels, 4, 3, 3));
  return attempt(`png ${what}: decodePng`, () => {
    const d = torch.io.decodePng(bytes);
    if (d.data.length !== d.width * d.height * 4) throw new Error(`decodePng gave ${d.data.length} bytes for ${d.width}x${d.height}`);
  });
}

/** A CIFAR-10 folder of sparse right-sized files (zeros: label 0, black images) with one thing broken. */
function cifarCase(rng: Rng, dir: string): CaseReport {
  const bin = join(dir, rng.bool() ? "cifar-10-batches-bin" : "");
  fs.mkdirSync(bin, { recursive: true });
  for (const f of CIFAR_FILES) {
    fs.writeFileSync(join(bin, f), "");
    fs.truncateSync(join(bin, f), FILE_BYTES);
  }
  const victim = join(bin, rng.pick(CIFAR_FILES));
  const breaks: [string, () => void][] = [
    ["a file missing", () => fs.rmSync(victim)],
    ["a file empty", () => fs.truncateSync(victim, 0)],
    ["a file one byte short", () => fs.truncateSync(victim, FILE_BYTES - 1)],
    ["a file one record long", () => fs.truncateSync(victim, RECORD)],
    ["a file too large", () => fs.truncateSync(victim, FILE_BYTES + RECORD)],
    ["a label of 200", () => { const fd = fs.openSync(victim, "r+"); fs.writeSync(fd, Uint8Array.of(200), 0, 1, RECORD * rng.int(0, 9999)); fs.closeSync(fd); }],
    ["a folder in place of a file", () => { fs.rmSync(victim); fs.mkdirSync(victim); }],
    ["a link to /dev/zero", () => { fs.rmSync(victim); fs.symlinkSync("/dev/zero", victim); }],
    ["a dangling link", () => { fs.rmSync(victim); fs.symlinkSync(join(dir, "nowhere"), victim); }],
    ["a link loop", () => { fs.rmSync(victim); fs.symlinkSync(victim, victim); }],
    ["a FIFO", () => { fs.rmSync(victim); execFileSync("mkfifo", [victim]); }],
    ["an unreadable file", () => fs.chmodSync(victim, 0)],
    ["nothing broken (all labels 0)", () => {}],
  ];
  const [what, breakIt] = rng.pick(breaks);
  breakIt();
  return attempt(`cifar10 folder: ${what} (${victim.slice(dir.length)})`, () => torch.dispose(torch.vision.cifar10.loadDir(dir)));
}

/** Paths that are not regular files, given to the readers and writers. */
function pathCase(rng: Rng, dir: string): CaseReport {
  const fifo = join(dir, "fifo.safetensors");
  const link = join(dir, "zero.safetensors");
  const paths: [string, () => string][] = [
    ["/dev/zero", () => "/dev/zero"],
    ["/dev/urandom", () => "/dev/urandom"],
    ["/dev/null", () => "/dev/null"],
    ["a folder", () => dir],
    ["a FIFO", () => (execFileSync("mkfifo", [fifo]), fifo)],
    ["a link to /dev/zero", () => (fs.symlinkSync("/dev/zero", link), link)],
    ["/proc/self/status", () => "/proc/self/status"],
    ["a missing file", () => join(dir, "missing.safetensors")],
    ["an empty name", () => ""],
  ];
  const [what, make] = rng.pick(paths);
  const p = make();
  const op = rng.int(0, 2);
  if (op === 0) return attempt(`loadTensors(${what})`, () => loadAll(p));
  if (op === 1) {
    const net = new torch.nn.Linear(2, 2);
    try {
      return attempt(`loadModule(${what})`, () => torch.io.loadModule(net, p));
    } finally {
      net.dispose();
    }
  }
  const target = rng.pick([p, "/dev/full", join(dir, "no/such/dir/x.safetensors"), "/proc/version"]);
  return torch.scope(() => attempt(`saveTensors to ${target === p ? what : target}`, () => torch.io.saveTensors({ w: torch.ones([2]) }, target)));
}

export function run(seed: number, index: number): CaseReport {
  const rng = Rng.forCase(seed, "files", index);
  const dir = scratch(index);
  try {
    const kind = rng.int(0, 9);
    if (kind < 4) return safetensorsCase(rng, dir);
    if (kind < 7) return pngCase(rng);
    if (kind < 8) return cifarCase(rng, dir);
    return pathCase(rng, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function describe(seed: number, index: number): string {
  const rng = Rng.forCase(seed, "files", index);
  const kind = rng.int(0, 9);
  return `files case ${index}: ${kind < 4 ? "corrupted safetensors" : kind < 7 ? "corrupted PNG" : kind < 8 ? "broken CIFAR-10 folder" : "non-regular path"} (run it with --replay to see which)`;
}
export { flipBits };
