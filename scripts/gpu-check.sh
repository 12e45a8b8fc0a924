#!/usr/bin/env bash
# On the lent GPU machine (PyTorch 2.x with CUDA, no Node.js): unpack .device/bundle.tar.xz (made by
# scripts/pack-for-device.sh), build the addon against python3's PyTorch, and run the CUDA smoke
# test and timings (scripts/cuda-check.mjs). Untested on a GPU machine so far: expect to adjust.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
  tar -xJf .device/bundle.tar.xz -C .device
  export PATH="$PWD/.device/node/bin:$PATH"
  export NODE_INCLUDE_DIR="$PWD/.device/node/include/node"
  [ -d node_modules ] || cp -r .device/node_modules node_modules
fi
which node g++ nvcc || true
nvidia-smi -L || true
python3 -c "import torch; print('pytorch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
node scripts/build-native.mjs
node scripts/cuda-check.mjs "$@"
