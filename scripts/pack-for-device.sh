#!/usr/bin/env bash
# Packs what the lent GPU machine lacks (it has PyTorch + CUDA, g++, nvcc, but no Node.js and no
# CIFAR-10) into the ignored folder .device/: this machine's node binary and Node's N-API headers,
# the runtime npm packages (bundle.tar.xz), and the shared CIFAR-10 JPEG tarball with its converter
# (data/). Then, from the session, run with carry [".device", "dist"] and the command
#   bash scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED_DATA="${SHARED_DIR:-$PWD/../shared/data}"
npm run build:ts --silent
# keeps .device/resume.safetensors (a GPU run's checkpoint that the next run continues from)
rm -rf .device/bundle.tar.xz .device/data .device/node .device/node_modules
mkdir -p .device/data
stage=$(mktemp -d)
mkdir -p "$stage/node/bin" "$stage/node/include/node"
cp "$(readlink -f "$(command -v node)")" "$stage/node/bin/node"
inc="$(dirname "$(command -v node)")/../include/node"
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
cp "$inc"/js_native_api.h "$inc"/js_native_api_types.h "$inc"/node_api.h "$inc"/node_api_types.h "$stage/node/include/node/"
# runtime dependencies only (no typescript, no tfjs)
npm ls --omit=dev --parseable --all 2>/dev/null | grep '/node_modules/' | sed "s|^$PWD/||" > "$stage/modules.txt"
tar -cf - -T "$stage/modules.txt" | tar -xf - -C "$stage"
rm "$stage/modules.txt"
tar -cf - -C "$stage" . | xz -T0 -6 > .device/bundle.tar.xz
rm -rf "$stage"
cp "$SHARED_DATA/cifar-10-jpeg.tar.xz" "$SHARED_DATA/cifar10-to-bin.py" .device/data/
du -sh .device/* dist
