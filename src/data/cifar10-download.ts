// Optional download of CIFAR-10's binary version into a cache folder. Kept apart from the
// reader so that reading never touches the network; tests only exercise the offline paths.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  CIFAR10_BIN_SUBDIR,
  CIFAR10_FILE_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  cifar10NotFoundMessage,
  hasCifar10Files,
} from "./cifar10-files.js";
import { readTarEntries } from "./tar.js";

export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

export interface DownloadCifar10Options {
  /** Overrides the URL (e.g. a local mirror). */
  url?: string;
  /** Expected MD5 of the .tar.gz; defaults to the official archive's. */
  md5?: string;
  /** Progress messages; silent by default. */
  log?: (message: string) => void;
}

/**
 * Ensures `cacheDir/cifar-10-batches-bin/` holds the data set, downloading it when absent.
 * Returns `cacheDir`, which readCifar10Files accepts. Offline, it throws an Error that says
 * where to put manually downloaded files.
 */
export async function downloadCifar10(cacheDir: string, options: DownloadCifar10Options = {}): Promise<string> {
  if (hasCifar10Files(cacheDir)) return cacheDir;
  const url = options.url ?? CIFAR10_URL;
  const log = options.log ?? (() => {});
  log(`Downloading ${url} ...`);
  let archive: Uint8Array;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    archive = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new Error(`Could not download CIFAR-10 from ${url}: ${describe(err)}\n${cifar10NotFoundMessage([cacheDir])}`, {
      cause: err,
    });
  }
  const md5 = createHash("md5").update(archive).digest("hex");
  const expected = options.md5 ?? CIFAR10_MD5;
  if (md5 !== expected) {
    throw new Error(
      `CIFAR-10 download from ${url} is corrupt: MD5 ${md5}, expected ${expected} (${archive.length} bytes received).\n` +
        cifar10NotFoundMessage([cacheDir]),
    );
  }
  log(`Extracting into ${path.join(cacheDir, CIFAR10_BIN_SUBDIR)} ...`);
  extractCifar10Archive(archive, cacheDir);
  return cacheDir;
}

/**
 * Unpacks the official cifar-10-binary.tar.gz into `cacheDir/cifar-10-batches-bin/`.
 * Files are written under their base names only (never a path taken from the archive),
 * into a temp folder that is renamed into place, so a failed run leaves nothing half-made.
 */
export function extractCifar10Archive(tgz: Uint8Array, cacheDir: string): void {
  const wanted = new Set<string>([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, "batches.meta.txt", "readme.html"]);
  const found = new Map<string, Uint8Array>();
  for (const e of readTarEntries(gunzipSync(tgz))) {
    const parts = e.name.split("/");
    const base = parts[parts.length - 1];
    if (parts.length === 2 && parts[0] === CIFAR10_BIN_SUBDIR && wanted.has(base)) found.set(base, e.data);
  }
  for (const f of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    const data = found.get(f);
    if (!data) throw new Error(`CIFAR-10 archive lacks ${CIFAR10_BIN_SUBDIR}/${f} (is it the binary version?)`);
    if (data.length !== CIFAR10_FILE_BYTES) {
      throw new Error(`CIFAR-10 archive entry ${CIFAR10_BIN_SUBDIR}/${f} has ${data.length} bytes, expected ${CIFAR10_FILE_BYTES}`);
    }
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, ".tmp-cifar10-"));
  try {
    const staged = path.join(tmp, CIFAR10_BIN_SUBDIR);
    fs.mkdirSync(staged);
    for (const [name, data] of found) fs.writeFileSync(path.join(staged, name), data);
    const dest = path.join(cacheDir, CIFAR10_BIN_SUBDIR);
    // An incomplete earlier result is moved aside rather than merged into.
    if (fs.existsSync(dest)) fs.renameSync(dest, path.join(tmp, "old"));
    fs.renameSync(staged, dest);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch() reports network failures as "fetch failed" with the real reason in `cause`.
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return `${err.message}${cause}`;
}
