#!/usr/bin/env bash
# Build CIFAR-10's official binary layout into <repo>/.cache/cifar10/cifar-10-batches-bin/
# from the shared JPEG tarball (see ../shared/data/README.md), decoded by tstorch itself (no Python). Idempotent: does nothing
# when all six .bin files are already there with the right size.
#
# The data set is never committed; tests find it under .cache/ (gitignored) and skip
# outside CI when it is absent, which is why a missing source is not an error here.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_DIR="${SHARED_DIR:-$REPO/../shared/data}"
CACHE="$REPO/.cache/cifar10"
DEST="$CACHE/cifar-10-batches-bin"
FILE_SIZE=30730000 # 10,000 records x (1 label + 3,072 pixel bytes)
FILES="data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin"

complete() {
  local f size
  for f in $FILES; do
    [ -f "$DEST/$f" ] || return 1
    size=$(wc -c <"$DEST/$f" | tr -d ' ')
    [ "$size" -eq "$FILE_SIZE" ] || return 1
  done
}

if complete; then
  echo "CIFAR-10 already prepared in $DEST"
  exit 0
fi

TARBALL="$SHARED_DIR/cifar-10-jpeg.tar.xz"
if [ ! -f "$TARBALL" ]; then
  echo "CIFAR-10 source not found in $SHARED_DIR (expected cifar-10-jpeg.tar.xz)." >&2
  echo "Set SHARED_DIR, or place the official binary version so that $DEST/data_batch_1.bin exists." >&2
  echo "Skipping: tests that need CIFAR-10 will be skipped (outside CI)." >&2
  exit 0
fi

# tstorch decodes the JPEGs itself (vision.io over TurboJPEG, src/data/cifar10-jpeg.ts): no Python.
# Its output is byte-identical to the tarball's cifar10-to-bin.py (same walk, pixels and shuffle).
PROGRAM="$REPO/dist/src/data/cifar10-jpeg.js"
if [ ! -f "$PROGRAM" ] || [ ! -f "$REPO/native/build/tstorch.node" ]; then
  echo "prepare-cifar10: tstorch is not built ($PROGRAM or native/build/tstorch.node missing): run \`npm run build\` first." >&2
  exit 1
fi

# Build into a temp dir beside the destination, then rename, so an interrupted run
# never leaves a half-written cifar-10-batches-bin/ that later runs would trust.
mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.tmp-prepare.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "Building CIFAR-10 binary layout from $TARBALL with tstorch (a few seconds)..."
node "$PROGRAM" "$TARBALL" "$TMP" >/dev/null

for f in $FILES; do
  size=$(wc -c <"$TMP/cifar-10-batches-bin/$f" | tr -d ' ')
  if [ "$size" -ne "$FILE_SIZE" ]; then
    echo "prepare-cifar10: $f has $size bytes, expected $FILE_SIZE" >&2
    exit 1
  fi
done

# An incomplete earlier result is moved aside (not merged into) before the swap.
if [ -e "$DEST" ]; then
  mv "$DEST" "$TMP/old"
fi
mv "$TMP/cifar-10-batches-bin" "$DEST"
echo "CIFAR-10 prepared in $DEST"
