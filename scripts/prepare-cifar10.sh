#!/usr/bin/env bash
# Build CIFAR-10's official binary layout into <repo>/.cache/cifar10/cifar-10-batches-bin/
# from the shared JPEG tarball (see ../shared/data/README.md). Idempotent: does nothing
# when all six .bin files are already there with the right size.
#
# The data set is never committed; tests find it under .cache/ (gitignored) and skip
# outside CI when it is absent, which is why a missing source is not an error here.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_DIR="${SHARED_DIR:-$REPO/../shared/data}"
CACHE="$REPO/.cache/cifar10"
DEST="$CACHE/cifar-10-batches-bin"
PY="${PYTHON:-/usr/bin/python3}"
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

SCRIPT="$SHARED_DIR/cifar10-to-bin.py"
if [ ! -f "$SCRIPT" ] || [ ! -f "$SHARED_DIR/cifar-10-jpeg.tar.xz" ]; then
  echo "CIFAR-10 source not found in $SHARED_DIR (expected cifar10-to-bin.py and cifar-10-jpeg.tar.xz)." >&2
  echo "Set SHARED_DIR, or place the official binary version so that $DEST/data_batch_1.bin exists." >&2
  echo "Skipping: tests that need CIFAR-10 will be skipped (outside CI)." >&2
  exit 0
fi

if ! "$PY" -c "import PIL" 2>/dev/null; then
  echo "prepare-cifar10: $PY with Pillow is needed (Debian: apt-get install -y python3-pil; or set PYTHON)." >&2
  exit 1
fi

# Build into a temp dir beside the destination, then rename, so an interrupted run
# never leaves a half-written cifar-10-batches-bin/ that later runs would trust.
mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.tmp-prepare.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "Building CIFAR-10 binary layout from $SHARED_DIR (about 20 s)..."
"$PY" "$SCRIPT" "$TMP" >/dev/null

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
