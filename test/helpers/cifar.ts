// Where tests find CIFAR-10: <repo>/.cache/cifar10, filled by scripts/prepare-cifar10.sh.
// Outside CI a missing data set skips the test; in CI it is a failure, so the real-data
// checks can never silently stop running there.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { hasCifar10Files } from "../../src/data/cifar10-files.js";

// This file runs as dist/test/helpers/cifar.js, three levels below the repo root.
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CIFAR10_CACHE_DIR = path.join(REPO_ROOT, ".cache", "cifar10");

export function cifarDirOrSkip(t: TestContext): string | null {
  if (hasCifar10Files(CIFAR10_CACHE_DIR)) return CIFAR10_CACHE_DIR;
  const reason = `CIFAR-10 not found in ${CIFAR10_CACHE_DIR}; run scripts/prepare-cifar10.sh`;
  if (process.env.CI === "true") throw new Error(`${reason} (required in CI)`);
  t.skip(reason);
  return null;
}
