#!/usr/bin/env bash
# Packs what the lent GPU machine lacks (it has PyTorch + CUDA, g++, but no Node.js) into the ignored
# folder .device/: this machine's node binary, Node's N-API headers, the compiled dist/ and the
# runtime npm packages. Then, from the session: run with carry [".device", "dist"] and the command
#   bash scripts/gpu-check.sh
# Untested on a GPU machine so far (no session had one): expect to adjust.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build:ts --silent
mkdir -p .device
stage=$(mktemp -d)
mkdir -p "$stage/node/bin" "$stage/node/include/node"
cp "$(command -v node)" "$stage/node/bin/node"
inc="$(dirname "$(command -v node)")/../include/node"
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
cp "$inc"/js_native_api.h "$inc"/js_native_api_types.h "$inc"/node_api.h "$inc"/node_api_types.h "$stage/node/include/node/"
# runtime dependencies only (no typescript, no tfjs)
npm ls --omit=dev --parseable --all 2>/dev/null | grep '/node_modules/' | sed "s|^$PWD/||" > "$stage/modules.txt"
tar -cf - -T "$stage/modules.txt" | tar -xf - -C "$stage"
tar -cJf .device/bundle.tar.xz -C "$stage" .
rm -rf "$stage"
ls -la .device/bundle.tar.xz
