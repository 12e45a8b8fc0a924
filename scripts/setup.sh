#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine (as root, or with sudo): installs what is missing
# (libtorch, OpenBLAS, and for the tests PyTorch + Pillow), the npm packages, builds the addon and
# the TypeScript, and prepares CIFAR-10 from ../shared/data when it is there. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Without OpenBLAS libtorch falls back to the reference BLAS (about 45x slower on matmul).
# python3-torch, python3-pil and python3-torchvision are for the tests (PyTorch parity); libturbojpeg and libpng
# are the image decoders the addon binds (vision.io); xz unpacks the shared CIFAR-10 JPEG tarball.
packages=(libtorch-dev libopenblas0-pthread python3-torch python3-pil python3-numpy dataset-fashion-mnist bible-kjv bible-kjv-text libgloo-dev
  libturbojpeg0-dev libpng-dev python3-torchvision xz-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -n "${LIBTORCH:-}" ]; then
  # a user-supplied libtorch: only the test-side packages are wanted
  missing=($(printf '%s\n' "${missing[@]}" | grep -v '^libtorch-dev$' || true))
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]} and no apt-get here; install libtorch (or set LIBTORCH) yourself" >&2
  fi
fi

# npm ci runs the package's install script, which builds the addon (nothing is downloaded).
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build --silent

bash scripts/prepare-cifar10.sh
